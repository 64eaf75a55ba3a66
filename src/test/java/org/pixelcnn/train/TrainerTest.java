package org.pixelcnn.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.data.sets.Dataset;
import org.pixelcnn.io.Checkpoint;
import org.pixelcnn.io.CheckpointReader;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.layers.Nonlinearity;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainer: resuming gives bit-identical state on the CPU; N replicas of batch B make the same
 * update as one replica of batch N*B; replicas stay identical; a non-finite loss stops the run and
 * leaves the last good checkpoint untouched; the loss goes down.
 */
class TrainerTest {
    private static final Dataset DATA = TinyData.make(40, 12, 8, 8, 1, 3, 5);

    private static TrainConfig config(Path dir, int replicas, int batch, long maxSteps, boolean load, float dropout, double lr, int classes) {
        ModelConfig m = new ModelConfig(1, 4, 2, Nonlinearity.CONCAT_ELU, 8, 8, 1, classes, dropout);
        return new TrainConfig(m, "tiny", lr, 0.999995, batch, 4, replicas, 0.9995, 50, maxSteps, 1, 1, 7, dir, load, 5, "cpu");
    }

    private static TrainListener quiet() {
        return TrainListener.SILENT;
    }

    /** Keeps the epoch reports and notes a run sends. */
    private static final class Recorder implements TrainListener {
        final java.util.List<EpochReport> epochs = new java.util.ArrayList<>();
        final java.util.List<SaveReport> saves = new java.util.ArrayList<>();
        final StringBuilder notes = new StringBuilder();
        long steps;

        @Override
        public void note(String line) {
            notes.append(line).append('\n');
        }

        @Override
        public void stepDone(long step, long epoch, double bitsPerDim, double imagesPerSecond, boolean logged) {
            steps++;
        }

        @Override
        public void epochEnded(EpochReport report) {
            epochs.add(report);
        }

        @Override
        public void saved(SaveReport report) {
            saves.add(report);
        }
    }

    private static float[] get(Trainer t, Buf b) {
        float[] a = new float[(int) b.size()];
        t.replicas().get(0).be.download(b, 0, a, 0, a.length);
        return a;
    }

    private static float[][] state(Trainer t) {
        Replica r = t.replicas().get(0);
        return new float[][]{get(t, r.model.params().values()), get(t, r.ema), get(t, r.adamM), get(t, r.adamV)};
    }

    @Test
    void resumingGivesBitIdenticalParameters(@TempDir Path tmp) {
        float[][] straight;
        try (Trainer t = new Trainer(config(tmp.resolve("a"), 1, 4, 20, false, 0.5f, 1e-3, 3), DATA, quiet())) {
            t.run();
            assertEquals(20, t.step());
            straight = state(t);
        }
        Path b = tmp.resolve("b");
        try (Trainer t = new Trainer(config(b, 1, 4, 13, false, 0.5f, 1e-3, 3), DATA, quiet())) {
            t.run();
            assertEquals(13, t.step());
        }
        assertTrue(Files.exists(b.resolve("checkpoint-13.safetensors")));
        float[][] resumed;
        try (Trainer t = new Trainer(config(b, 1, 4, 20, true, 0.5f, 1e-3, 3), DATA, quiet())) {
            t.run();
            assertEquals(20, t.step());
            resumed = state(t);
        }
        String[] names = {"parameters", "Polyak averages", "Adam m", "Adam v"};
        for (int i = 0; i < 4; i++) assertArrayEquals(straight[i], resumed[i], names[i] + " differ after resume");
    }

    @Test
    void replicasMakeTheSameUpdateAsOneLargeBatch(@TempDir Path tmp) {
        float[][] one, two;
        try (Trainer t = new Trainer(config(tmp.resolve("one"), 1, 4, 2, false, 0f, 1e-3, 0), DATA, quiet())) {
            t.run();
            one = state(t);
        }
        try (Trainer t = new Trainer(config(tmp.resolve("two"), 2, 2, 2, false, 0f, 1e-3, 0), DATA, quiet())) {
            t.run();
            two = state(t);
            float[] r1 = new float[(int) t.replicas().get(1).model.params().total()];
            t.replicas().get(1).be.download(t.replicas().get(1).model.params().values(), 0, r1, 0, r1.length);
            assertArrayEquals(two[0], r1, "replicas' parameters must stay bit-identical");
        }
        for (int i = 0; i < 4; i++) {
            double num = 0, den = 0;
            for (int k = 0; k < one[i].length; k++) {
                num += (double) (one[i][k] - two[i][k]) * (one[i][k] - two[i][k]);
                den += (double) one[i][k] * one[i][k];
            }
            assertTrue(Math.sqrt(num / den) < 1e-4, "state " + i + " relative difference " + Math.sqrt(num / den));
        }
    }

    @Test
    void aNonFiniteLossStopsTheRunAndKeepsTheLastCheckpoint(@TempDir Path tmp) throws Exception {
        try (Trainer t = new Trainer(config(tmp, 1, 4, 2, false, 0f, 1e-3, 0), DATA, quiet())) {
            t.run();
        }
        Path good = tmp.resolve("checkpoint-2.safetensors");
        byte[] before = Files.readAllBytes(good);
        TrainingFailure f;
        try (Trainer t = new Trainer(config(tmp, 1, 4, 10, true, 0f, 1e30, 0), DATA, quiet())) {
            f = assertThrows(TrainingFailure.class, t::run);
        }
        assertTrue(f.getMessage().contains("not finite") || f.getMessage().contains("loss is"), f.getMessage());
        assertTrue(f.getMessage().contains(good.toString()), f.getMessage());
        assertArrayEquals(before, Files.readAllBytes(good));
        assertEquals(1, Checkpoint.list(tmp).size(), "no checkpoint after the failure");
        try (CheckpointReader r = CheckpointReader.open(good)) {
            assertEquals(2, r.step());
        }
    }

    @Test
    void theLossGoesDown(@TempDir Path tmp) {
        Recorder log = new Recorder();
        TrainConfig c = config(tmp, 1, 4, 60, false, 0f, 5e-3, 0);
        TrainConfig fastAverage = new TrainConfig(c.model(), c.dataSet(), c.learningRate(), c.lrDecay(), c.batchSize(), c.initBatchSize(),
                c.replicas(), 0.9, c.maxEpochs(), c.maxSteps(), c.saveInterval(), c.numSamples(), c.seed(), c.saveDir(), false, c.logEvery(), "cpu");
        try (Trainer t = new Trainer(fastAverage, DATA, log)) {
            t.run();
            // from about 9.4 bits/dim at the first steps (random init)
            assertTrue(t.lastTrainBits() < 7.5 && t.lastTestBits() < 7.5, "bits/dim " + t.lastTrainBits() + " / " + t.lastTestBits() + "\n" + log.notes);
        }
        // 40 images in batches of 4: 10 steps an epoch, 6 epochs, each evaluated and (save_interval 1) saved
        assertEquals(60, log.steps);
        assertEquals(6, log.epochs.size());
        for (int e = 0; e < 6; e++) {
            TrainListener.EpochReport r = log.epochs.get(e);
            assertEquals(e, r.epoch());
            assertEquals(10L * (e + 1), r.step());
            assertTrue(r.complete() && Double.isFinite(r.testBitsPerDim()) && r.imagesPerSecond() > 0, r.toString());
        }
        assertTrue(log.epochs.get(5).trainBitsPerDim() < log.epochs.get(0).trainBitsPerDim(), log.epochs.toString());
        assertEquals(6, log.saves.size());
        assertEquals(tmp.resolve("checkpoint-60.safetensors"), log.saves.get(5).checkpoint());
        assertTrue(log.notes.toString().contains("evaluating test bits/dim on the 12 test images"), log.notes.toString());
        assertTrue(Files.exists(tmp.resolve("metrics.jsonl")));
        assertTrue(Files.exists(tmp.resolve("tiny_sample0.png")) && Files.exists(tmp.resolve("tiny_sample5.png")));
    }
}
