package org.pixelcnn.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.data.format.NpyFormat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * sample on a class-conditional checkpoint (3 classes): without --label image i gets class i mod 3
 * across batches (train.py's y_sample); with --label K every image gets K. Each image's uniforms depend
 * only on the seed, its batch and its slot, so an image whose class is the same in both runs is
 * bit-identical and one whose class differs is not.
 */
class ClassConditionalSampleTest {
    @TempDir
    static Path tmp;
    static Path save;

    @BeforeAll
    static void trainConditional() {
        Path data = CliRun.writeMnist(tmp.resolve("mnist"), 12, 6, 8);
        save = tmp.resolve("save");
        CliRun.train(data, save, "--class_conditional");
    }

    /** Samples 4 images in batches of 2 with seed 5; returns them, 64 bytes each. */
    private static byte[][] sample(String... label) throws IOException {
        Path npy = Files.createTempFile(tmp, "s", ".npy");
        String[] base = {"sample", "--checkpoint", save.toString(), "--count", "4", "--batch", "2", "--seed", "5",
                "--out", tmp.resolve("s.png").toString(), "--uint8", npy.toString(), "--backend", "cpu"};
        String[] args = Arrays.copyOf(base, base.length + label.length);
        System.arraycopy(label, 0, args, base.length, label.length);
        CliRun r = CliRun.run(args);
        assertEquals(0, r.code(), r.err());
        byte[] all;
        try (InputStream in = Files.newInputStream(npy)) {
            NpyFormat.read(in);
            all = in.readAllBytes();
        }
        byte[][] images = new byte[4][];
        for (int i = 0; i < 4; i++) images[i] = Arrays.copyOfRange(all, i * 64, (i + 1) * 64);
        return images;
    }

    @Test
    void labelsCycleUnlessOneIsGiven() throws IOException {
        // MNIST's classes are the ten digits (the data set names them), so the model has 10 classes
        byte[][] cycled = sample(); // classes 0, 1 | 2, 3
        byte[][] zeros = sample("--label", "0");
        byte[][] ones = sample("--label", "1");
        byte[][] threes = sample("--label", "3");
        assertArrayEquals(cycled[0], zeros[0]);
        assertArrayEquals(cycled[3], threes[3], "the cycle continues across batches: image 3 has class 3");
        assertArrayEquals(cycled[1], ones[1]);
        assertFalse(Arrays.equals(cycled[1], zeros[1]), "class 1 and class 0 give other images");
        assertFalse(Arrays.equals(cycled[2], zeros[2]), "class 2 and class 0 give other images");
        assertFalse(Arrays.equals(zeros[0], ones[0]), "class 0 and class 1 give other images");
    }

    @Test
    void labelOutOfRange() {
        CliRun r = CliRun.run("sample", "--checkpoint", save.toString(), "--label", "10", "--out", tmp.resolve("x.png").toString());
        r.assertOneLineError(Path.of("--label 10: " + save.resolve("checkpoint-3.safetensors")), "holds a model of 10 classes (0..9)");
        CliRun name = CliRun.run("sample", "--checkpoint", save.toString(), "--label", "seven", "--out", tmp.resolve("x.png").toString());
        assertEquals(2, name.code());
        assertEquals("error: --label 'seven': not a class of " + save.resolve("checkpoint-3.safetensors")
                + " (0, 1, 2, 3, 4, 5, 6, 7, 8, 9; or an index 0..9)", name.err().strip());
    }
}
