package org.pixelcnn.backend.cpu;

import org.pixelcnn.backend.Backends;
import org.pixelcnn.backend.GradientAllReduce;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;

/**
 * The CPU {@link GradientAllReduce}: on CPU backend buffers, with a thread pool and without, it gives
 * exactly {@link RingAllReduce}'s bits on every replica, and those are the float64 sum within float32
 * rounding of N-1 additions; {@link Backends#allReduce} picks it for CPU backends; bad buffers are refused.
 */
class CpuGradientAllReduceTest {

    private static float[][] random(int n, int length, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] g = new float[n][length];
        for (float[] a : g) for (int i = 0; i < length; i++) a[i] = (float) ((rng.nextDouble() - 0.5) * Math.exp(6 * rng.nextDouble() - 3));
        return g;
    }

    private static float[][] viaRing(float[][] g) {
        FloatBuffer[] fb = new FloatBuffer[g.length];
        for (int r = 0; r < g.length; r++) fb[r] = FloatBuffer.wrap(g[r].clone());
        new RingAllReduce(g.length).run(fb, 0, g[0].length, false);
        float[][] out = new float[g.length][];
        for (int r = 0; r < g.length; r++) out[r] = fb[r].array();
        return out;
    }

    @Test
    void matchesRingAllReduceBitForBitAndTheFloat64Sum() {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (CpuBackend be = new CpuBackend(1)) {
            for (int n = 1; n <= 4; n++)
                for (int length : new int[]{1, 3, 257, 10_001}) {
                    float[][] g = random(n, length, 31L * n + length), want = viaRing(g);
                    for (ExecutorService p : new ExecutorService[]{pool, null}) {
                        Buf[] bufs = new Buf[n];
                        List<Backend> bes = new ArrayList<>();
                        for (int r = 0; r < n; r++) {
                            bufs[r] = be.alloc(length);
                            be.upload(g[r], 0, bufs[r], 0, length);
                            bes.add(be);
                        }
                        try (GradientAllReduce ar = p == null ? new CpuGradientAllReduce(n, null) : Backends.allReduce(bes, length, p)) {
                            assertTrue(ar instanceof CpuGradientAllReduce);
                            ar.allReduce(bufs);
                            ar.allReduce(copyOf(be, bufs, g)); // a second call, from the original gradients again, on the same object works too
                        }
                        for (int r = 0; r < n; r++) {
                            float[] got = new float[length];
                            be.download(bufs[r], 0, got, 0, length);
                            assertArrayEquals(want[r], got, "N=" + n + " length " + length + " replica " + r + (p == null ? " (no pool)" : ""));
                            for (int i = 0; i < length; i++) {
                                double sum = 0, abs = 0;
                                for (float[] x : g) {
                                    sum += x[i];
                                    abs += Math.abs(x[i]);
                                }
                                assertTrue(Math.abs(got[i] - sum) <= Math.max(1, n - 1) * 0x1p-24 * abs * 1.0001 + Float.MIN_VALUE,
                                        "element " + i + ": " + got[i] + " vs float64 " + sum);
                            }
                        }
                    }
                }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Puts the original gradients back into bufs (so the second all-reduce must give the same result again). */
    private static Buf[] copyOf(CpuBackend be, Buf[] bufs, float[][] g) {
        for (int r = 0; r < bufs.length; r++) be.upload(g[r], 0, bufs[r], 0, g[r].length);
        return bufs;
    }

    @Test
    void refusesWrongCountsAndLengths() {
        try (CpuBackend be = new CpuBackend(1)) {
            GradientAllReduce ar = new CpuGradientAllReduce(2, null);
            assertThrows(IllegalArgumentException.class, () -> ar.allReduce(new Buf[]{be.alloc(4)}));
            assertThrows(IllegalArgumentException.class, () -> ar.allReduce(new Buf[]{be.alloc(4), be.alloc(5)}));
        }
    }
}
