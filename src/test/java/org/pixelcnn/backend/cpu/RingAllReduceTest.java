package org.pixelcnn.backend.cpu;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RingAllReduceTest {
    private static final int[] LENGTHS = {0, 1, 2, 3, 7, 1000, 1001};

    private static FloatBuffer[] replicas(int n, int length, long seed, boolean direct) {
        Random rnd = new Random(seed);
        FloatBuffer[] b = new FloatBuffer[n];
        for (int r = 0; r < n; r++) {
            b[r] = direct ? ByteBuffer.allocateDirect(length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer() : FloatBuffer.allocate(length);
            for (int i = 0; i < length; i++) b[r].put(i, (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(5) - 2)));
        }
        return b;
    }

    /** Every N in 1..8 and every length: each replica ends within float tolerance of the float64 sum, all bit-identical. */
    @Test
    void sumsMatchFloat64AndReplicasAreBitIdentical() {
        for (int n = 1; n <= 8; n++) {
            for (int length : LENGTHS) {
                for (boolean parallel : new boolean[]{false, true}) {
                    FloatBuffer[] b = replicas(n, length, 31L * n + length, parallel);
                    double[] sum = new double[length], abs = new double[length];
                    for (FloatBuffer f : b) {
                        for (int i = 0; i < length; i++) {
                            sum[i] += f.get(i);
                            abs[i] += Math.abs(f.get(i));
                        }
                    }
                    new RingAllReduce(n).run(b, 0, length, parallel);
                    String where = "N=" + n + " length=" + length + " parallel=" + parallel;
                    for (int i = 0; i < length; i++) {
                        assertEquals(sum[i], b[0].get(i), n * 0x1p-24 * abs[i] + 1e-30, where + " element " + i);
                        for (int r = 1; r < n; r++)
                            assertEquals(Float.floatToRawIntBits(b[0].get(i)), Float.floatToRawIntBits(b[r].get(i)), where + " replica " + r + " element " + i);
                    }
                }
            }
        }
    }

    /** Sequential and threaded runs perform the same additions in the same order. */
    @Test
    void sequentialAndParallelGiveTheSameBits() {
        for (int n : new int[]{3, 5, 8}) {
            FloatBuffer[] a = replicas(n, 1001, 99, false), b = replicas(n, 1001, 99, true);
            new RingAllReduce(n).run(a, 0, 1001, false);
            new RingAllReduce(n).run(b, 0, 1001, true);
            for (int i = 0; i < 1001; i++) assertEquals(Float.floatToRawIntBits(a[0].get(i)), Float.floatToRawIntBits(b[0].get(i)));
        }
    }

    /** Only the requested range is reduced. */
    @Test
    void subRangeLeavesTheRestAlone() {
        int n = 4;
        FloatBuffer[] b = replicas(n, 50, 5, false);
        FloatBuffer[] before = replicas(n, 50, 5, false);
        new RingAllReduce(n).run(b, 10, 23, true);
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < 50; i++) {
                if (i >= 10 && i < 33) continue;
                assertEquals(before[r].get(i), b[r].get(i), "replica " + r + " element " + i);
            }
        }
        double s = 0;
        for (FloatBuffer f : before) s += f.get(20);
        assertEquals(s, b[3].get(20), 1e-5 * Math.abs(s) + 1e-6);
    }

    /** Replica threads owned by the caller call participate(); the same object serves consecutive reductions. */
    @Test
    void callerOwnedThreadsAndReuse() throws Exception {
        int n = 6;
        RingAllReduce ring = new RingAllReduce(n);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            for (int round = 0; round < 3; round++) {
                FloatBuffer[] b = replicas(n, 777, round, false);
                FloatBuffer[] ref = replicas(n, 777, round, false);
                new RingAllReduce(n).run(ref, 0, 777, false);
                List<Future<?>> fs = new ArrayList<>();
                for (int r = 0; r < n; r++) {
                    int rank = r;
                    fs.add(pool.submit(() -> ring.participate(rank, b, 0, 777)));
                }
                for (Future<?> f : fs) f.get();
                for (int r = 0; r < n; r++)
                    for (int i = 0; i < 777; i++) assertEquals(Float.floatToRawIntBits(ref[0].get(i)), Float.floatToRawIntBits(b[r].get(i)));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A failing replica releases the others instead of leaving them waiting at the barrier. */
    @Test
    void failingReplicaDoesNotHang() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            int n = 4;
            RingAllReduce ring = new RingAllReduce(n);
            FloatBuffer[] b = replicas(n, 100, 1, false);
            List<Throwable> errors = new ArrayList<>();
            Thread[] ts = new Thread[n];
            for (int r = 0; r < n; r++) {
                int rank = r == 2 ? 17 : r; // replica 2 passes a bad rank and fails at once
                ts[r] = new Thread(() -> {
                    try {
                        ring.participate(rank, b, 0, 100);
                    } catch (RuntimeException e) {
                        synchronized (errors) {
                            errors.add(e);
                        }
                    }
                });
                ts[r].start();
            }
            for (Thread t : ts) t.join();
            assertEquals(n, errors.size());
            assertThrows(IllegalStateException.class, () -> ring.run(replicas(n, 10, 2, false), 0, 10, true));
        });
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RingAllReduce(0));
        assertThrows(IllegalArgumentException.class, () -> new RingAllReduce(2).run(replicas(3, 4, 1, false), 0, 4, false));
        assertThrows(IllegalArgumentException.class, () -> new RingAllReduce(2).run(replicas(2, 4, 1, false), 1, 4, false));
        assertTrue(RingAllReduce.chunkStart(3, 3, 7) == 7 && RingAllReduce.chunkStart(1, 3, 7) == 2);
    }
}
