package org.pixelcnn.cli;

import org.pixelcnn.data.Fixtures;
import org.pixelcnn.data.format.IdxReader;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the command line as {@code main} does, capturing picocli's out and err; fixtures for the CLI tests. */
record CliRun(int code, String out, String err) {

    static CliRun run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** Exit code 2 and exactly one stderr line, "error: &lt;file&gt;...", containing what, without a stack trace. */
    void assertOneLineError(Path file, String what) {
        assertEquals(2, code, err);
        String[] lines = err.strip().split("\n");
        assertEquals(1, lines.length, err);
        assertTrue(lines[0].startsWith("error: " + file), lines[0]);
        assertTrue(lines[0].contains(what), lines[0]);
        assertFalse(err.contains("\tat "), err);
    }

    /**
     * A tiny MNIST-format folder (IDX files): nTrain and nTest images of size x size x 1 with labels i % 3.
     * Image i is a soft diagonal ramp plus a deterministic pseudo-random texture, so the splits differ.
     */
    static Path writeMnist(Path dir, int nTrain, int nTest, int size) {
        write(dir, "train", nTrain, size, 1);
        write(dir, "t10k", nTest, size, 2);
        return dir;
    }

    private static void write(Path dir, String stem, int n, int size, int seed) {
        byte[] px = new byte[n * size * size];
        byte[] y = new byte[n];
        for (int i = 0; i < n; i++) {
            y[i] = (byte) (i % 3);
            for (int r = 0; r < size; r++) {
                for (int c = 0; c < size; c++) {
                    int ramp = (r + c + i) * 255 / (2 * size + n);
                    int noise = (Fixtures.value(seed, i, r, c) & 0x3f) - 32;
                    px[(i * size + r) * size + c] = (byte) Math.max(0, Math.min(255, ramp + noise));
                }
            }
        }
        Fixtures.writeIdx(dir.resolve(stem + "-images-idx3-ubyte"), IdxReader.IMAGES_MAGIC, new int[] {n, size, size}, px, false);
        Fixtures.writeIdx(dir.resolve(stem + "-labels-idx1-ubyte"), IdxReader.LABELS_MAGIC, new int[] {n}, y, false);
    }

    /** train on the tiny data: nr_resnet 0, nr_filters 4, nr_logistic_mix 2, batch 4, 3 steps on the CPU. */
    static CliRun train(Path data, Path save, String... extra) {
        String[] base = {"train", "--data_set", "mnist", "--data_dir", data.toString(), "--save_dir", save.toString(),
                "--nr_resnet", "0", "--nr_filters", "4", "--nr_logistic_mix", "2", "--batch_size", "4", "--init_batch_size", "4",
                "--max_steps", "3", "--backend", "cpu", "--progress", "off", "--seed", "1"};
        String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        CliRun r = run(args);
        assertEquals(0, r.code(), r.err());
        return r;
    }
}
