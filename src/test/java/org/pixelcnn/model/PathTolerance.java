package org.pixelcnn.model;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Comparing two different float32 computation paths of the same network output (a cropped network
 * against the full one, a cached sampler against a full pass, 2 replicas of B against 1 of 2B): the
 * paths run matrix products of different shapes, and OpenBLAS (whose kernel depends on the CPU and on
 * {@code OPENBLAS_CORETYPE}) sums their terms in a different order, so results may differ by a few
 * float32 roundings per layer, never by more.
 *
 * <p>Bound used: {@code |got - want| <= rel * max(|want|, 1)} elementwise with {@code rel = 1e-5}, about
 * 80 float32 ulps at 1. The observed differences between such paths are 1-3 ulps (1e-7 relative at the
 * network output of the tiny test models, through about 20 layers each with sums of up to 100 terms, so a
 * reordering costs at most ~100 * 6e-8 per sum before the weights' scaling). A real error of the paths (a
 * missing term, a wrong row or column, one position off) changes outputs by 1e-3 or more, which the bound
 * still catches by two orders of magnitude. Exact equality is kept only where the same operations run on
 * the same shapes in the same order (causality, a resumed run, the same seed twice).
 */
public final class PathTolerance {
    /** The relative bound, as stated above. */
    public static final double REL = 1e-5;

    private PathTolerance() {}

    /** Fails naming the first element outside the bound (and the largest error seen). */
    public static void assertClose(float[] want, float[] got, String what) {
        if (want.length != got.length) fail(what + ": lengths differ, " + want.length + " vs " + got.length);
        int first = -1;
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs((double) got[i] - want[i]) / Math.max(1.0, Math.abs(want[i]));
            if (!(err <= REL) && first < 0) first = i;
            if (!(err <= worst)) worst = err;
        }
        if (first >= 0)
            fail(what + ": element " + first + " is " + got[first] + ", expected " + want[first] + " within " + REL
                    + " relative (largest relative error " + worst + ")");
    }

    /** The largest {@code |got - want| / max(|want|, 1)}. */
    public static double maxError(float[] want, float[] got) {
        double worst = 0;
        for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs((double) got[i] - want[i]) / Math.max(1.0, Math.abs(want[i])));
        return worst;
    }
}
