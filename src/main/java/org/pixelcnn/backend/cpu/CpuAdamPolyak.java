package org.pixelcnn.backend.cpu;

import org.pixelcnn.backend.AdamPolyak;

import java.nio.FloatBuffer;

/**
 * The CPU body of one Adam + Polyak step ({@link AdamPolyak} gives the formulas and the scalars): the twin
 * of the CUDA kernel {@code adam_polyak_update} in {@code src/main/cuda/adam_polyak.cu}, compared with it by
 * {@code selftest --backend cuda} (OpCases "adamPolyak") and against float64 by {@code AdamPolyakTest}.
 *
 * <p>Buffers are accessed with absolute indices only (their positions are ignored and left alone), so
 * heap and direct buffers both work and several threads may update disjoint ranges of the same buffers
 * concurrently.
 */
public final class CpuAdamPolyak {
    private CpuAdamPolyak() {}

    /**
     * One Adam step and Polyak update over elements {@code [offset, offset + length)} of the five flat
     * buffers (all laid out alike: the model's flat parameter block).
     *
     * @param s      this step's scalars, from {@link AdamPolyak#scalars}
     * @param param  parameters, updated in place
     * @param grad   gradients of the summed loss (nats) with respect to the parameters; read only
     * @param m      Adam first moments, updated (zeros before step 1)
     * @param v      Adam second moments, updated (zeros before step 1)
     * @param ema    Polyak averages, updated
     * @param offset first element
     * @param length number of elements
     * @throws IndexOutOfBoundsException when the range exceeds a buffer's limit
     */
    public static void update(AdamPolyak.Scalars s, FloatBuffer param, FloatBuffer grad, FloatBuffer m, FloatBuffer v,
                              FloatBuffer ema, int offset, int length) {
        checkRange(offset, length, param, grad, m, v, ema);
        final float lr = s.lr(), b1 = s.beta1(), omb1 = s.oneMinusBeta1(), b2 = s.beta2(), omb2 = s.oneMinusBeta2();
        final float bc1 = s.biasCorrection1(), bc2 = s.biasCorrection2(), eps = s.epsilon();
        final float omd = s.oneMinusPolyak();
        final int end = offset + length;
        for (int i = offset; i < end; i++) {
            float g = grad.get(i);
            float mi = b1 * m.get(i) + omb1 * g;
            float vi = b2 * v.get(i) + omb2 * (g * g);
            float mHat = mi / bc1;
            float vHat = vi / bc2;
            float step = lr * (mHat / (float) Math.sqrt(vHat + eps));
            float p = param.get(i) - step;
            m.put(i, mi);
            v.put(i, vi);
            param.put(i, p);
            float e = ema.get(i);
            ema.put(i, e - (e - p) * omd); // TF's form (shadow -= (shadow - var)(1 - d)): its fixed point is exactly p
        }
    }

    /**
     * The same step on plain arrays, elements [0, n): the body of the CPU backend's tiled update
     * ({@link CpuElementwise#adamPolyak}); every element sees exactly the float32 operations of
     * {@link #update(AdamPolyak.Scalars, FloatBuffer, FloatBuffer, FloatBuffer, FloatBuffer, FloatBuffer, int, int)},
     * in the same order (the same bits, tested by {@code AdamPolyakTest}).
     */
    static void update(AdamPolyak.Scalars s, float[] param, float[] grad, float[] m, float[] v, float[] ema, int n) {
        final float lr = s.lr(), b1 = s.beta1(), omb1 = s.oneMinusBeta1(), b2 = s.beta2(), omb2 = s.oneMinusBeta2();
        final float bc1 = s.biasCorrection1(), bc2 = s.biasCorrection2(), eps = s.epsilon();
        final float omd = s.oneMinusPolyak();
        for (int i = 0; i < n; i++) {
            float g = grad[i];
            float mi = b1 * m[i] + omb1 * g;
            float vi = b2 * v[i] + omb2 * (g * g);
            m[i] = mi;
            v[i] = vi;
            float mHat = mi / bc1;
            float vHat = vi / bc2;
            float step = lr * (mHat / (float) Math.sqrt(vHat + eps));
            param[i] = param[i] - step;
        }
        for (int i = 0; i < n; i++) {
            float e = ema[i];
            ema[i] = e - (e - param[i]) * omd;
        }
    }

    private static void checkRange(int offset, int length, FloatBuffer... buffers) {
        if (offset < 0 || length < 0) throw new IndexOutOfBoundsException("range [" + offset + ", +" + length + ") is negative");
        for (FloatBuffer b : buffers) {
            if ((long) offset + length > b.limit())
                throw new IndexOutOfBoundsException("range [" + offset + ", " + ((long) offset + length) + ") exceeds a buffer of limit " + b.limit());
        }
    }
}
