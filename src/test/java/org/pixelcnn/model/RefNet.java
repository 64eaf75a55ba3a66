package org.pixelcnn.model;

import org.pixelcnn.backend.DropoutMask;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A float64 oracle of nn.py / model.py written the obvious way, for the tests only: explicit
 * tf.pad then VALID convolutions, full-size transposed convolutions then the reference's slicing,
 * weight norm with l2_normalize, and the model's u / ul lists. It shares no code with the engine's
 * layers (only the dropout mask function, so that a training pass can be replayed), and reads
 * parameters by the reference's variable names through {@code param}, so a wrong layer order or
 * name in the engine fails the comparison.
 */
final class RefNet {
    /** An NHWC float64 tensor. */
    static final class T {
        final int n, h, w, c;
        final double[] d;

        T(int n, int h, int w, int c) {
            this(n, h, w, c, new double[n * h * w * c]);
        }

        T(int n, int h, int w, int c, double[] d) {
            this.n = n;
            this.h = h;
            this.w = w;
            this.c = c;
            this.d = d;
        }

        int idx(int b, int i, int j, int k) {
            return ((b * h + i) * w + j) * c + k;
        }

        double get(int b, int i, int j, int k) {
            return d[idx(b, i, j, k)];
        }
    }

    /** Parameter lookup by reference name (model/conv2d_0/V ...). */
    private final Function<String, double[]> param;
    private final Map<String, Integer> counters = new HashMap<>();
    /** Dropout: (seed, step, replica) of the replayed training pass, or null for none. */
    private final long[] dropKey;
    private final double dropoutP;
    private int gres;

    RefNet(Function<String, double[]> param, long[] dropKey, double dropoutP) {
        this.param = param;
        this.dropKey = dropKey;
        this.dropoutP = dropoutP;
    }

    private String name(String kind) {
        int k = counters.merge(kind, 1, Integer::sum) - 1;
        return "model/" + kind + "_" + k;
    }

    // ---------------------------------------------------------------- elementary ops

    static T pad(T x, int top, int bottom, int left, int right) {
        T y = new T(x.n, x.h + top + bottom, x.w + left + right, x.c);
        for (int b = 0; b < x.n; b++)
            for (int i = 0; i < x.h; i++)
                for (int j = 0; j < x.w; j++)
                    for (int k = 0; k < x.c; k++) y.d[y.idx(b, i + top, j + left, k)] = x.get(b, i, j, k);
        return y;
    }

    /** tf.nn.conv2d VALID with W [fh,fw,cin,cout]. */
    static T convValid(T x, double[] wt, int fh, int fw, int cout, int s) {
        int ho = (x.h - fh) / s + 1, wo = (x.w - fw) / s + 1;
        T y = new T(x.n, ho, wo, cout);
        for (int b = 0; b < x.n; b++)
            for (int i = 0; i < ho; i++)
                for (int j = 0; j < wo; j++)
                    for (int o = 0; o < cout; o++) {
                        double acc = 0;
                        for (int di = 0; di < fh; di++)
                            for (int dj = 0; dj < fw; dj++)
                                for (int k = 0; k < x.c; k++)
                                    acc += x.get(b, i * s + di, j * s + dj, k) * wt[((di * fw + dj) * x.c + k) * cout + o];
                        y.d[y.idx(b, i, j, o)] = acc;
                    }
        return y;
    }

    /** tf.nn.conv2d_transpose VALID to a target [th, tw] with W [fh,fw,cout,cin]. */
    static T deconvValid(T x, double[] wt, int fh, int fw, int cout, int s, int th, int tw) {
        T y = new T(x.n, th, tw, cout);
        for (int b = 0; b < x.n; b++)
            for (int i = 0; i < x.h; i++)
                for (int j = 0; j < x.w; j++)
                    for (int di = 0; di < fh; di++)
                        for (int dj = 0; dj < fw; dj++) {
                            int p = i * s + di, q = j * s + dj;
                            if (p >= th || q >= tw) continue;
                            for (int o = 0; o < cout; o++) {
                                double acc = 0;
                                for (int k = 0; k < x.c; k++) acc += x.get(b, i, j, k) * wt[((di * fw + dj) * cout + o) * x.c + k];
                                y.d[y.idx(b, p, q, o)] += acc;
                            }
                        }
        return y;
    }

    static T crop(T x, int r0, int r1, int c0, int c1) {
        T y = new T(x.n, r1 - r0, c1 - c0, x.c);
        for (int b = 0; b < x.n; b++)
            for (int i = r0; i < r1; i++)
                for (int j = c0; j < c1; j++)
                    for (int k = 0; k < x.c; k++) y.d[y.idx(b, i - r0, j - c0, k)] = x.get(b, i, j, k);
        return y;
    }

    static T addBias(T x, double[] bias) {
        T y = new T(x.n, x.h, x.w, x.c, x.d.clone());
        for (int i = 0; i < y.d.length; i++) y.d[i] += bias[i % x.c];
        return y;
    }

    /** g * l2_normalize(V, axes other than channelAxis), V of rank 4 or 2 given as [a, ch, in] blocks. */
    static double[] weightNorm(double[] v, double[] g, int outer, int ch, int inner) {
        double[] w = new double[v.length];
        for (int c = 0; c < ch; c++) {
            double sq = 0;
            for (int a = 0; a < outer; a++) for (int i = 0; i < inner; i++) sq += v[(a * ch + c) * inner + i] * v[(a * ch + c) * inner + i];
            double inv = 1 / Math.sqrt(Math.max(sq, 1e-12));
            for (int a = 0; a < outer; a++) for (int i = 0; i < inner; i++) w[(a * ch + c) * inner + i] = g[c] * v[(a * ch + c) * inner + i] * inv;
        }
        return w;
    }

    static double elu(double v) {
        return v > 0 ? v : Math.expm1(v);
    }

    static T map(T x, java.util.function.DoubleUnaryOperator f) {
        T y = new T(x.n, x.h, x.w, x.c);
        for (int i = 0; i < y.d.length; i++) y.d[i] = f.applyAsDouble(x.d[i]);
        return y;
    }

    static T concat(T a, T b) {
        T y = new T(a.n, a.h, a.w, a.c + b.c);
        for (int r = 0; r < a.n * a.h * a.w; r++) {
            System.arraycopy(a.d, r * a.c, y.d, r * y.c, a.c);
            System.arraycopy(b.d, r * b.c, y.d, r * y.c + a.c, b.c);
        }
        return y;
    }

    static T concatElu(T x) {
        return map(concat(x, map(x, v -> -v)), RefNet::elu);
    }

    static T nonlinearity(String kind, T x) {
        return switch (kind) {
            case "concat_elu" -> concatElu(x);
            case "elu" -> map(x, RefNet::elu);
            case "relu" -> map(x, v -> Math.max(v, 0));
            default -> throw new IllegalArgumentException(kind);
        };
    }

    static T add(T a, T b) {
        T y = new T(a.n, a.h, a.w, a.c);
        for (int i = 0; i < y.d.length; i++) y.d[i] = a.d[i] + b.d[i];
        return y;
    }

    static T downShift(T x) {
        return pad(crop(x, 0, x.h - 1, 0, x.w), 1, 0, 0, 0);
    }

    static T rightShift(T x) {
        return pad(crop(x, 0, x.h, 0, x.w - 1), 0, 0, 1, 0);
    }

    // ---------------------------------------------------------------- layers (nn.py)

    T conv2d(T x, int cout, int fh, int fw, int s) {
        String nm = name("conv2d");
        double[] w = weightNorm(param.apply(nm + "/V"), param.apply(nm + "/g"), fh * fw * x.c, cout, 1);
        return addBias(convValid(x, w, fh, fw, cout, s), param.apply(nm + "/b"));
    }

    T deconv2d(T x, int cout, int fh, int fw, int s) {
        String nm = name("deconv2d");
        double[] w = weightNorm(param.apply(nm + "/V"), param.apply(nm + "/g"), fh * fw, cout, x.c);
        T y = deconvValid(x, w, fh, fw, cout, s, x.h * s + fh - 1, x.w * s + fw - 1);
        return addBias(y, param.apply(nm + "/b"));
    }

    T nin(T x, int cout) {
        String nm = name("dense");
        double[] w = weightNorm(param.apply(nm + "/V"), param.apply(nm + "/g"), x.c, cout, 1);
        return addBias(convValid(x, w, 1, 1, cout, 1), param.apply(nm + "/b"));
    }

    T downShiftedConv2d(T x, int cout, int fh, int fw, int s) {
        return conv2d(pad(x, fh - 1, 0, (fw - 1) / 2, (fw - 1) / 2), cout, fh, fw, s);
    }

    T downRightShiftedConv2d(T x, int cout, int fh, int fw, int s) {
        return conv2d(pad(x, fh - 1, 0, fw - 1, 0), cout, fh, fw, s);
    }

    T downShiftedDeconv2d(T x, int cout, int fh, int fw, int s) {
        T y = deconv2d(x, cout, fh, fw, s);
        return crop(y, 0, y.h - fh + 1, (fw - 1) / 2, y.w - (fw - 1) / 2);
    }

    T downRightShiftedDeconv2d(T x, int cout, int fh, int fw, int s) {
        T y = deconv2d(x, cout, fh, fw, s);
        return crop(y, 0, y.h - fh + 1, 0, y.w - fw + 1);
    }

    /** nn.gated_resnet; down = true for the u stream (down_shifted_conv2d), false for ul. h: one-hot [n][K] or null. */
    T gatedResnet(T x, T a, double[][] h, String nl, boolean down) {
        int f = x.c;
        int layer = gres++;
        T c1 = down ? downShiftedConv2d(nonlinearity(nl, x), f, 2, 3, 1) : downRightShiftedConv2d(nonlinearity(nl, x), f, 2, 2, 1);
        if (a != null) c1 = add(c1, nin(nonlinearity(nl, a), f));
        c1 = nonlinearity(nl, c1);
        if (dropKey != null && dropoutP > 0) {
            long key = DropoutMask.key(dropKey[0], dropKey[1], (int) dropKey[2], layer);
            for (int i = 0; i < c1.d.length; i++)
                c1.d[i] = DropoutMask.keep(key, i, (float) dropoutP) ? c1.d[i] / (1 - (float) dropoutP) : 0;
        }
        T c2 = down ? downShiftedConv2d(c1, 2 * f, 2, 3, 1) : downRightShiftedConv2d(c1, 2 * f, 2, 2, 1);
        if (h != null) {
            double[] hw = param.apply(name("conditional_weights") + "/hw");
            int k = h[0].length;
            for (int b = 0; b < x.n; b++)
                for (int o = 0; o < 2 * f; o++) {
                    double acc = 0;
                    for (int j = 0; j < k; j++) acc += h[b][j] * hw[j * 2 * f + o];
                    for (int p = 0; p < x.h * x.w; p++) c2.d[(b * x.h * x.w + p) * 2 * f + o] += acc;
                }
        }
        T out = new T(x.n, x.h, x.w, f);
        for (int r = 0; r < x.n * x.h * x.w; r++)
            for (int k = 0; k < f; k++) {
                double av = c2.d[r * 2 * f + k], bv = c2.d[r * 2 * f + f + k];
                out.d[r * f + k] = x.d[r * f + k] + av / (1 + Math.exp(-bv));
            }
        return out;
    }

    /** model_spec: the network output l [n,h,w,P]. */
    T model(T x, double[][] h, int nrResnet, int nrFilters, int nrMix, String nl) {
        int F = nrFilters;
        T ones = new T(x.n, x.h, x.w, 1);
        java.util.Arrays.fill(ones.d, 1);
        T xPad = concat(x, ones);
        java.util.ArrayList<T> uList = new java.util.ArrayList<>(), ulList = new java.util.ArrayList<>();
        uList.add(downShift(downShiftedConv2d(xPad, F, 2, 3, 1)));
        ulList.add(add(downShift(downShiftedConv2d(xPad, F, 1, 3, 1)), rightShift(downRightShiftedConv2d(xPad, F, 2, 1, 1))));
        for (int stage = 0; stage < 3; stage++) {
            if (stage > 0) {
                uList.add(downShiftedConv2d(last(uList), F, 2, 3, 2));
                ulList.add(downRightShiftedConv2d(last(ulList), F, 2, 2, 2));
            }
            for (int rep = 0; rep < nrResnet; rep++) {
                uList.add(gatedResnet(last(uList), null, h, nl, true));
                ulList.add(gatedResnet(last(ulList), last(uList), h, nl, false));
            }
        }
        T u = pop(uList), ul = pop(ulList);
        for (int stage = 0; stage < 3; stage++) {
            if (stage > 0) {
                u = downShiftedDeconv2d(u, F, 2, 3, 2);
                ul = downRightShiftedDeconv2d(ul, F, 2, 2, 2);
            }
            for (int rep = 0; rep < (stage == 0 ? nrResnet : nrResnet + 1); rep++) {
                u = gatedResnet(u, pop(uList), h, nl, true);
                ul = gatedResnet(ul, concat(u, pop(ulList)), h, nl, false);
            }
        }
        if (!uList.isEmpty() || !ulList.isEmpty()) throw new IllegalStateException("lists not empty");
        int p = (x.c == 3 ? 10 : 3) * nrMix;
        return nin(map(ul, RefNet::elu), p);
    }

    private static T last(java.util.List<T> l) {
        return l.get(l.size() - 1);
    }

    private static T pop(java.util.List<T> l) {
        return l.remove(l.size() - 1);
    }
}
