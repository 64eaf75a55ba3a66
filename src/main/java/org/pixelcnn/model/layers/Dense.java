package org.pixelcnn.model.layers;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.model.ParamStore;

/**
 * Weight-normalised dense layer on the channel axis (nn.dense; used as nn.nin, a 1x1 convolution):
 * x [rows, cin] -> y [rows, cout] = x (g V/||V||) + b, V [cin, cout], the norm over axis 0.
 */
public final class Dense {
    public final long rows;
    public final int cin, cout;
    final WeightNorm wn;

    /** Registers model/dense_k/{V,g,b}. */
    public Dense(Backend be, ParamStore ps, long rows, int cin, int cout, float initScale) {
        this.rows = rows;
        this.cin = cin;
        this.cout = cout;
        this.wn = new WeightNorm(be, ps, ps.nextName("dense"), new int[]{cin, cout}, cin, cout, 1, initScale);
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

    /** W = g V / ||V|| recomputed from the current parameters (once per use of {@link #weight()} outside forward). */
    public void computeWeight(Backend be) {
        wn.computeW(be);
    }

    /** W after the last {@link #computeWeight} or forward: [cin, cout]. */
    public Buf weight() {
        return wn.w;
    }

    /** The bias b [cout]. */
    public Buf bias() {
        return wn.b.value();
    }
}
