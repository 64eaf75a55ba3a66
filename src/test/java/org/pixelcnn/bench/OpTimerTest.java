package org.pixelcnn.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.cpu.CpuBackend;

/** The timing wrapper forwards every call unchanged, counts calls only while enabled, and orders by time. */
class OpTimerTest {

    @Test
    void countsOnlyWhileEnabledAndForwardsResults() {
        try (CpuBackend cpu = new CpuBackend(1)) {
            OpTimer t = new OpTimer();
            Backend be = t.wrap(cpu);
            Buf a = be.alloc(1 << 20), b = be.alloc(1 << 20);
            be.fill(a, 2f);
            be.copy(a, b);
            be.axpy(0.5f, a, b);
            assertEquals((1 << 20) * 9.0, be.sumSquares(b), 1e-6);
            t.setEnabled(false);
            be.fill(a, 1f);
            be.fill(a, 1f);
            t.setEnabled(true);
            float[] back = new float[3];
            be.download(b, 5, back, 0, 3);
            assertArrayEquals(new float[]{3f, 3f, 3f}, back);

            Map<String, long[]> tot = t.totals();
            assertEquals(List.of("alloc", "axpy", "copy", "download", "fill", "sumSquares"), List.copyOf(tot.keySet()));
            assertEquals(2, tot.get("alloc")[1]);
            assertEquals(1, tot.get("fill")[1], "calls while disabled are not counted");

            Map<String, double[]> per = t.perStep(2);
            double prev = Double.MAX_VALUE;
            for (double[] v : per.values()) {
                assertTrue(v[0] <= prev, "sorted by time, largest first");
                prev = v[0];
            }
            assertEquals(1.0, per.get("alloc")[1]);
            assertEquals(tot.get("fill")[0] / 1e6 / 2, per.get("fill")[0], 1e-12);
            assertThrows(IllegalArgumentException.class, () -> t.perStep(0));
        }
    }

    @Test
    void phasesNameTheRowsAndProductsCountTheirFlops() {
        try (CpuBackend cpu = new CpuBackend(1)) {
            OpTimer t = new OpTimer();
            Backend be = t.wrap(cpu);
            Buf a = be.alloc(6 * 5), b = be.alloc(5 * 4), c = be.alloc(6 * 4);
            t.setPhase("forward");
            be.gemm(false, false, 6, 4, 5, 1f, a, b, 0f, c);
            be.fill(c, 0f);
            t.setPhase("backward");
            be.gemm(true, false, 5, 4, 6, 1f, a, c, 1f, b);
            be.gemm(true, false, 5, 4, 6, 1f, a, c, 1f, b);
            t.setPhase(null);
            be.fill(c, 1f);
            Map<String, long[]> tot = t.totals();
            assertEquals(List.of("alloc", "backward gemm", "fill", "forward fill", "forward gemm"), List.copyOf(tot.keySet()));
            assertEquals(2L * 6 * 4 * 5, tot.get("forward gemm")[2]);
            assertEquals(2 * 2L * 5 * 4 * 6, tot.get("backward gemm")[2]);
            assertEquals(0L, tot.get("forward fill")[2], "elementwise operations count no FLOPs");
            assertEquals(2L * 6 * 4 * 5 / 1e9, t.perStep(1).get("forward gemm")[2], 1e-18);
            org.pixelcnn.backend.ConvGeom g = new org.pixelcnn.backend.ConvGeom(2, 8, 8, 3, 8, 8, 5, 2, 3, 1, 1, 1);
            assertEquals(2 * g.macs(), OpTimer.flops("convBackwardFilter", new Object[]{g, null, null, null}));
        }
    }
}
