package org.pixelcnn.backend.cpu;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pixelcnn.backend.Buf;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU backend's GEMM, split by rows or by columns over its threads, against a float64 product, for
 * every transpose combination, with beta 0 and 1, at sizes large enough to be split.
 */
class CpuGemmTest {

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4} beta={5}")
    @CsvSource({
            "513, 37, 129, false, false, 0", "513, 37, 129, true, false, 1", "513, 37, 129, false, true, 1", "513, 37, 129, true, true, 0",
            "7, 301, 1025, false, false, 1", "7, 301, 1025, true, false, 0", "7, 301, 1025, false, true, 0", "7, 301, 1025, true, true, 1",
            "3, 5, 2, false, false, 1",
    })
    void matchesFloat64(int m, int n, int k, boolean ta, boolean tb, float beta) {
        try (CpuBackend be = new CpuBackend(3)) {
            SplittableRandom rng = new SplittableRandom(m * 31L + n);
            float[] a = rand(rng, m * k), b = rand(rng, k * n), c = rand(rng, m * n);
            Buf ab = be.alloc(a.length), bb = be.alloc(b.length), cb = be.alloc(c.length);
            be.upload(a, 0, ab, 0, a.length);
            be.upload(b, 0, bb, 0, b.length);
            be.upload(c, 0, cb, 0, c.length);
            be.gemm(ta, tb, m, n, k, 0.5f, ab, bb, beta, cb);
            float[] got = new float[c.length];
            be.download(cb, 0, got, 0, got.length);
            double worst = 0;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0, mag = 0;
                    for (int p = 0; p < k; p++) {
                        double av = ta ? a[p * m + i] : a[i * k + p];
                        double bv = tb ? b[j * k + p] : b[p * n + j];
                        s += av * bv;
                        mag += Math.abs(av * bv);
                    }
                    double want = 0.5 * s + beta * c[i * n + j];
                    worst = Math.max(worst, Math.abs(want - got[i * n + j]) / (0.5 * mag + Math.abs(c[i * n + j]) + 1e-30));
                }
            assertTrue(worst < 1e-5, "worst relative error " + worst);
        }
    }

    private static float[] rand(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (2 * r.nextDouble() - 1);
        return v;
    }
}
