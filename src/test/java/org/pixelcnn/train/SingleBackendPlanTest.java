package org.pixelcnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.pixelcnn.backend.cuda.ArenaPlan;
import org.pixelcnn.backend.cuda.DeviceArena;
import org.pixelcnn.model.AllocationCount;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.ModelStats;
import org.pixelcnn.model.PixelCnnPP;
import org.pixelcnn.model.layers.Nonlinearity;

/**
 * The device memory of {@code eval} and {@code sample} for the default model (nr_resnet 5, nr_filters 160,
 * nr_logistic_mix 10, CIFAR 32x32x3), computed on the CPU by counting what they build: the eval network
 * alone; the sampler's networks with one parameter block between them; replica 0 of training with its init,
 * eval and sampler networks. Also why the fixed 4 GiB arena these commands had could not work, and the
 * one-line out-of-memory error before any allocation when the GPU is too small.
 */
class SingleBackendPlanTest {
    private static final ModelConfig DEFAULT = new ModelConfig(5, 160, 10, Nonlinearity.CONCAT_ELU, 32, 32, 3, 0, 0.5f);
    private static final double GIB = 1L << 30;

    private static long network(ModelConfig cfg, int batch) {
        return AllocationCount.of(be -> new PixelCnnPP(be, cfg, batch, false)).arenaBytes();
    }

    private static ModelConfig top(int rows) {
        return new ModelConfig(5, 160, 10, Nonlinearity.CONCAT_ELU, rows, 32, 3, 0, 0.5f);
    }

    @Test
    void evalOfTheDefaultModelNeedsItsEvalNetworkAndMoreThanTheOldFixedFourGiB() {
        ArenaPlan p = GpuMemoryPlan.eval(DEFAULT, 16);
        assertEquals(network(DEFAULT, 16), p.tensorBytes(), "eval builds its network and nothing else on the device");
        assertEquals(GpuMemoryPlan.libraryMarginBytes(DEFAULT, 16), p.marginBytes());
        assertTrue(p.tensorBytes() > 4.4 * GIB && p.tensorBytes() < 4.6 * GIB, p.tensorBytes() / GIB + " GiB");
        assertTrue(p.estimateBytes() > 4 * GIB, "the fixed 4 GiB arena eval had could not hold the default model at batch 16");
    }

    @Test
    void scoreWithPerSubPixelOutputAlsoHoldsOneSubPixelBuffer() {
        ArenaPlan eval = GpuMemoryPlan.eval(DEFAULT, 16), score = GpuMemoryPlan.evaluation("score", DEFAULT, 16, true);
        assertEquals(eval.tensorBytes() + DeviceArena.blockBytes(4L * 16 * 32 * 32 * 3), score.tensorBytes());
        assertEquals(eval.tensorBytes(), GpuMemoryPlan.evaluation("score", DEFAULT, 16, false).tensorBytes());
        assertTrue(score.outOfMemory(0, "G", 1L << 30, "use a smaller --batch").getMessage().contains("out of memory for score at batch 16"));
    }

    @Test
    void theSamplersTopRowNetworksShareOneParameterBlock() {
        int b = 16;
        long params = ModelStats.of(DEFAULT).params();
        long tops = 0, topsWithOwnBlocks = 0;
        for (int rows = 4; rows < 32; rows += 4) {
            long standalone = network(top(rows), b);
            topsWithOwnBlocks += standalone;
            tops += standalone - DeviceArena.blockBytes(4 * params);
        }
        long uniforms = DeviceArena.blockBytes(4L * b * 10) + DeviceArena.blockBytes(4L * b * 3);
        ArenaPlan p = GpuMemoryPlan.sampling(DEFAULT, b, false);
        assertEquals(network(DEFAULT, b) + tops + uniforms, p.tensorBytes(), "the full network, 7 top networks without parameters, the uniforms");
        assertEquals(7 * DeviceArena.blockBytes(4 * params), topsWithOwnBlocks - tops, "what sharing saves: 7 parameter blocks");
        assertTrue(p.tensorBytes() > 20.5 * GIB && p.tensorBytes() < 21.5 * GIB, p.tensorBytes() / GIB + " GiB");
        assertTrue(GpuMemoryPlan.sampling(DEFAULT, 1, false).estimateBytes() > 4 * GIB, "even batch 1 did not fit the old fixed 4 GiB");
    }

    @Test
    void anH200HoldsBothAndASmallGpuGetsOneLineBeforeAnyAllocation() {
        long h200Free = (long) (139.0 * GIB);
        ArenaPlan eval = GpuMemoryPlan.eval(DEFAULT, 16), sample = GpuMemoryPlan.sampling(DEFAULT, 16, false);
        assertTrue(eval.fits(h200Free) && sample.fits(h200Free));
        assertEquals(2 * eval.estimateBytes(), eval.arenaBytes(h200Free), 2.0, "room for twice the estimate");
        assertEquals(sample.estimateBytes(), sample.arenaBytes(-1), "free memory unknown: the estimate");
        long tight = sample.deviceBytes() + (1L << 20);
        assertEquals(sample.estimateBytes(), sample.arenaBytes(tight), "just enough: the estimate, nothing more");
        long small = 16L << 30;
        assertFalse(sample.fits(small));
        String m = sample.outOfMemory(0, "NVIDIA A100", small, "use a smaller --batch").getMessage();
        assertEquals(String.format(java.util.Locale.ROOT,
                "GPU 0 (NVIDIA A100): out of memory for sample --method naive at batch 16: it needs about %.1f GiB, 16.0 GiB free; use a smaller --batch",
                sample.deviceBytes() / GIB), m);
        assertFalse(m.contains("\n"));
    }

    @Test
    void replicaZeroOfTrainingCountsItsInitEvalAndSamplerNetworks() {
        ModelConfig cfg = new ModelConfig(2, 32, 5, Nonlinearity.CONCAT_ELU, 16, 16, 3, 0, 0.5f);
        GpuMemoryPlan plan = new GpuMemoryPlan(cfg, ModelStats.of(cfg), 8, 4, 2, 1);
        long caches = GpuMemoryPlan.sampling(cfg, 8, true).tensorBytes() - network(cfg, 1);
        long extras = network(cfg, 4) + GpuMemoryPlan.eval(cfg, 8).tensorBytes() + caches;
        assertEquals(extras, plan.replicaBytes(0) - plan.replicaBytes(1), "init network (4 images) + eval network and the cached sampler's caches (8 images)");
    }

    /**
     * The cached sampler holds a network of one image (graph and parameters) and one cache per activation
     * for the batch (about 0.12 of a training image's floats each image for the default model), far less
     * than the naive sampler's eval network and top-rows networks of the whole batch.
     */
    @Test
    void theCachedSamplerNeedsANetworkOfOneImageAndItsCaches() {
        ArenaPlan cached = GpuMemoryPlan.sampling(DEFAULT, 16, true), naive = GpuMemoryPlan.sampling(DEFAULT, 16, false);
        long caches = cached.tensorBytes() - network(DEFAULT, 1);
        double perImage = caches / 16.0 / (4.0 * ModelStats.of(DEFAULT).trainingFloats());
        assertTrue(perImage > 0.1 && perImage < 0.15, "caches per image / training floats per image: " + perImage);
        assertTrue(cached.tensorBytes() * 5 < naive.tensorBytes(), cached.tensorBytes() / GIB + " GiB vs " + naive.tensorBytes() / GIB + " GiB");
    }
}
