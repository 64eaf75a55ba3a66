package org.pixelcnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.cuda.CudaProbe;
import org.pixelcnn.backend.cuda.Precision;
import org.pixelcnn.data.sets.Dataset;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.layers.Nonlinearity;

/**
 * The trainer with replicas on CUDA (fp32), all on GPU 0: two replicas of batch 2 stay bit-identical and
 * make the same updates as one replica of batch 4 (relative 1e-4 after two steps); a batch far beyond the
 * GPU's memory stops with the one-line out-of-memory error. Skipped, with the probe's reason, without a GPU.
 */
class TrainerCudaTest {
    private static final Dataset DATA = TinyData.make(24, 8, 8, 8, 1, 3, 9);

    @BeforeEach
    void needsGpu() {
        CudaProbe probe = CudaProbe.probe();
        assumeTrue(probe.available(), () -> "skipped, no usable GPU: " + probe.reason());
    }

    private static TrainConfig config(Path dir, int replicas, int batch, ModelConfig m) {
        return new TrainConfig(m, "tiny", 1e-3, 0.999995, batch, 4, replicas, 0.9995, 50, 2, 1, 1, 7, dir, false, 5, "cuda");
    }

    private static float[] get(Replica r, Buf b) {
        float[] a = new float[(int) b.size()];
        r.be.download(b, 0, a, 0, a.length);
        return a;
    }

    private static TrainingBackends fp32(TrainConfig c) {
        return new TrainingBackends("cuda", Precision.FP32, c.model(), c.batchSize(), c.initBatchSize(), c.replicas());
    }

    @Test
    void twoGpuReplicasMatchOneReplicaOfTheDoubleBatch(@TempDir Path tmp) {
        ModelConfig m = new ModelConfig(1, 4, 2, Nonlinearity.CONCAT_ELU, 8, 8, 1, 0, 0f);
        float[] one, two;
        TrainConfig c1 = config(tmp.resolve("one"), 1, 4, m), c2 = config(tmp.resolve("two"), 2, 2, m);
        try (Trainer t = new Trainer(c1, DATA, TrainListener.SILENT, fp32(c1))) {
            t.run();
            one = get(t.replicas().get(0), t.replicas().get(0).model.params().values());
        }
        StringBuilder log = new StringBuilder();
        TrainListener notes = new TrainListener() {
            @Override
            public void note(String line) {
                log.append(line).append('\n');
            }
        };
        try (Trainer t = new Trainer(c2, DATA, notes, fp32(c2))) {
            t.run();
            Replica a = t.replicas().get(0), b = t.replicas().get(1);
            two = get(a, a.model.params().values());
            assertArrayEquals(two, get(b, b.model.params().values()), "GPU replicas' parameters must stay bit-identical");
            assertArrayEquals(get(a, a.ema), get(b, b.ema), "GPU replicas' averages must stay bit-identical");
        }
        assertTrue(log.toString().contains("device memory peak"), log.toString());
        double num = 0, den = 0;
        for (int k = 0; k < one.length; k++) {
            num += (double) (one[k] - two[k]) * (one[k] - two[k]);
            den += (double) one[k] * one[k];
        }
        assertTrue(Math.sqrt(num / den) < 1e-4, "relative difference " + Math.sqrt(num / den));
    }

    @Test
    void aBatchBeyondTheGpusMemoryGivesOneLine(@TempDir Path tmp) {
        ModelConfig m = new ModelConfig(1, 4, 2, Nonlinearity.CONCAT_ELU, 8, 8, 1, 0, 0f);
        TrainConfig c = config(tmp, 1, 50_000_000, m);
        BadInputException e = assertThrows(BadInputException.class, () -> {
            try (Trainer t = new Trainer(c, DATA, TrainListener.SILENT, fp32(c))) {
                t.run();
            }
        });
        String msg = e.getMessage();
        assertTrue(msg.matches("GPU 0 \\(.+\\): out of memory for batch size 50000000: the model needs about [0-9.]+ GiB, [0-9.]+ GiB free; use a smaller --batch_size"), msg);
    }
}
