package org.pixelcnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.pixelcnn.backend.cuda.Precision;

/** Device names as cuDeviceGetName reports them map to the right row, variants before families. */
class PeakFlopsTest {

    private static String label(String device) {
        return PeakFlops.of(device).map(PeakFlops.Peak::label).orElse("none");
    }

    @Test
    void namesMapToTheirProducts() {
        assertEquals("H200", label("NVIDIA H200"));
        assertEquals("H200", label("NVIDIA GH200 480GB"));
        assertEquals("H200 NVL", label("NVIDIA H200 NVL"));
        assertEquals("H100 SXM", label("NVIDIA H100 80GB HBM3"));
        assertEquals("H100 PCIe", label("NVIDIA H100 PCIe"));
        assertEquals("A100", label("NVIDIA A100-SXM4-80GB"));
        assertEquals("A100", label("NVIDIA A100 80GB PCIe"));
        assertEquals("A10", label("NVIDIA A10"));
        assertEquals("L40S", label("NVIDIA L40S"));
        assertEquals("L4", label("NVIDIA L4"));
        assertEquals("none", label("NVIDIA L40"));
        assertEquals("none", label("Tesla T4"));
        assertTrue(PeakFlops.of(null).isEmpty());
    }

    @Test
    void precisionPicksTheColumn() {
        PeakFlops.Peak h200 = PeakFlops.of("NVIDIA H200").orElseThrow();
        assertEquals(67e12, h200.flops(Precision.FP32), 1);
        assertEquals(494.7e12, h200.flops(Precision.TF32), 1);
    }
}
