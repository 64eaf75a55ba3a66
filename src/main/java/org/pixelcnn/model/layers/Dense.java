package org.pixelcnn.model.layers;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.model.ParamStore;

/**
 * Weight-normalised dense layer on the channel axis (nn.dense; used as nn.nin, a 1x1 convolution):
 * x [rows, cin] -> y [rows, cout] = x (g V/||V||) + b, V [cin, cout], the norm over axis 0.
 */
public final class Dense extends WeightNormLayer {
    public final long rows;
    public final int cin, cout;

    /** Registers model/dense_k/{V,g,b}. */
    public Dense(Backend be, ParamStore ps, long rows, int cin, int cout, float initScale) {
        super(new WeightNorm(be, ps, ps.nextName("dense"), new int[]{cin, cout}, cin, cout, 1, initScale));
        this.rows = rows;
        this.cin = cin;
        this.cout = cout;
    }

    /** y = x W + b (overwrite); init mode as {@link Conv2d#forward}. */
    public void forward(Backend be, Buf x, Buf y, boolean init) {
        wn.computeW(be);
        apply(be, x, y);
        if (init) {
            wn.dataInit(be, y, rows);
            apply(be, x, y);
            wn.afterInit(be, y, rows);
        }
    }

    private void apply(Backend be, Buf x, Buf y) {
        be.gemm(false, false, Math.toIntExact(rows), cout, cin, 1f, x, wn.w, 0f, y);
        be.addBias(y, wn.b.value(), rows, cout);
    }

    /** dV, dg, db += from dy; dx += dy W^T when dx is not null. */
    public void backward(Backend be, Buf x, Buf dy, Buf dx) {
        wn.zeroDw(be);
        be.gemm(true, false, cin, cout, Math.toIntExact(rows), 1f, x, dy, 1f, wn.dw);
        wn.backward(be);
        be.biasBackward(dy, rows, cout, wn.b.grad());
        if (dx != null) be.gemm(false, true, Math.toIntExact(rows), cin, cout, 1f, dy, wn.w, 1f, dx);
    }
}
