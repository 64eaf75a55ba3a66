package org.pixelcnn.backend.cpu;

/**
 * float32 exp and expm1 on the non-positive half-line, and the elementwise kernels built on them, as
 * loops over plain {@code float[]} tiles that HotSpot's C2 (Java 17, without the incubating Vector API)
 * compiles to SIMD code. What C2 17 vectorises decides the form: float additions, multiplications,
 * divisions, min, max, abs and negation only (no int/float conversions, no bit moves, no branches or
 * selects), and each loop short (C2 unrolls, and so vectorises, only small loop bodies): a function is
 * a few passes over a tile of at most {@link CpuElementwise#TILE} floats that stays in the L1 cache.
 * {@link ReferenceOps} keeps the obvious double-precision loops that the tests compare against.
 *
 * <p>Method (Cody-Waite reduction, as Cephes and SLEEF): k = round(a log2 e) by adding and subtracting
 * 1.5*2^23; r = a - k ln2 in two parts, |r| &lt;= 0.35; expm1(r) by its Taylor polynomial to r^9 (truncation
 * below 2e-10 relative); 2^k for the integer k in [-126, 0] as the product of the exact factors 2^(-2^j)
 * of the bits of -k, each bit found by the same rounding trick. Then expm1(a) = 2^k expm1(r)
 * + (2^k - 1), which for k = 0 is the polynomial itself (no cancellation near 0), and exp(a) = 2^k (1 +
 * expm1(r)). Both are within 2 float32 ulps of the exact value ({@code VecMathTest} checks every float of
 * a fine grid against Math.expm1 and Math.exp in double).
 */
public final class VecMath {
    private VecMath() {}

    private static final float ROUND = 12582912f; // 1.5 * 2^23: (x + ROUND) - ROUND rounds x to an integer, |x| < 2^22
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;      // 9 significant bits: k * LN2_HI is exact
    private static final float LN2_LO = -2.12194440e-4f;   // ln 2 - LN2_HI

    /** Below this, expm1 rounds to -1 in float32 (exp(-17.33) is half an ulp of 1): the clamp of {@link #expm1}. */
    static final float EXPM1_FLOOR = -18f;
    /** The clamp of {@link #exp}: exp(-87) = 1.6e-38 is still a normal float. */
    static final float EXP_FLOOR = -87f;

    // ---------------------------------------------------------------- the pieces (each a short loop)

    /** r[i] = a - k ln2 and m[i] = -k for k = round(max(a[i], floor) log2 e). */
    private static void reduce(float[] a, float floor, float[] r, float[] m, int n) {
        for (int i = 0; i < n; i++) {
            float v = Math.max(a[i], floor);
            float k = (v * LOG2E + ROUND) - ROUND;
            r[i] = (v - k * LN2_HI) - k * LN2_LO;
            m[i] = -k;
        }
    }

    /** r[i] = expm1(r[i]) for |r| &lt;= 0.35: r + r^2 (1/2 + r/6 + ... + r^7/9!), Horner's scheme. */
    private static void expm1Poly(float[] r, int n) {
        for (int i = 0; i < n; i++) {
            float x = r[i];
            float p = 2.7557319e-6f;          // 1/9!
            p = p * x + 2.4801587e-5f;        // 1/8!
            p = p * x + 1.9841270e-4f;        // 1/7!
            p = p * x + 1.3888889e-3f;        // 1/6!
            p = p * x + 8.3333333e-3f;        // 1/5!
            p = p * x + 4.1666667e-2f;        // 1/4!
            p = p * x + 1.6666667e-1f;        // 1/3!
            p = p * x + 0.5f;
            r[i] = x + x * x * p;
        }
    }

    /**
     * Bit j of the integer-valued v in [0, 2^(j+1)): round(v 2^-j - (1/2 - 2^-(j+1))), which is 0 below 2^j
     * and 1 from it (the argument stays at least 2^-(j+1) away from the rounding boundaries).
     */
    private static float bit(float v, float twoToMinusJ, float offset) {
        return ((v * twoToMinusJ - offset) + ROUND) - ROUND;
    }

    /** c if b = 1, 1 if b = 0, exactly (c a power of two). */
    private static float pick(float b, float c) {
        return b * c + (1f - b);
    }

    /**
     * Bit j of the integer m[i] in [0, 2^(j+1)): s[i] = its factor 2^(-2^j) (or 1), m[i] reduced below 2^j.
     * One bit per loop: C2 17 no longer vectorises a loop with two.
     */
    private static void pow2BitFirst(float[] m, float[] s, int n, int j) {
        float t = 1f / (1 << j), off = 0.5f - 0.5f * t, w = 1 << j, c = factor(j);
        for (int i = 0; i < n; i++) {
            float v = m[i];
            float b = bit(v, t, off);
            m[i] = v - w * b;
            s[i] = pick(b, c);
        }
    }

    /** As {@link #pow2BitFirst}, s[i] multiplied by the factor. */
    private static void pow2Bit(float[] m, float[] s, int n, int j) {
        float t = 1f / (1 << j), off = 0.5f - 0.5f * t, w = 1 << j, c = factor(j);
        for (int i = 0; i < n; i++) {
            float v = m[i];
            float b = bit(v, t, off);
            m[i] = v - w * b;
            s[i] = s[i] * pick(b, c);
        }
    }

    /** 2^(-2^j), exact. */
    private static float factor(int j) {
        return Math.scalb(1f, -(1 << j));
    }

    /** s[i] *= 2^-m[i] for m[i] in {0, 1} (bit 0). */
    private static void pow2Bit0(float[] m, float[] s, int n) {
        for (int i = 0; i < n; i++) s[i] = s[i] * pick(m[i], 0.5f);
    }

    // ---------------------------------------------------------------- exp, expm1 over a tile

    /**
     * out[i] = expm1(a[i]) for a[i] &lt;= 0 (or NaN), i in [0, n): within 2 ulps; -1 for a &lt;= -18, where
     * the float32 result is -1. Scratch: m and s, n floats each. out, m and s must be arrays other than a
     * (no call here passes one array under two names: the vectorised loops never meet aliasing).
     */
    public static void expm1(float[] a, float[] out, float[] m, float[] s, int n) {
        reduce(a, EXPM1_FLOOR, out, m, n);
        expm1Poly(out, n);
        pow2BitFirst(m, s, n, 4);
        for (int j = 3; j >= 1; j--) pow2Bit(m, s, n, j);
        pow2Bit0(m, s, n);
        for (int i = 0; i < n; i++) {
            float sc = s[i];
            out[i] = sc * out[i] + (sc - 1f);
        }
    }

    /**
     * out[i] = exp(a[i]) for a[i] &lt;= 0 (or NaN): within 2 ulps; exp(-87) for a &lt; -87 (an absolute
     * error below 1.7e-38). Scratch m and s, n floats each, out, m and s other arrays than a.
     */
    public static void exp(float[] a, float[] out, float[] m, float[] s, int n) {
        reduce(a, EXP_FLOOR, out, m, n);
        expm1Poly(out, n);
        pow2BitFirst(m, s, n, 6);
        for (int j = 5; j >= 1; j--) pow2Bit(m, s, n, j);
        pow2Bit0(m, s, n);
        for (int i = 0; i < n; i++) out[i] = s[i] * (1f + out[i]);
    }

    // ---------------------------------------------------------------- the kernels

    /** y[i] = elu(x[i]) = max(x, expm1(min(x, 0))): x for x &gt; 0, expm1(x) otherwise. Scratch t, m, s. */
    static void elu(float[] x, float[] y, float[] t, float[] m, float[] s, int n) {
        for (int i = 0; i < n; i++) t[i] = Math.min(x[i], 0f);
        expm1(t, y, m, s, n);
        for (int i = 0; i < n; i++) y[i] = Math.max(x[i], y[i]);
    }

    /**
     * The two halves of concat_elu, flat: pos[i] = elu(x[i]), neg[i] = elu(-x[i]), from one expm1 of
     * -|x|: with e = expm1(-|x|), elu(x) = max(x, e) (for x &gt; 0, e &lt; 0 &lt; x; for x &lt;= 0, e = expm1(x),
     * which is &gt;= x) and elu(-x) = max(-x, e) likewise. Scratch m, s.
     */
    static void concatElu(float[] x, float[] pos, float[] neg, float[] m, float[] s, int n) {
        for (int i = 0; i < n; i++) pos[i] = -Math.abs(x[i]);
        expm1(pos, neg, m, s, n);
        for (int i = 0; i < n; i++) {
            float v = x[i], e = neg[i];
            pos[i] = Math.max(v, e);
            neg[i] = Math.max(-v, e);
        }
    }

    /**
     * dx[i] += dyPos[i] g(yPos[i]) - dyNeg[i] g(yNeg[i]) with g(y) = min(y, 0) + 1 (1 for y &gt; 0, y + 1 =
     * exp(input) otherwise: TF's EluGrad from the output): the backward of {@link #concatElu}.
     */
    static void concatEluBackward(float[] yPos, float[] yNeg, float[] dyPos, float[] dyNeg, float[] dx, int n) {
        for (int i = 0; i < n; i++)
            dx[i] = dx[i] + (dyPos[i] * (Math.min(yPos[i], 0f) + 1f) - dyNeg[i] * (Math.min(yNeg[i], 0f) + 1f));
    }

    /** dx[i] += dy[i] (min(y[i], 0) + 1): elu backward from the output. */
    static void eluBackward(float[] y, float[] dy, float[] dx, int n) {
        for (int i = 0; i < n; i++) dx[i] = dx[i] + dy[i] * (Math.min(y[i], 0f) + 1f);
    }

    /** 2^100: a positive float times it is at least 1 unless the float is below 7.9e-31. */
    private static final float BIG = 0x1p100f;

    /**
     * t[i] = exp(-|b[i]|) and sg[i] = sigmoid(b[i]) = f / (1 + t), f = 1 for b &gt; 0 and t for b &lt; 0, chosen
     * without a branch by w = clamp(b 2^100, 0, 1) (exact for |b| &gt;= 7.9e-31; below it t = 1 to float
     * precision, so f = 1 either way). Scratch m, s.
     */
    static void sigmoid(float[] b, float[] t, float[] sg, float[] m, float[] s, int n) {
        for (int i = 0; i < n; i++) sg[i] = -Math.abs(b[i]);
        exp(sg, t, m, s, n);
        for (int i = 0; i < n; i++) {
            float w = Math.min(Math.max(b[i] * BIG, 0f), 1f), e = t[i];
            sg[i] = (w + (1f - w) * e) / (1f + e);
        }
    }

    /** The gate, flat: out[i] = x[i] + a[i] sigmoid(b[i]). Scratch t, sg, m, s. */
    static void gate(float[] x, float[] a, float[] b, float[] out, float[] t, float[] sg, float[] m, float[] s, int n) {
        sigmoid(b, t, sg, m, s, n);
        for (int i = 0; i < n; i++) out[i] = x[i] + a[i] * sg[i];
    }

    /**
     * The gate's backward, flat: dx[i] += dout[i]; da[i] = dout[i] s; db[i] = dout[i] a[i] s (1 - s) with
     * s = sigmoid(b[i]) as in {@link #sigmoid} and s (1 - s) = t / (1 + t)^2, t = exp(-|b|): no cancellation
     * where s is near 1. Scratch t, sg, m, s (da and db may not alias a or b).
     */
    static void gateBackward(float[] a, float[] b, float[] dout, float[] dx, float[] da, float[] db,
                             float[] t, float[] sg, float[] m, float[] s, int n) {
        sigmoid(b, t, sg, m, s, n);
        for (int i = 0; i < n; i++) {
            float g = dout[i], e = t[i], inv = 1f / (1f + e);
            dx[i] = dx[i] + g;
            da[i] = g * sg[i];
            db[i] = g * a[i] * (e * inv * inv);
        }
    }

    /** y[i] = x[i] m[i]. */
    static void mul(float[] x, float[] m, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = x[i] * m[i];
    }

    /** y[i] += x[i] m[i]. */
    static void mulAdd(float[] x, float[] m, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = y[i] + x[i] * m[i];
    }

    /** dv[i] = (dv[i] + s1[i] dw[i]) - s2[i] v[i]: weight norm's dV with per-element (per-channel) factors. */
    static void weightNormGrad(float[] dv, float[] dw, float[] v, float[] s1, float[] s2, int n) {
        for (int i = 0; i < n; i++) dv[i] = dv[i] + s1[i] * dw[i] - s2[i] * v[i];
    }

    /** y[i] += alpha x[i]. */
    static void axpy(float alpha, float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = y[i] + alpha * x[i];
    }

    /** y[i] = a[i] + b[i]. */
    static void add(float[] a, float[] b, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = a[i] + b[i];
    }
}
