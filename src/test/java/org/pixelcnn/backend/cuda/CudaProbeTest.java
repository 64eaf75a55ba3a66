package org.pixelcnn.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link CudaProbe}: version formats, and a probe that answers consistently on whatever machine runs the tests. */
class CudaProbeTest {

    @Test
    void formatsCudaAndCudnnVersionIntegers() {
        assertEquals("13.0", CudaProbe.formatCudaVersion(13000));
        assertEquals("12.9", CudaProbe.formatCudaVersion(12090));
        assertEquals("11.8", CudaProbe.formatCudaVersion(11080));
        assertEquals("9.19.0", CudaProbe.formatCudnnVersion(91900));
        assertEquals("9.1.1", CudaProbe.formatCudnnVersion(90101));
        assertEquals("8.9.7", CudaProbe.formatCudnnVersion(8907));
    }

    @Test
    void probeIsConsistentAndRemembered() {
        CudaProbe p = CudaProbe.probe();
        assertSame(p, CudaProbe.probe());
        if (p.available()) {
            assertNull(p.reason());
            assertFalse(p.gpus().isEmpty());
            assertNotNull(p.kernels());
            assertFalse(p.summary().startsWith("not usable"), p.summary());
        } else {
            assertNotNull(p.reason());
            assertFalse(p.reason().contains("\n"), p.reason());
            assertTrue(p.summary().startsWith("not usable: " + p.reason()), p.summary());
        }
        assertEquals(FatbinInfo.fromJar().orElse(null), p.kernels());
        if (!SharedLibraries.find(CudaProbe.DRIVER_LIBRARY).isPresent() && SharedLibraries.linkerSearchKnown()) {
            assertEquals("no NVIDIA driver: libcuda.so.1 not found (LD_LIBRARY_PATH, /etc/ld.so.cache, /usr/lib*)", p.reason());
            assertTrue(p.gpus().isEmpty());
        }
        for (CudaProbe.Gpu g : p.gpus()) {
            assertTrue(g.major() >= 3 && g.sms() > 0 && !g.name().isBlank(), g.toString());
            assertTrue(g.totalBytes() < 0 || (g.freeBytes() > 0 && g.freeBytes() <= g.totalBytes()), g.toString());
        }
    }
}
