package org.pixelcnn.model.layers;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.ConvGeom;
import org.pixelcnn.model.ParamStore;

/**
 * Weight-normalised convolution (nn.conv2d, VALID on an implicitly zero-padded input):
 * x [n,h,w,cin] -> y [n,ho,wo,cout] = conv(x, g V/||V||) + b, V [fh,fw,cin,cout], g and b [cout].
 * The shifted variants of the reference differ only in their padding: see {@link #downShifted} and
 * {@link #downRightShifted}.
 */
public final class Conv2d extends WeightNormLayer {
    public final ConvGeom geom;

    /** Registers model/conv2d_k/{V,g,b} in ps. */
    public Conv2d(Backend be, ParamStore ps, ConvGeom geom, float initScale) {
        super(new WeightNorm(be, ps, ps.nextName("conv2d"), new int[]{geom.fh(), geom.fw(), geom.cin(), geom.cout()},
                geom.fh() * geom.fw() * geom.cin(), geom.cout(), 1, initScale));
        this.geom = geom;
    }

    /**
     * nn.down_shifted_conv2d: pad fh-1 rows on top and (fw-1)/2 columns each side, then VALID with
     * the given stride. Output [n, (h-1)/s+1, (w-1)/s+1, cout].
     */
    public static ConvGeom downShifted(int n, int h, int w, int cin, int cout, int fh, int fw, int stride) {
        int pl = (fw - 1) / 2;
        return new ConvGeom(n, h, w, cin, (h - 1) / stride + 1, (w + 2 * pl - fw) / stride + 1, cout, fh, fw, stride, fh - 1, pl);
    }

    /** nn.down_right_shifted_conv2d: pad fh-1 rows on top and fw-1 columns on the left, then VALID. */
    public static ConvGeom downRightShifted(int n, int h, int w, int cin, int cout, int fh, int fw, int stride) {
        return new ConvGeom(n, h, w, cin, (h - 1) / stride + 1, (w - 1) / stride + 1, cout, fh, fw, stride, fh - 1, fw - 1);
    }

    /** y = conv(x, W) + b; in init mode also the data-dependent init of g, b and y recomputed. */
    public void forward(Backend be, Buf x, Buf y, boolean init) {
        wn.computeW(be);
        be.convForward(geom, x, wn.w, wn.b.value(), y);
        if (init) {
            wn.dataInit(be, y, (long) geom.n() * geom.ho() * geom.wo());
            be.convForward(geom, x, wn.w, wn.b.value(), y);
            wn.afterInit(be, y, (long) geom.n() * geom.ho() * geom.wo());
        }
    }

    /** dV, dg, db += from dy; dx += conv^T(dy) when dx is not null. */
    public void backward(Backend be, Buf x, Buf dy, Buf dx) {
        wn.zeroDw(be);
        be.convBackwardFilter(geom, x, dy, wn.dw);
        wn.backward(be);
        be.biasBackward(dy, (long) geom.n() * geom.ho() * geom.wo(), geom.cout(), wn.b.grad());
        if (dx != null) be.convBackwardData(geom, dy, wn.w, dx);
    }
}
