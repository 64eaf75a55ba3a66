package org.pixelcnn.bench;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;

import java.util.SplittableRandom;

/**
 * This machine's SGEMM rate on the threads a backend uses: one large square product C = A B (row-major,
 * float32, N x N with N = {@link #SIZE}) through {@link Backend#gemm}, the best of {@link #REPS} timed runs
 * after one untimed, in FLOP/s (2 N^3 per product). The reference a training step's GFLOP/s is put against
 * ({@code bench}'s {@code train_fraction_of_gemm_peak}): the step can do no better than the products it is
 * made of. Allocates 3 N^2 floats on the backend for the measurement and no more.
 */
public final class GemmPeak {
    /** The product's side: 2048 (17.2 GFLOP, about 0.1 s on 2 cores). */
    public static final int SIZE = 2048;
    /** Timed repetitions; the best counts. */
    public static final int REPS = 4;

    private GemmPeak() {}

    /**
     * Measures be's SGEMM rate in FLOP/s.
     *
     * @param n    the side of the square matrices (at least 1)
     * @param reps timed repetitions (at least 1)
     * @throws IllegalArgumentException for n or reps below 1
     */
    public static double measure(Backend be, int n, int reps) {
        if (n < 1 || reps < 1) throw new IllegalArgumentException("need n >= 1 and reps >= 1, got " + n + ", " + reps);
        long nn = (long) n * n;
        Buf a = be.alloc(nn), b = be.alloc(nn), c = be.alloc(nn);
        float[] host = new float[(int) nn];
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < host.length; i++) host[i] = (float) (r.nextDouble() - 0.5);
        be.upload(host, 0, a, 0, host.length);
        be.upload(host, 0, b, 0, host.length);
        double best = Double.MAX_VALUE;
        for (int i = 0; i <= reps; i++) {
            long t0 = System.nanoTime();
            be.gemm(false, false, n, n, n, 1f, a, b, 0f, c);
            be.synchronize();
            double s = (System.nanoTime() - t0) / 1e9;
            if (i > 0) best = Math.min(best, s);
        }
        // a CPU buffer's native memory is freed once the Buf is unreachable: keep them to the end of the last product
        java.lang.ref.Reference.reachabilityFence(a);
        java.lang.ref.Reference.reachabilityFence(b);
        java.lang.ref.Reference.reachabilityFence(c);
        return 2.0 * n * n * (double) n / best;
    }
}
