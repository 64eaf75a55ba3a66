package org.pixelcnn.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.selftest.Parity.Result;
import org.pixelcnn.selftest.TrainingParity;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.layers.Nonlinearity;

/**
 * The device ring all-reduce and data-parallel training on three replicas sharing GPU 0, in fp32: the
 * all-reduce of 1, 2 and 3 replicas equals the CPU ring's bits on every replica and the float64 sum within
 * 1e-6; 2 replicas of batch 2 make the update of 1 replica of batch 4 (1e-4); a checkpoint from a GPU
 * replica gives the same bits/dim on the CPU (1e-4). Skipped, with the probe's reason, without a usable GPU.
 */
class CudaRingAllReduceTest {
    static final List<CudaContext> ctxs = new ArrayList<>();
    static final List<CudaBackend> gpus = new ArrayList<>();
    static CpuBackend cpu;

    @BeforeAll
    static void up() {
        if (!CudaProbe.probe().available()) return;
        for (int r = 0; r < 3; r++) {
            CudaContext c = CudaContext.open(0);
            ctxs.add(c);
            gpus.add(new CudaBackend(c, Precision.FP32, 512L << 20, true));
        }
        cpu = new CpuBackend();
    }

    @BeforeEach
    void needsGpu() {
        CudaProbe probe = CudaProbe.probe();
        assumeTrue(probe.available(), () -> "skipped, no usable GPU: " + probe.reason());
    }

    @AfterAll
    static void down() {
        for (CudaBackend b : gpus) b.close();
        for (CudaContext c : ctxs) c.close();
        if (cpu != null) cpu.close();
    }

    private static void assertAllOk(List<Result> results) {
        List<String> bad = new ArrayList<>();
        for (Result r : results) if (!r.ok()) bad.add(r.line());
        assertTrue(bad.isEmpty(), String.join("\n", bad));
        assertTrue(!results.isEmpty());
    }

    @Test
    void allReduceEqualsTheCpuRingOnEveryReplica() {
        TrainingParity tp = new TrainingParity(cpu, gpus, 11);
        assertAllOk(tp.allReduce(100_003, 1e-6));
        assertAllOk(tp.allReduce(2, 1e-6));
    }

    @Test
    void twoReplicasMakeTheUpdateOfOneDoubleBatchAndCheckpointsLoadOnTheCpu(@TempDir Path tmp) {
        TrainingParity tp = new TrainingParity(cpu, gpus, 12);
        assertAllOk(tp.trainingStep(new ModelConfig(1, 8, 2, Nonlinearity.CONCAT_ELU, 8, 8, 3, 4, 0f), 2, 1e-4, 1e-4, tmp));
    }
}
