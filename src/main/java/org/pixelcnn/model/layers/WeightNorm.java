package org.pixelcnn.model.layers;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.model.Param;
import org.pixelcnn.model.ParamStore;

/**
 * The weight-normalised parameters (V, g, b) of one layer (Salimans &amp; Kingma 2016; nn.conv2d,
 * nn.deconv2d, nn.dense): W = g V / ||V|| with V viewed as [outer, channels, inner] and the norm per
 * output channel, plus the data-dependent initialisation of g and b. Holds W, the norms and dW.
 */
final class WeightNorm {
    final Param v, g, b;
    final String name;
    private final ParamStore store;
    final int outer, channels, inner;
    final float initScale;
    final Buf w, norm, dw;
    private final Buf mean, var;

    WeightNorm(Backend be, ParamStore ps, String name, int[] vShape, int outer, int channels, int inner, float initScale) {
        this.name = name;
        this.store = ps;
        this.v = ps.register(name + "/V", Param.Init.NORMAL_005, vShape);
        this.g = ps.register(name + "/g", Param.Init.ONES, channels);
        this.b = ps.register(name + "/b", Param.Init.ZEROS, channels);
        this.outer = outer;
        this.channels = channels;
        this.inner = inner;
        this.initScale = initScale;
        long size = (long) outer * channels * inner;
        this.w = be.alloc(size);
        this.dw = be.alloc(size);
        this.norm = be.alloc(channels);
        this.mean = be.alloc(channels);
        this.var = be.alloc(channels);
    }

    /** W = g V / ||V||. */
    void computeW(Backend be) {
        be.weightNormForward(v.value(), g.value(), w, norm, outer, channels, inner);
    }

    /**
     * Data-dependent init on this layer's output y [rows, channels] (computed with the current g, b):
     * g *= s, b -= m s with s = initScale / sqrt(var + 1e-10), as nn.py; then W is recomputed and the
     * caller recomputes y.
     */
    void dataInit(Backend be, Buf y, long rows) {
        be.channelMoments(y, rows, channels, mean, var);
        float[] m = new float[channels], va = new float[channels], gg = new float[channels], bb = new float[channels];
        be.download(mean, 0, m, 0, channels);
        be.download(var, 0, va, 0, channels);
        be.download(g.value(), 0, gg, 0, channels);
        be.download(b.value(), 0, bb, 0, channels);
        for (int c = 0; c < channels; c++) {
            float s = (float) (initScale / Math.sqrt(va[c] + 1e-10));
            gg[c] = gg[c] * s;
            bb[c] = bb[c] - m[c] * s;
        }
        be.upload(gg, 0, g.value(), 0, channels);
        be.upload(bb, 0, b.value(), 0, channels);
        computeW(be);
    }

    /** Tells the store's init observer (if any) about the recomputed output y [rows, channels]. */
    void afterInit(Backend be, Buf y, long rows) {
        ParamStore.InitObserver o = store.initObserver();
        if (o != null) o.initialised(name, y, rows, channels, initScale);
    }

    /** Zeroes dW before the layer's backward accumulates into it. */
    void zeroDw(Backend be) {
        be.fill(dw, 0f);
    }

    /** From dW (accumulated by the layer) to dV and dg, accumulated into the gradient block. */
    void backward(Backend be) {
        be.weightNormBackward(v.value(), g.value(), norm, dw, v.grad(), g.grad(), outer, channels, inner);
    }
}
