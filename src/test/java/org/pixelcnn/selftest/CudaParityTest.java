package org.pixelcnn.selftest;

import org.pixelcnn.backend.cuda.CudaBackend;
import org.pixelcnn.backend.cuda.CudaContext;
import org.pixelcnn.backend.cuda.CudaProbe;
import org.pixelcnn.backend.cuda.Precision;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.selftest.Parity.Result;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.layers.Nonlinearity;

/**
 * CPU/GPU parity of every Backend operation at odd shapes, a small model and causality on the GPU, in
 * fp32 (bounds 1e-5 per operation, 1e-4 per model check). Runs only where {@link CudaProbe} finds a usable
 * GPU; elsewhere every test is skipped with the probe's reason. The full-size run is
 * {@code selftest --backend cuda}.
 */
class CudaParityTest {
    static CudaContext ctx;
    static CudaBackend gpu;
    static CpuBackend cpu;

    @BeforeAll
    static void up() {
        if (!CudaProbe.probe().available()) return;
        ctx = CudaContext.open(0);
        gpu = new CudaBackend(ctx, Precision.FP32, 1L << 30, true);
        cpu = new CpuBackend();
    }

    @BeforeEach
    void needsGpu() {
        CudaProbe probe = CudaProbe.probe();
        assumeTrue(probe.available(), () -> "skipped, no usable GPU: " + probe.reason());
    }

    @AfterAll
    static void down() {
        if (gpu != null) gpu.close();
        if (ctx != null) ctx.close();
        if (cpu != null) cpu.close();
    }

    private static void assertAllOk(List<Result> results) {
        List<String> bad = new ArrayList<>();
        for (Result r : results) if (!r.ok()) bad.add(r.line());
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    @Test
    void everyOperationMatchesTheCpuAtOddShapes() {
        Parity p = new Parity(cpu, gpu, 17);
        List<Result> rs = new ArrayList<>();
        for (Parity.OpCase c : OpCases.all(Shapes.ODD)) rs.add(p.run(c, 1e-5));
        assertAllOk(rs);
    }

    @Test
    void aSmallModelMatchesTheCpu() {
        assertAllOk(new ModelParity(cpu, gpu, 5).compare(new ModelConfig(1, 8, 3, Nonlinearity.CONCAT_ELU, 8, 8, 3, 4, 0.5f), 2, 1e-4));
    }

    @Test
    void theModelIsCausalOnTheGpu() {
        assertAllOk(List.of(new ModelParity(cpu, gpu, 3).causality(new ModelConfig(1, 8, 2, Nonlinearity.CONCAT_ELU, 8, 8, 3, 0, 0.5f))));
    }
}
