package org.pixelcnn.model.layers;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;

/**
 * A layer with weight-normalised parameters (V, g, b; nn.py's conv2d, deconv2d and dense): the effective weight
 * W = g V / ||V|| and the bias, for code that uses a layer's weights outside its forward pass (the cached
 * sampler). W's layout is the layer's: {@link Conv2d} HWIO [fh, fw, cin, cout]; {@link Deconv2d} [fh, fw, cout,
 * cin] as V, per tap [out channels, in channels]; {@link Dense} [cin, cout].
 */
public abstract class WeightNormLayer {
    final WeightNorm wn;

    WeightNormLayer(WeightNorm wn) {
        this.wn = wn;
    }

    /** W = g V / ||V|| recomputed from the current parameters (once per use of {@link #weight()} outside forward). */
    public void computeWeight(Backend be) {
        wn.computeW(be);
    }

    /** W after the last {@link #computeWeight} or forward, in the layer's layout (see the class). */
    public Buf weight() {
        return wn.w;
    }

    /** The bias b [output channels]. */
    public Buf bias() {
        return wn.b.value();
    }
}
