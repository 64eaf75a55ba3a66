package org.pixelcnn.backend.cpu;

import org.junit.jupiter.api.Test;
import org.pixelcnn.backend.Backend;

import java.nio.FloatBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The CPU backend owns its buffers, as the CUDA backend's arena does: a buffer lives until the backend is
 * closed (or released after a mark), whatever the caller keeps. A FloatBuffer alone does not keep JavaCPP's
 * native memory alive: before, a buffer whose only reference was a dead local could be freed by the garbage
 * collector while OpenBLAS or a worker thread still read it (a flaky wrong value in a GEMM test, once).
 */
class CpuBufferLifetimeTest {
    @Test
    void aBufferOutlivesItsLastJavaReference() throws Exception {
        try (CpuBackend be = new CpuBackend(1)) {
            FloatBuffer fb = CpuBuf.of(be.alloc(1 << 21)); // 8 MiB: freed memory of that size is unmapped, not kept
            for (int i = 0; i < fb.capacity(); i++) fb.put(i, i);
            for (int k = 0; k < 8; k++) { // give the collector and JavaCPP's deallocator every chance
                System.gc();
                Thread.sleep(20);
                be.alloc(16);
            }
            for (int i = 0; i < fb.capacity(); i += 4099) assertEquals((float) i, fb.get(i), "element " + i);
            assertEquals(4L * ((1 << 21) + 8 * 16), be.memory().peakBytes());
        }
    }

    @Test
    void releaseFreesWhatWasAllocatedAfterTheMark() {
        try (CpuBackend be = new CpuBackend(1)) {
            Backend b = be;
            b.alloc(100);
            int mark = be.mark();
            b.alloc(1000);
            b.alloc(10);
            assertEquals(3, be.mark());
            be.release(mark);
            assertEquals(1, be.mark());
            assertEquals(4L * 1110, be.memory().peakBytes(), "the peak stays the peak");
            b.alloc(5);
            assertEquals(2, be.mark());
        }
    }
}
