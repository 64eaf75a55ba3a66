package org.pixelcnn.backend.cpu;

import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hand-written gradient of the float32 production path against central finite differences
 * (fourth-order stencil) of the float64 oracle {@link DoubleMixLogisticReference}, on random pixels that
 * put weight on every branch (edge low, edge high, interior, tiny) and include log_scales below the
 * clamp (zero gradient). The tolerance is tight enough that a 1% error in any single term of the
 * backward formula fails (tried: see the report of the loss package).
 */
class MixLogisticGradientCheckTest {
    /**
     * Per element: |g - fd| <= REL_TOL * (|fd| + FLOOR * max |g| of that pixel + ABS_FLOOR); the floors
     * cover float32 rounding of gradients near zero (e.g. logits where prior and posterior agree).
     */
    static final double REL_TOL = 2e-4;
    static final double FLOOR = 1e-3;
    static final double ABS_FLOOR = 1e-2;

    @Test
    void rgbGradientMatchesFiniteDifferences() {
        check(3, 3, 60, 11L);
    }

    @Test
    void grayGradientMatchesFiniteDifferences() {
        check(1, 4, 60, 12L);
    }

    private static void check(int C, int M, int n, long seed) {
        int P = DiscretizedMixLogistic.outputsPerPixel(C, M);
        Random rnd = new Random(seed);
        float[] l = new float[n * P], x = new float[n * C];
        for (int i = 0; i < n; i++) RandomMixtures.pixel(rnd, l, i * P, x, i * C, C, M, rnd.nextInt(3));
        FloatBuffer g = FloatBuffer.allocate(n * P);
        double[] nats = new double[n];
        DiscretizedMixLogistic.lossAndGrad(FloatBuffer.wrap(l), FloatBuffer.wrap(x), g, 1.0f, nats, n, 1, 1, C, M);

        int[] weighty = new int[4];          // sub-pixel terms per branch with posterior >= 0.1
        int[] branch = new int[3 * M], branchFd = new int[3 * M];
        double[] post = new double[M];
        double worst = 0, worstLoss = 0;
        int skipped = 0, zeroChecked = 0;
        for (int i = 0; i < n; i++) {
            double[] lp = new double[P], xp = new double[C];
            for (int j = 0; j < P; j++) lp[j] = l[i * P + j];
            for (int c = 0; c < C; c++) xp[c] = x[i * C + c];
            double ref = DoubleMixLogisticReference.pixelNats(lp, xp, C, M, branch, post);
            worstLoss = Math.max(worstLoss, Math.abs(nats[i] - ref) / (1 + Math.abs(ref)));
            for (int c = 0; c < C; c++) for (int k = 0; k < M; k++) if (post[k] >= 0.1) weighty[branch[c * M + k]]++;
            double minLs = 0, maxG = 0;
            for (int c = 0; c < C; c++) for (int k = 0; k < M; k++) minLs = Math.min(minLs, Math.max(-7, lp[lsIndex(c, k, M)]));
            for (int j = 0; j < P; j++) maxG = Math.max(maxG, Math.abs(g.get(i * P + j)));
            double h = 1e-3 * Math.exp(minLs);
            for (int j = 0; j < P; j++) {
                double[] f = new double[4];
                double[] steps = {h, -h, 2 * h, -2 * h};
                boolean same = true;
                for (int s = 0; s < 4; s++) {
                    double[] lq = lp.clone();
                    lq[j] += steps[s];
                    f[s] = DoubleMixLogisticReference.pixelNats(lq, xp, C, M, branchFd, null);
                    for (int q = 0; q < C * M; q++) same &= branchFd[q] == branch[q];
                }
                if (!same) { skipped++; continue; }
                double fd = (8 * (f[0] - f[1]) - (f[2] - f[3])) / (12 * h);
                double gj = g.get(i * P + j);
                if (isLogScale(j, C, M) && lp[j] < -7) {
                    zeroChecked++;
                    assertTrue(gj == 0 && fd == 0, "gradient below the log_scale clamp must be 0, got " + gj + " (fd " + fd + ")");
                }
                double err = Math.abs(gj - fd) / (Math.abs(fd) + FLOOR * maxG + ABS_FLOOR);
                worst = Math.max(worst, err);
                assertTrue(err <= REL_TOL, String.format("C=%d M=%d pixel %d element %d: grad %.9g vs finite difference %.9g", C, M, i, j, gj, fd));
            }
        }
        System.out.printf("[fd] C=%d M=%d: worst scaled grad err %.2e, loss rel err %.2e, skipped %d, zero-gradient elements %d, weighty terms per branch %s%n",
                C, M, worst, worstLoss, skipped, zeroChecked, java.util.Arrays.toString(weighty));
        assertTrue(worstLoss <= 1e-6, "float32 loss vs float64 oracle: " + worstLoss);
        assertTrue(skipped <= n * P / 50, "too many elements skipped at a branch switch: " + skipped);
        assertTrue(zeroChecked >= 1, "no clamped log_scale in the sample");
        for (int b = 0; b < 4; b++) assertTrue(weighty[b] >= 5, "branch " + b + " carries too little weight: " + weighty[b]);
    }

    private static boolean isLogScale(int j, int C, int M) {
        if (j < M) return false;
        int r = (j - M) % (3 * M);
        return r >= M && r < 2 * M;
    }

    private static int lsIndex(int c, int k, int M) {
        return M + 3 * M * c + M + k;
    }
}
