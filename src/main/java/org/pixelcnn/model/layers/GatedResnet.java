package org.pixelcnn.model.layers;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.ConvGeom;
import org.pixelcnn.backend.DropoutMask;
import org.pixelcnn.model.Activation;
import org.pixelcnn.model.Param;
import org.pixelcnn.model.ParamStore;
import org.pixelcnn.model.Pass;

/**
 * nn.gated_resnet: x [n,h,w,F], optional auxiliary a [n,h,w,Ca], optional class one-hot h [n, K]:
 * <pre>
 *   c1 = conv(f(x), F) [+ nin(f(a), F)];  c1 = f(c1);  c1 = dropout(c1, p)   (training only)
 *   c2 = conv(c1, 2F, init_scale 0.1) [+ h hw];  (A, B) = split(c2);  out = x + A sigmoid(B)
 * </pre>
 * with f the resnet nonlinearity and conv the stream's shifted convolution (down_shifted (2,3) for
 * the u stream, down_right_shifted (2,2) for the ul stream). Parameters are registered in the
 * reference's order: conv2d (c1), dense (nin of a), conv2d (c2), conditional_weights/hw.
 */
public final class GatedResnet {
    /** Which shifted convolution the block uses. */
    public enum Stream { DOWN, DOWN_RIGHT }

    private final Stream stream;
    private final Nonlinearity f;
    private final float dropoutP;
    private final int layerId, numClasses, fch;
    private final long rows;
    private final Activation x, a, fx, fa, c1, na, fc1, drop, c2;
    public final Activation out;
    private final Conv2d conv1, conv2;
    private final Dense nin;
    private final Param hw;
    private final Buf h, hproj, hsum;

    /**
     * @param x        the block input [n,h,w,F] (its grad receives dout and the conv path)
     * @param a        auxiliary input or null
     * @param h        one-hot classes [n, numClasses] (a backend buffer) or null
     * @param layerId  index of this block's dropout in the model (the dropout key)
     */
    public GatedResnet(Backend be, ParamStore ps, Stream stream, Activation x, Activation a, Buf h, int numClasses,
                       Nonlinearity f, float dropoutP, int layerId, boolean train) {
        this.stream = stream;
        this.f = f;
        this.dropoutP = dropoutP;
        this.layerId = layerId;
        this.numClasses = numClasses;
        this.x = x;
        this.a = a;
        this.h = h;
        this.fch = x.c;
        this.rows = x.rows();
        int n = x.n, hh = x.h, ww = x.w, k = f.factor;
        fx = new Activation(be, n, hh, ww, k * fch, train);
        c1 = new Activation(be, n, hh, ww, fch, train);
        ConvGeom g1 = geom(stream, n, hh, ww, k * fch, fch);
        conv1 = new Conv2d(be, ps, g1, 1f);
        if (a != null) {
            fa = new Activation(be, n, hh, ww, k * a.c, train);
            na = new Activation(be, n, hh, ww, fch, false);
            nin = new Dense(be, ps, rows, k * a.c, fch, 1f);
        } else {
            fa = na = null;
            nin = null;
        }
        fc1 = new Activation(be, n, hh, ww, k * fch, train);
        drop = dropoutP > 0 ? new Activation(be, n, hh, ww, k * fch, train) : null;
        conv2 = new Conv2d(be, ps, geom(stream, n, hh, ww, k * fch, 2 * fch), 0.1f);
        c2 = new Activation(be, n, hh, ww, 2 * fch, train);
        if (h != null) {
            hw = ps.register(ps.nextName("conditional_weights") + "/hw", Param.Init.NORMAL_005, numClasses, 2 * fch);
            hproj = be.alloc((long) n * 2 * fch);
            hsum = be.alloc((long) n * 2 * fch);
        } else {
            hw = null;
            hproj = hsum = null;
        }
        out = new Activation(be, n, hh, ww, fch, train);
    }

    /** The block input x [n,h,w,F]. */
    public Activation input() {
        return x;
    }

    /** The auxiliary input a [n,h,w,Ca], or null. */
    public Activation aux() {
        return a;
    }

    /** Which shifted convolution the block uses. */
    public Stream stream() {
        return stream;
    }

    /** The resnet nonlinearity f. */
    public Nonlinearity nonlinearity() {
        return f;
    }

    /** The first convolution: f(x) [n,h,w,kF] to c1 [n,h,w,F]. */
    public Conv2d conv1() {
        return conv1;
    }

    /** The nin of f(a) [n,h,w,kCa] to [n,h,w,F], or null without an auxiliary input. */
    public Dense nin() {
        return nin;
    }

    /** The second convolution: f(c1) [n,h,w,kF] to c2 [n,h,w,2F] (init_scale 0.1). */
    public Conv2d conv2() {
        return conv2;
    }

    /** The class-conditional weights hw [numClasses, 2F] (not weight-normalised), or null for unconditional models. */
    public Param classWeights() {
        return hw;
    }

    private static ConvGeom geom(Stream s, int n, int h, int w, int cin, int cout) {
        return s == Stream.DOWN ? Conv2d.downShifted(n, h, w, cin, cout, 2, 3, 1) : Conv2d.downRightShifted(n, h, w, cin, cout, 2, 2, 1);
    }

    public void forward(Backend be, Pass pass) {
        boolean init = pass.init();
        f.forward(be, x.value, fx.value, rows, fch);
        conv1.forward(be, fx.value, c1.value, init);
        if (a != null) {
            f.forward(be, a.value, fa.value, rows, a.c);
            nin.forward(be, fa.value, na.value, init);
            be.add(c1.value, na.value, c1.value);
        }
        f.forward(be, c1.value, fc1.value, rows, fch);
        Buf c2in = fc1.value;
        if (drop != null && pass.dropout()) {
            be.dropoutForward(fc1.value, drop.value, dropoutP, key(pass));
            c2in = drop.value;
        }
        conv2.forward(be, c2in, c2.value, init);
        if (h != null) {
            be.gemm(false, false, x.n, 2 * fch, numClasses, 1f, h, hw.value(), 0f, hproj);
            be.addPerImage(c2.value, hproj, x.n, (long) x.h * x.w, 2 * fch);
        }
        be.gateForward(x.value, c2.value, out.value, rows, fch);
    }

    private long key(Pass pass) {
        return DropoutMask.key(pass.seed(), pass.step(), pass.replica(), layerId);
    }

    /** Accumulates into x.grad (and a.grad) and the parameter gradients; out.grad must be complete. */
    public void backward(Backend be, Pass pass) {
        be.gateBackward(c2.value, out.grad, x.grad, c2.grad, rows, fch);
        if (h != null) {
            be.sumPerImage(c2.grad, hsum, x.n, (long) x.h * x.w, 2 * fch);
            be.gemm(true, false, numClasses, 2 * fch, x.n, 1f, h, hsum, 1f, hw.grad());
        }
        boolean dropped = drop != null && pass.dropout();
        be.fill(fc1.grad, 0f);
        if (dropped) {
            be.fill(drop.grad, 0f);
            conv2.backward(be, drop.value, c2.grad, drop.grad);
            be.dropoutBackward(drop.grad, fc1.grad, dropoutP, key(pass));
        } else {
            conv2.backward(be, fc1.value, c2.grad, fc1.grad);
        }
        be.fill(c1.grad, 0f);
        f.backward(be, fc1.value, fc1.grad, c1.grad, rows, fch);
        if (a != null) {
            be.fill(fa.grad, 0f);
            nin.backward(be, fa.value, c1.grad, fa.grad);
            f.backward(be, fa.value, fa.grad, a.grad, rows, a.c);
        }
        be.fill(fx.grad, 0f);
        conv1.backward(be, fx.value, c1.grad, fx.grad);
        f.backward(be, fx.value, fx.grad, x.grad, rows, fch);
    }
}
