package org.pixelcnn.backend.cpu;

import org.pixelcnn.backend.DropoutMask;

import java.nio.FloatBuffer;

/**
 * The obvious loops of the CPU backend's elementwise operations, one element at a time, single-threaded,
 * exp and sigmoid in double rounded once: the control that the fast, tiled and vectorised versions
 * ({@link CpuElementwise}, {@link VecMath}) are tested against ({@code CpuElementwiseTest}), and their
 * fallback for rows wider than a tile. Shapes and semantics are those of the {@link org.pixelcnn.backend.Backend}
 * methods of the same names: tensors flat NHWC, "rows" = N*H*W, gradient outputs accumulate.
 */
public final class ReferenceOps {
    private ReferenceOps() {}

    /** exp(-|x|) - 1 in double, rounded once: the elu of the non-positive one of x and -x. */
    static float eluOfNegAbs(float x) {
        return (float) (Math.exp(-Math.abs((double) x)) - 1.0);
    }

    /** elu(x) = x for x &gt; 0, exp(x) - 1 otherwise. */
    static float elu(float x) {
        return x > 0 ? x : eluOfNegAbs(x);
    }

    /** elu' at the input, from the output y = elu(input): 1 for y &gt; 0, else y + 1 (= exp(input)). */
    static float eluGradFromOutput(float y) {
        return y > 0 ? 1f : y + 1f;
    }

    /** 1 / (1 + exp(-x)) in double, rounded once. */
    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-(double) x)));
    }

    /** nn.concat_elu: x [rows, c] to y [rows, 2c] = (elu(x), elu(-x)). */
    public static void concatEluForward(FloatBuffer x, FloatBuffer y, long rows, int c) {
        for (long r = 0; r < rows; r++) {
            int i0 = (int) (r * c), o0 = (int) (r * 2 * c);
            for (int j = 0; j < c; j++) {
                float v = x.get(i0 + j);
                float e = eluOfNegAbs(v);
                y.put(o0 + j, v > 0 ? v : e);
                y.put(o0 + c + j, v > 0 ? e : -v);
            }
        }
    }

    /** dx[r, j] += dy[r, j] g(y[r, j]) - dy[r, c+j] g(y[r, c+j]), g from the output. */
    public static void concatEluBackward(FloatBuffer y, FloatBuffer dy, FloatBuffer dx, long rows, int c) {
        for (long r = 0; r < rows; r++) {
            int i0 = (int) (r * c), o0 = (int) (r * 2 * c);
            for (int j = 0; j < c; j++) {
                float gsum = dy.get(o0 + j) * eluGradFromOutput(y.get(o0 + j)) - dy.get(o0 + c + j) * eluGradFromOutput(y.get(o0 + c + j));
                dx.put(i0 + j, dx.get(i0 + j) + gsum);
            }
        }
    }

    /** y = elu(x), elementwise over the whole buffer. */
    public static void eluForward(FloatBuffer x, FloatBuffer y) {
        for (int i = 0; i < x.capacity(); i++) y.put(i, elu(x.get(i)));
    }

    /** dx += dy (y &gt; 0 ? 1 : y + 1). */
    public static void eluBackward(FloatBuffer y, FloatBuffer dy, FloatBuffer dx) {
        for (int i = 0; i < y.capacity(); i++) dx.put(i, dx.get(i) + dy.get(i) * eluGradFromOutput(y.get(i)));
    }

    /** out = x + A sigmoid(B), (A, B) the halves of c2 [rows, 2f]. */
    public static void gateForward(FloatBuffer x, FloatBuffer c2, FloatBuffer out, long rows, int f) {
        for (long r = 0; r < rows; r++) {
            int o = (int) (r * f), c0 = (int) (r * 2 * f);
            for (int k = 0; k < f; k++) out.put(o + k, x.get(o + k) + c2.get(c0 + k) * sigmoid(c2.get(c0 + f + k)));
        }
    }

    /** dx += dout; dc2[:, :f] = dout s; dc2[:, f:] = dout A s (1 - s) (overwrite). */
    public static void gateBackward(FloatBuffer c2, FloatBuffer dout, FloatBuffer dx, FloatBuffer dc2, long rows, int f) {
        for (long r = 0; r < rows; r++) {
            int o = (int) (r * f), c0 = (int) (r * 2 * f);
            for (int k = 0; k < f; k++) {
                float g = dout.get(o + k), a = c2.get(c0 + k), s = sigmoid(c2.get(c0 + f + k));
                dx.put(o + k, dx.get(o + k) + g);
                dc2.put(c0 + k, g * s);
                dc2.put(c0 + f + k, g * a * s * (1f - s));
            }
        }
    }

    /** y = x mask / (1 - p), the mask of {@link DropoutMask} at (key, element index); dropped elements are +0. */
    public static void dropoutForward(FloatBuffer x, FloatBuffer y, float p, long key) {
        float scale = 1f / (1f - p);
        for (int i = 0; i < x.capacity(); i++) y.put(i, DropoutMask.keep(key, i, p) ? x.get(i) * scale : 0f);
    }

    /** dx += dy mask / (1 - p). */
    public static void dropoutBackward(FloatBuffer dy, FloatBuffer dx, float p, long key) {
        float scale = 1f / (1f - p);
        for (int i = 0; i < dy.capacity(); i++) if (DropoutMask.keep(key, i, p)) dx.put(i, dx.get(i) + dy.get(i) * scale);
    }

    /** y[r, c] += bias[c]. */
    public static void addBias(FloatBuffer y, FloatBuffer bias, long rows, int channels) {
        for (long r = 0; r < rows; r++) {
            int o = (int) (r * channels);
            for (int c = 0; c < channels; c++) y.put(o + c, y.get(o + c) + bias.get(c));
        }
    }

    /** db[c] += sum_r dy[r, c], summed in double in row order. */
    public static void biasBackward(FloatBuffer dy, long rows, int channels, FloatBuffer db) {
        double[] sum = new double[channels];
        for (long r = 0; r < rows; r++) {
            int o = (int) (r * channels);
            for (int c = 0; c < channels; c++) sum[c] += dy.get(o + c);
        }
        for (int c = 0; c < channels; c++) db.put(c, (float) (db.get(c) + sum[c]));
    }

    /** y += alpha x. */
    public static void axpy(float alpha, FloatBuffer x, FloatBuffer y) {
        for (int i = 0; i < x.capacity(); i++) y.put(i, y.get(i) + alpha * x.get(i));
    }

    /** y = a + b. */
    public static void add(FloatBuffer a, FloatBuffer b, FloatBuffer y) {
        for (int i = 0; i < y.capacity(); i++) y.put(i, a.get(i) + b.get(i));
    }

    /** W = g V / ||V||, V viewed as [outer, channels, inner], the norm per channel in double; norm[c] written. */
    public static void weightNormForward(FloatBuffer vv, FloatBuffer gg, FloatBuffer ww, FloatBuffer nn, int outer, int channels, int inner) {
        double[] sq = new double[channels];
        for (int a = 0; a < outer; a++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < inner; i++) {
                    double x = vv.get((a * channels + c) * inner + i);
                    sq[c] += x * x;
                }
        float[] scale = new float[channels];
        for (int c = 0; c < channels; c++) {
            float nrm = (float) Math.sqrt(Math.max(sq[c], 1e-12));
            nn.put(c, nrm);
            scale[c] = gg.get(c) / nrm;
        }
        for (int a = 0; a < outer; a++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < inner; i++) {
                    int idx = (a * channels + c) * inner + i;
                    ww.put(idx, vv.get(idx) * scale[c]);
                }
    }

    /** dg[c] += sum(dW V)/||V||; dV += (g/||V||) dW - (g sum(dW V)/||V||^3) V. */
    public static void weightNormBackward(FloatBuffer vv, FloatBuffer gg, FloatBuffer nn, FloatBuffer dW, FloatBuffer dV, FloatBuffer dG, int outer, int channels, int inner) {
        double[] dot = new double[channels];
        for (int a = 0; a < outer; a++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < inner; i++) {
                    int idx = (a * channels + c) * inner + i;
                    dot[c] += (double) dW.get(idx) * vv.get(idx);
                }
        float[] s1 = new float[channels], s2 = new float[channels];
        for (int c = 0; c < channels; c++) {
            double nrm = nn.get(c);
            dG.put(c, (float) (dG.get(c) + dot[c] / nrm));
            s1[c] = (float) (gg.get(c) / nrm);
            s2[c] = (float) (gg.get(c) * dot[c] / (nrm * nrm * nrm));
        }
        for (int a = 0; a < outer; a++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < inner; i++) {
                    int idx = (a * channels + c) * inner + i;
                    dV.put(idx, dV.get(idx) + s1[c] * dW.get(idx) - s2[c] * vv.get(idx));
                }
    }
}
