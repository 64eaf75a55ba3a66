package org.pixelcnn.train;

import org.pixelcnn.backend.cuda.CudaProbe;
import org.pixelcnn.backend.cuda.CudaBackend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.ModelStats;
import org.pixelcnn.model.layers.Nonlinearity;

/**
 * The replicas' device memory plan: placement r mod gpus, arenas that grow with the batch by
 * 1.25 * trainingFloats * 4 bytes an image, replica 0's extra networks (counted exactly), the per-GPU sum,
 * which GPU is too small, and the one-line out-of-memory message.
 */
class GpuMemoryPlanTest {
    private static final ModelConfig CFG = new ModelConfig(2, 32, 5, Nonlinearity.CONCAT_ELU, 16, 16, 3, 0, 0.5f);
    private static final ModelStats STATS = ModelStats.of(CFG);

    @Test
    void replicasGoRoundRobinOverTheGpus() {
        GpuMemoryPlan p = new GpuMemoryPlan(CFG, STATS, 8, 8, 5, 2);
        assertEquals(List.of(0, 1, 0, 1, 0), List.of(p.device(0), p.device(1), p.device(2), p.device(3), p.device(4)));
        assertEquals(3, p.replicasOn(0));
        assertEquals(2, p.replicasOn(1));
        long o = GpuMemoryPlan.BACKEND_OVERHEAD;
        assertEquals(p.replicaBytes(0) + 2 * p.replicaBytes(2) + 3 * o, p.deviceBytes(0));
        GpuMemoryPlan one = new GpuMemoryPlan(CFG, STATS, 8, 8, 3, 1);
        assertEquals(3, one.replicasOn(0));
        assertEquals(one.replicaBytes(0) + 2 * one.replicaBytes(1) + 3 * o, one.deviceBytes(0));
    }

    @Test
    void arenasGrowWithTheBatchAndHoldTheModel() {
        GpuMemoryPlan b8 = new GpuMemoryPlan(CFG, STATS, 8, 8, 2, 1), b16 = new GpuMemoryPlan(CFG, STATS, 16, 8, 2, 1);
        long perImage = (long) Math.ceil(STATS.trainingFloats() * 4 * 1.25);
        long margin = b16.libraryMarginBytes(16) - b8.libraryMarginBytes(8);
        assertTrue(Math.abs(b16.replicaBytes(1) - b8.replicaBytes(1) - 8 * perImage - margin) <= 2, "replica 1 grows by 8 images");
        assertTrue(b8.replicaBytes(1) >= STATS.trainingFloats() * 4L * 8 + STATS.params() * 4L * 6 + CudaBackend.libraryMarginBytes(0));
        long initNet = org.pixelcnn.model.AllocationCount.of(be -> new org.pixelcnn.model.PixelCnnPP(be, CFG, 8, false)).arenaBytes();
        long evalNet = GpuMemoryPlan.eval(CFG, 8).tensorBytes();
        long caches = GpuMemoryPlan.sampling(CFG, 8, true).tensorBytes()
                - org.pixelcnn.model.AllocationCount.of(be -> new org.pixelcnn.model.PixelCnnPP(be, CFG, 1, false)).arenaBytes();
        assertEquals(b8.replicaBytes(1) + initNet + evalNet + caches, b8.replicaBytes(0),
                "replica 0 also holds the init network, the eval network and the cached sampler's caches");
    }

    @Test
    void arenasGetUpToTwiceTheEstimateWhereTheGpuHasRoom() {
        GpuMemoryPlan p = new GpuMemoryPlan(CFG, STATS, 8, 8, 2, 1);
        long need = p.deviceBytes(0);
        assertEquals(p.replicaBytes(1), p.arenaBytes(1, -1), "unknown free memory: the estimate");
        assertEquals(p.replicaBytes(1), p.arenaBytes(1, need), "just enough: the estimate");
        assertEquals(2 * p.replicaBytes(1), p.arenaBytes(1, 100 * need + (2L << 30)), 2.0, "plenty: twice");
        long free = (long) ((1.5 * need + (1L << 30)) / 0.9);
        assertEquals(1.5 * p.replicaBytes(0), p.arenaBytes(0, free), p.replicaBytes(0) * 1e-6, "in between: what the free memory allows");
    }

    @Test
    void findsTheGpuThatCannotHoldItsReplicasAndSaysSoInOneLine() {
        GpuMemoryPlan p = new GpuMemoryPlan(CFG, STATS, 8, 8, 3, 2);
        long need0 = p.deviceBytes(0), need1 = p.deviceBytes(1);
        List<CudaProbe.Gpu> roomy = List.of(new CudaProbe.Gpu(0, "A", 9, 0, 132, need0, need0 * 2), new CudaProbe.Gpu(1, "B", 9, 0, 132, need1, need1 * 2));
        assertEquals(-1, p.firstTooSmall(roomy));
        List<CudaProbe.Gpu> tight = List.of(roomy.get(0), new CudaProbe.Gpu(1, "B", 9, 0, 132, need1 - 1, need1 * 2));
        assertEquals(1, p.firstTooSmall(tight));
        String m = p.outOfMemory(0, "NVIDIA H200", 3L << 30, 1L << 29).getMessage();
        assertEquals("GPU 0 (NVIDIA H200): out of memory for batch size 8: the model needs about 3.0 GiB (2 replicas on this GPU), 0.5 GiB free; use a smaller --batch_size", m);
        String single = new GpuMemoryPlan(CFG, STATS, 64, 8, 1, 1).outOfMemory(0, "X", 5L << 30, 1L << 30).getMessage();
        assertEquals("GPU 0 (X): out of memory for batch size 64: the model needs about 5.0 GiB, 1.0 GiB free; use a smaller --batch_size", single);
        assertTrue(!single.contains("\n"));
    }
}
