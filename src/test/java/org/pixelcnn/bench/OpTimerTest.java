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
}
