package org.pixelcnn.selftest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.backend.cuda.CudaException;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.layers.Nonlinearity;
import org.pixelcnn.selftest.Parity.OpCase;
import org.pixelcnn.selftest.Parity.Result;

/**
 * The self-test stops at the first sticky CUDA error ({@link StickyGuard}), shown here with two CPU backends
 * and cases that fail on purpose the way the CUDA backend fails: a failure that is not sticky is reported and
 * the next case runs (the device is probed once, which clears its last error); a sticky one (code 700,
 * cudaErrorIllegalAddress, thrown by the synchronisation after the faulty call, or found by the probe after a
 * library status error) is reported, and no later case, model check or causality check runs.
 */
class StickyGuardTest {
    static CpuBackend a, b;

    @BeforeAll
    static void up() {
        a = new CpuBackend(1);
        b = new CpuBackend(1);
    }

    @AfterAll
    static void down() {
        a.close();
        b.close();
    }

    /** A case that fills a 4-float output on both backends (passes), counting its runs. */
    private static OpCase fine(String name, AtomicInteger runs) {
        return new OpCase(name, "[4]", c -> {
            runs.incrementAndGet();
            Parity.T y = c.out(4);
            return be -> be.fill(y.on(be), 3f);
        });
    }

    /** A case whose operation throws e on the backend under test only. */
    private static OpCase failing(String name, RuntimeException e) {
        return new OpCase(name, "[4]", c -> {
            Parity.T y = c.out(4);
            return be -> {
                if (be == b) throw e;
                be.fill(y.on(be), 1f);
            };
        });
    }

    @Test
    void codesOfTheErrorsThatCorruptTheContextAreSticky() {
        for (int code : new int[]{700, 702, 710, 714, 715, 716, 717, 718, 719, 214}) assertTrue(CudaException.isSticky(code), "code " + code);
        for (int code : new int[]{0, 1, 2, 98, 200, 209, 400, 999}) assertFalse(CudaException.isSticky(code), "code " + code);
        assertTrue(new CudaException("x", 700, false, 0).sticky());
        assertFalse(new CudaException("cuDNN status 3000").sticky());
    }

    @Test
    void aNonStickyFailureIsReportedAndTheNextCaseRuns() {
        AtomicInteger probes = new AtomicInteger(), later = new AtomicInteger();
        StickyGuard guard = new StickyGuard(() -> {
            probes.incrementAndGet();
            return null;
        });
        Parity p = new Parity(a, b, 1, guard);
        List<Result> got = new ArrayList<>();
        int run = p.runAll(List.of(failing("bad launch", new CudaException("cuLaunchKernel(x) failed: CUDA_ERROR_INVALID_VALUE", 1, false, 0)),
                fine("next", later)), 0, got::add);
        assertEquals(2, run);
        assertFalse(got.get(0).ok());
        assertTrue(got.get(1).ok(), got.get(1).line());
        assertEquals(1, later.get());
        assertEquals(1, probes.get(), "the device is probed (its last error cleared) once per caught failure");
        assertFalse(guard.stopped());
    }

    @Test
    void theFirstStickyErrorStopsEverythingAfterIt() {
        AtomicInteger before = new AtomicInteger(), after = new AtomicInteger();
        StickyGuard guard = new StickyGuard(() -> null);
        Parity p = new Parity(a, b, 1, guard);
        List<Result> got = new ArrayList<>();
        CudaException illegal = new CudaException("kernel gate_forward (cudaStreamSynchronize after the call) failed: cudaErrorIllegalAddress "
                + "(an illegal memory access was encountered)", 700, false, 0);
        int run = p.runAll(List.of(fine("first", before), failing("faulty", illegal), fine("third", after), fine("fourth", after)), 0, got::add);
        assertEquals(2, run, "the cases after the sticky error do not run");
        assertEquals(1, before.get());
        assertEquals(0, after.get());
        assertTrue(got.get(0).ok());
        assertFalse(got.get(1).ok());
        assertTrue(got.get(1).line().contains("cudaErrorIllegalAddress"), got.get(1).line());
        assertTrue(guard.stopped());
        assertTrue(guard.reason().startsWith("CudaException: kernel gate_forward"), guard.reason());

        ModelParity mp = new ModelParity(a, b, 1, guard);
        assertTrue(mp.compare(new ModelConfig(1, 4, 1, Nonlinearity.CONCAT_ELU, 4, 4, 1, 0, 0f), 1, 0).isEmpty(), "no model check after the stop");
        assertNull(mp.causality(new ModelConfig(1, 4, 1, Nonlinearity.CONCAT_ELU, 4, 4, 1, 0, 0f)));
    }

    @Test
    void aStickyErrorTheProbeFindsAfterALibraryStatusAlsoStops() {
        StickyGuard guard = new StickyGuard(() -> "cudaStreamSynchronize: cudaErrorLaunchFailure (unspecified launch failure)");
        Parity p = new Parity(a, b, 1, guard);
        AtomicInteger after = new AtomicInteger();
        List<Result> got = new ArrayList<>();
        p.runAll(List.of(failing("gemm", new CudaException("cublasSgemm_v2(...) failed: cuBLAS status 13 (CUBLAS_STATUS_EXECUTION_FAILED)")),
                fine("after", after)), 0, got::add);
        assertEquals(1, got.size());
        assertEquals(0, after.get());
        assertEquals("cudaStreamSynchronize: cudaErrorLaunchFailure (unspecified launch failure)", guard.reason());
    }
}
