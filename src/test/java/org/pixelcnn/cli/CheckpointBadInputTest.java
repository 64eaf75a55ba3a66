package org.pixelcnn.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.data.Fixtures;
import org.pixelcnn.io.Checkpoint;
import org.pixelcnn.io.CheckpointContents;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.layers.Nonlinearity;
import org.pixelcnn.train.Replica;
import org.pixelcnn.train.TrainingCheckpoint;
import org.pixelcnn.train.TrainingCheckpoint.RunInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * sample and eval on bad checkpoints: a missing path, a directory without checkpoints, garbage, a
 * truncated file, a checkpoint whose tensors do not match its own configuration, an unreadable
 * configuration. Each is exit code 2 and one line naming the file; --verbose adds the stack trace.
 * The checkpoints are written here (no training): a 4x4 model, parameters from its initial values.
 */
class CheckpointBadInputTest {
    @TempDir
    static Path tmp;
    static Path good, data;

    static ModelConfig config(int filters) {
        return new ModelConfig(0, filters, 2, Nonlinearity.CONCAT_ELU, 8, 8, 1, 0, 0.5f);
    }

    /** Writes a checkpoint of a model with filters filters, whose metadata describes claimed. */
    static Path write(Path dir, int filters, ModelConfig claimed) {
        try (Replica r = new Replica(0, new CpuBackend(1), config(filters), 1)) {
            float[] p = r.model.initialValues(3);
            r.be.upload(p, 0, r.model.params().values(), 0, p.length);
            r.be.upload(p, 0, r.ema, 0, p.length);
            RunInfo info = new RunInfo(claimed, "mnist", 4, 1, 0.001, 0.999995, 0.9995, 1);
            return TrainingCheckpoint.save(dir, r, 5, 0.001, new long[] {1, 0, 0}, info);
        }
    }

    @BeforeAll
    static void writeGoodCheckpoint() {
        good = write(tmp.resolve("good"), 4, config(4));
        data = CliRun.writeMnist(tmp.resolve("mnist"), 4, 3, 8);
    }

    private static CliRun sample(Path checkpoint, String... extra) {
        String[] base = {"sample", "--checkpoint", checkpoint.toString(), "--count", "2", "--out", tmp.resolve("s.png").toString(), "--backend", "cpu"};
        String[] args = Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return CliRun.run(args);
    }

    private static CliRun eval(Path checkpoint) {
        return CliRun.run("eval", "--checkpoint", checkpoint.toString(), "--data_dir", data.toString(), "--backend", "cpu");
    }

    @Test
    void aGoodCheckpointLoads() {
        CliRun s = sample(good);
        assertEquals(0, s.code(), s.err());
        CliRun e = eval(good.getParent());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("3 mnist test images"), e.out());
    }

    @Test
    void missingPathAndEmptyDirectory() throws IOException {
        Path missing = tmp.resolve("nowhere");
        sample(missing).assertOneLineError(missing, "no such checkpoint file or directory");
        eval(missing).assertOneLineError(missing, "no such checkpoint file or directory");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(empty.resolve("notes.txt"), "not a checkpoint");
        sample(empty).assertOneLineError(empty, "no checkpoint-<step>.safetensors in this directory");
        eval(empty).assertOneLineError(empty, "no checkpoint-<step>.safetensors in this directory");
    }

    @Test
    void corruptAndTruncatedFiles() {
        Path garbage = tmp.resolve("bad/checkpoint-9.safetensors");
        Fixtures.write(garbage, "this is not safetensors at all".getBytes());
        sample(garbage.getParent()).assertOneLineError(garbage, "not safetensors");
        eval(garbage).assertOneLineError(garbage, "not safetensors");

        byte[] whole = Fixtures.read(good);
        Path truncated = tmp.resolve("truncated.safetensors");
        Fixtures.write(truncated, Arrays.copyOf(whole, whole.length - 100));
        sample(truncated).assertOneLineError(truncated, "(truncated?)");
        eval(truncated).assertOneLineError(truncated, "(truncated?)");
    }

    @Test
    void tensorsThatDoNotMatchTheConfiguration() {
        Path lying = write(tmp.resolve("lying"), 4, config(8));
        sample(lying).assertOneLineError(lying, "checkpoint does not match the model: tensor 'model/");
        eval(lying.getParent()).assertOneLineError(lying, "checkpoint does not match the model");
    }

    @Test
    void unreadableConfiguration() {
        Path noModel = Checkpoint.save(tmp.resolve("nomodel"),
                new CheckpointContents(0, 0.001, new long[] {1, 0, 0}, "{\"dataSet\": \"mnist\"}", Map.of(), Map.of(), Map.of(), Map.of()));
        sample(noModel).assertOneLineError(noModel, "no model configuration in the checkpoint metadata");
        Path badJson = Checkpoint.save(tmp.resolve("badjson"),
                new CheckpointContents(0, 0.001, new long[] {1, 0, 0}, "{\"model\": {\"nrFilters\": -3", Map.of(), Map.of(), Map.of(), Map.of()));
        eval(badJson).assertOneLineError(badJson, "model configuration is unreadable");
    }

    @Test
    void verboseAddsTheStackTrace() {
        Path missing = tmp.resolve("nowhere");
        CliRun r = sample(missing, "--verbose");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: " + missing), r.err());
        assertTrue(r.err().contains("\tat "), r.err());
    }

    @Test
    void badOptions() {
        CliRun count = CliRun.run("sample", "--checkpoint", good.toString(), "--count", "0", "--out", tmp.resolve("c.png").toString());
        assertEquals(2, count.code());
        assertEquals("error: --count must be >= 1, not 0", count.err().strip());
        Path nowhere = tmp.resolve("no/such/folder/grid.png");
        CliRun out = CliRun.run("sample", "--checkpoint", good.toString(), "--out", nowhere.toString(), "--backend", "cpu");
        out.assertOneLineError(nowhere, "folder " + nowhere.getParent() + " does not exist");
    }
}
