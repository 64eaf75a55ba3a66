package org.pixelcnn.model.layers;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.ConvGeom;
import org.pixelcnn.model.ParamStore;

/**
 * Weight-normalised transposed convolution with the reference's crop (nn.deconv2d VALID followed by
 * the slicing of nn.down_shifted_deconv2d / nn.down_right_shifted_deconv2d):
 * x [n,h,w,cin] -> y [n,h*s,w*s,cout], V [fh,fw,cout,cin], g and b [cout], W = g V / ||V|| with the norm
 * over axes (0,1,3). Computed as the backward-data of the convolution {@link #geom} that maps y to x
 * (the crop becomes that convolution's padding).
 */
public final class Deconv2d extends WeightNormLayer {
    /** The convolution from this layer's output (its input side) to this layer's input. */
    public final ConvGeom geom;
    /**
     * Two views of one scratch buffer, for uses that never overlap: backward's conv(dy, W) before it is added
     * to dx ({@code geom.outSize()} floats), and data-dependent init's uncropped output
     * ({@code fullGeom().inSize()} floats). Allocated here, at set-up, never during a pass.
     */
    private final Buf backwardScratch, initScratch;

    /** Registers model/deconv2d_k/{V,g,b} and allocates the layer's scratch. */
    public Deconv2d(Backend be, ParamStore ps, ConvGeom geom, float initScale) {
        super(new WeightNorm(be, ps, ps.nextName("deconv2d"), new int[]{geom.fh(), geom.fw(), geom.cin(), geom.cout()},
                geom.fh() * geom.fw(), geom.cin(), geom.cout(), initScale));
        this.geom = geom;
        long fullSize = fullGeom().inSize();
        Buf scratch = be.alloc(Math.max(geom.outSize(), fullSize));
        this.backwardScratch = scratch.slice(0, geom.outSize());
        this.initScratch = scratch.slice(0, fullSize);
    }

    /** nn.down_shifted_deconv2d: output [n, h*s, w*s, cout], columns cropped by (fw-1)/2 on the left. */
    public static ConvGeom downShifted(int n, int h, int w, int cin, int cout, int fh, int fw, int stride) {
        return new ConvGeom(n, h * stride, w * stride, cout, h, w, cin, fh, fw, stride, 0, (fw - 1) / 2);
    }

    /** nn.down_right_shifted_deconv2d: output [n, h*s, w*s, cout], cropped at the bottom and right. */
    public static ConvGeom downRightShifted(int n, int h, int w, int cin, int cout, int fh, int fw, int stride) {
        return new ConvGeom(n, h * stride, w * stride, cout, h, w, cin, fh, fw, stride, 0, 0);
    }

    private long outRows() {
        return (long) geom.n() * geom.h() * geom.w();
    }

    /**
     * The transposed convolution before the crop, as nn.deconv2d computes it: output
     * [n, h*s + fh - 1, w*s + fw - 1, cout] (TF's VALID target shape).
     */
    private ConvGeom fullGeom() {
        int hf = geom.ho() * geom.stride() + geom.fh() - 1, wf = geom.wo() * geom.stride() + geom.fw() - 1;
        return new ConvGeom(geom.n(), hf, wf, geom.cin(), geom.ho(), geom.wo(), geom.cout(), geom.fh(), geom.fw(), geom.stride(), 0, 0);
    }

    /**
     * y = deconv(x, W) + b (overwrite). In init mode, data-dependent init as nn.deconv2d: the moments
     * are taken over the full transposed-convolution output, BEFORE the shifted variants' crop (nn.py
     * normalises inside deconv2d; down_shifted_deconv2d slices afterwards), then y is recomputed.
     */
    public void forward(Backend be, Buf x, Buf y, boolean init) {
        wn.computeW(be);
        apply(be, x, y);
        if (init) {
            ConvGeom full = fullGeom();
            long fullRows = (long) full.n() * full.h() * full.w();
            Buf yFull = initScratch;
            applyFull(be, full, x, yFull);
            wn.dataInit(be, yFull, fullRows);
            apply(be, x, y);
            applyFull(be, full, x, yFull);
            wn.afterInit(be, yFull, fullRows);
        }
    }

    private void applyFull(Backend be, ConvGeom full, Buf x, Buf yFull) {
        be.fill(yFull, 0f);
        be.convBackwardData(full, x, wn.w, yFull);
        be.addBias(yFull, wn.b.value(), (long) full.n() * full.h() * full.w(), full.cin());
    }

    private void apply(Backend be, Buf x, Buf y) {
        be.fill(y, 0f);
        be.convBackwardData(geom, x, wn.w, y);
        be.addBias(y, wn.b.value(), outRows(), geom.cin());
    }

    /** dV, dg, db += from dy; dx += conv(dy, W) when dx is not null. */
    public void backward(Backend be, Buf x, Buf dy, Buf dx) {
        wn.zeroDw(be);
        be.convBackwardFilter(geom, dy, x, wn.dw);
        wn.backward(be);
        be.biasBackward(dy, outRows(), geom.cin(), wn.b.grad());
        if (dx != null) {
            be.convForward(geom, dy, wn.w, null, backwardScratch);
            be.axpy(1f, backwardScratch, dx);
        }
    }
}
