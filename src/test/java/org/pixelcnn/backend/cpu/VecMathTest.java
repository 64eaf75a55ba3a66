package org.pixelcnn.backend.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VecMath}'s exp and expm1 against Math.exp and Math.expm1 in double: within 2 float32 ulps of the
 * exact value (rounded to float) on fine grids of the whole range used, near 0 (where expm1 must not cancel),
 * in the clamped tails, and on the special values. A wrong polynomial coefficient, a wrong bit of 2^k or a
 * wrong ln 2 split gives errors of thousands of ulps somewhere on these grids.
 */
class VecMathTest {
    /** The bound: the method's error is below 1 ulp (measured 0.84 for expm1, 0.95 for exp); 2 leaves room for the ulp of the rounded reference. */
    private static final double ULPS = 2;

    private static double ulpsOff(float got, double want) {
        if (got == want) return 0;
        return Math.abs(got - want) / Math.ulp((float) want);
    }

    @Test
    void expm1OnAFineGridOfMinus20To0() {
        int n = 2_000_001;
        float[] a = new float[n], out = new float[n], m = new float[n], s = new float[n];
        for (int i = 0; i < n; i++) a[i] = -i * 1e-5f; // steps of 1e-5 down to -20: every k in [-26, 0] and its neighbourhood
        VecMath.expm1(a, out, m, s, n);
        double worst = 0;
        int at = 0;
        for (int i = 0; i < n; i++) {
            double e = ulpsOff(out[i], Math.expm1((double) a[i]));
            if (e > worst) { worst = e; at = i; }
        }
        assertTrue(worst <= ULPS, "expm1(" + a[at] + ") = " + out[at] + " is " + worst + " ulps from " + Math.expm1((double) a[at]));
    }

    @Test
    void expm1HasNoCancellationNearZero() {
        float[] a = new float[400], out = new float[400], m = new float[400], s = new float[400];
        float v = -0.3f;
        for (int i = 0; i < a.length; i++, v *= 0.8f) a[i] = v; // down to about -1e-39 (subnormal)
        VecMath.expm1(a, out, m, s, a.length);
        for (int i = 0; i < a.length; i++)
            assertTrue(ulpsOff(out[i], Math.expm1((double) a[i])) <= ULPS, "expm1(" + a[i] + ") = " + out[i]);
    }

    @Test
    void expOnAFineGridOfMinus87To0() {
        int n = 2_000_001;
        float[] a = new float[n], out = new float[n], m = new float[n], s = new float[n];
        for (int i = 0; i < n; i++) a[i] = -i * 4.35e-5f; // down to -87: every k in [-126, 0]
        VecMath.exp(a, out, m, s, n);
        double worst = 0;
        int at = 0;
        for (int i = 0; i < n; i++) {
            double e = ulpsOff(out[i], Math.exp((double) a[i]));
            if (e > worst) { worst = e; at = i; }
        }
        assertTrue(worst <= ULPS, "exp(" + a[at] + ") = " + out[at] + " is " + worst + " ulps from " + Math.exp((double) a[at]));
    }

    @Test
    void specialValuesAndClampedTails() {
        float[] a = {0f, -0f, Float.NaN, Float.NEGATIVE_INFINITY, -17.5f, -18f, -1000f, -87f, -100f};
        int n = a.length;
        float[] e1 = new float[n], e = new float[n], m = new float[n], s = new float[n];
        VecMath.expm1(a, e1, m, s, n);
        VecMath.exp(a, e, m, s, n);
        assertEquals(0f, e1[0]);
        assertEquals(0f, e1[1]);
        assertTrue(Float.isNaN(e1[2]) && Float.isNaN(e[2]), "NaN stays NaN");
        assertEquals(-1f, e1[3], "expm1(-inf)");
        assertEquals((float) Math.expm1(-17.5), e1[4], "expm1(-17.5) rounds to " + (float) Math.expm1(-17.5));
        assertEquals(-1f, e1[5]);
        assertEquals(-1f, e1[6]);
        assertEquals(1f, e[0]);
        assertEquals(1f, e[1]);
        assertTrue(ulpsOff(e[7], Math.exp(-87.0)) <= ULPS, "exp(-87) = " + e[7]);
        assertTrue(e[8] <= 1.7e-38f && e[8] >= 0f, "exp(-100) is clamped to exp(-87): " + e[8]);
        assertTrue(e[3] <= 1.7e-38f && e[3] >= 0f, "exp(-inf) is clamped: " + e[3]);
    }
}
