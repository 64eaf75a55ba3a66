package org.pixelcnn.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.data.format.NpyFormat;
import org.pixelcnn.io.MetricsLog;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * train, sample and eval end to end through the command line on a tiny 8x8 MNIST-format data set:
 * train writes its files; sample from the save directory is a decodable grid of the right size,
 * bit-identical for the same seed and different for another, and its .npy holds the grid's pixels;
 * eval reproduces the test bits/dim that train logged for the same (Polyak-averaged) parameters.
 */
class TrainSampleEvalTest {
    @TempDir
    static Path tmp;
    static Path data, save;

    @BeforeAll
    static void trainTinyModel() {
        data = CliRun.writeMnist(tmp.resolve("mnist"), 16, 6, 8);
        save = tmp.resolve("save");
        CliRun.train(data, save);
    }

    @Test
    void trainWritesCheckpointSamplesMetricsAndPlot() {
        assertTrue(Files.isRegularFile(save.resolve("checkpoint-3.safetensors")));
        assertTrue(Files.isRegularFile(save.resolve("mnist_sample0.png")));
        assertTrue(Files.isRegularFile(save.resolve(MetricsLog.FILE_NAME)));
        assertTrue(Files.isRegularFile(save.resolve("bits_per_dim.png")));
    }

    private static byte[] read(Path p) throws IOException {
        return Files.readAllBytes(p);
    }

    @Test
    void sampleIsAReproducibleGrid() throws IOException {
        Path a = tmp.resolve("a.png"), npy = tmp.resolve("a.npy");
        CliRun r = CliRun.run("sample", "--checkpoint", save.toString(), "--count", "5", "--batch", "2", "--seed", "7",
                "--scale", "1", "--out", a.toString(), "--uint8", npy.toString(), "--backend", "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("checkpoint-3.safetensors (step 3, Polyak-averaged parameters"), r.out());
        BufferedImage img = ImageIO.read(a.toFile());
        // 5 images of 8x8: a 3 x 3 grid with 1-pixel borders, gray
        assertEquals(3 * 9 - 1, img.getWidth());
        assertEquals(3 * 9 - 1, img.getHeight());
        assertEquals(1, img.getRaster().getNumBands());

        byte[] nhwc;
        try (InputStream in = Files.newInputStream(npy)) {
            NpyFormat f = NpyFormat.read(in);
            assertTrue(f.isUint8());
            assertFalse(f.fortran());
            assertArrayEquals(new long[] {5, 8, 8, 1}, f.shape());
            nhwc = in.readAllBytes();
        }
        assertEquals(5 * 64, nhwc.length);
        for (int k = 0; k < 5; k++) {
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    assertEquals(nhwc[k * 64 + y * 8 + x] & 0xff, img.getRaster().getSample((k % 3) * 9 + x, (k / 3) * 9 + y, 0));
                }
            }
        }
        int distinct = (int) java.util.stream.IntStream.range(0, nhwc.length).map(i -> nhwc[i] & 0xff).distinct().count();
        assertTrue(distinct > 10, "samples are not constant: " + distinct + " distinct values");

        Path again = tmp.resolve("again.png");
        assertEquals(0, CliRun.run("sample", "--checkpoint", save.resolve("checkpoint-3.safetensors").toString(), "--count", "5",
                "--batch", "2", "--seed", "7", "--scale", "1", "--out", again.toString(), "--backend", "cpu").code());
        assertArrayEquals(read(a), read(again), "same seed, same PNG bytes");

        Path other = tmp.resolve("other.png");
        assertEquals(0, CliRun.run("sample", "--checkpoint", save.toString(), "--count", "5", "--batch", "2", "--seed", "8",
                "--out", other.toString(), "--backend", "cpu").code());
        assertFalse(Arrays.equals(read(a), read(other)), "another seed, other samples");

        // the first batch does not depend on how many batches follow (nor on the padding of the last one)
        Path first = tmp.resolve("first.npy");
        assertEquals(0, CliRun.run("sample", "--checkpoint", save.toString(), "--count", "2", "--batch", "2", "--seed", "7",
                "--out", tmp.resolve("first.png").toString(), "--uint8", first.toString(), "--backend", "cpu").code());
        byte[] firstBytes = read(first);
        assertArrayEquals(Arrays.copyOfRange(nhwc, 0, 128), Arrays.copyOfRange(firstBytes, firstBytes.length - 128, firstBytes.length));
    }

    @Test
    void smallGridsAreEnlargedByDefault() throws IOException {
        Path one = tmp.resolve("one.png"), auto = tmp.resolve("auto.png");
        assertEquals(0, CliRun.run("sample", "--checkpoint", save.toString(), "--count", "5", "--seed", "7", "--scale", "1",
                "--out", one.toString(), "--backend", "cpu").code());
        assertEquals(0, CliRun.run("sample", "--checkpoint", save.toString(), "--count", "5", "--seed", "7",
                "--out", auto.toString(), "--backend", "cpu").code());
        BufferedImage a = ImageIO.read(one.toFile()), b = ImageIO.read(auto.toFile());
        int k = b.getWidth() / a.getWidth();
        assertEquals(20, k, "a 26-pixel grid is enlarged 20 times, to 520 pixels");
        for (int y = 0; y < b.getHeight(); y++)
            for (int x = 0; x < b.getWidth(); x++)
                assertEquals(a.getRaster().getSample(x / k, y / k, 0), b.getRaster().getSample(x, y, 0), "nearest neighbour at " + x + "," + y);
        CliRun bad = CliRun.run("sample", "--checkpoint", save.toString(), "--scale", "0", "--out", auto.toString(), "--backend", "cpu");
        assertEquals(2, bad.code());
        assertEquals("error: --scale must be auto or a whole number from 1 to 64, not '0'", bad.err().strip());
    }

    /** The test bits/dim of the last "epoch" line train wrote to metrics.jsonl. */
    private static double trainTestBits() throws IOException {
        double bits = Double.NaN;
        for (String line : Files.readAllLines(save.resolve(MetricsLog.FILE_NAME))) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            if (o.get("event").getAsString().equals("epoch")) bits = o.get("test_bits_per_dim").getAsDouble();
        }
        return bits;
    }

    @Test
    void evalReproducesTrainsTestBitsPerDim() throws IOException {
        double logged = trainTestBits();
        assertTrue(Double.isFinite(logged));
        CliRun r = CliRun.run("eval", "--checkpoint", save.toString(), "--data_dir", data.toString(), "--json", "--backend", "cpu");
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        double bits = o.get("test_bits_per_dim").getAsDouble();
        assertTrue(Double.isFinite(bits) && bits > 0, "bits/dim " + bits);
        assertEquals(logged, bits, 1e-4 * logged);
        assertEquals(6, o.get("images").getAsInt());
        assertEquals(3, o.get("step").getAsLong());
        assertEquals(save.resolve("checkpoint-3.safetensors").toString(), o.get("checkpoint").getAsString());
        // not on a terminal: one start line on stderr, nothing else (stdout keeps only the JSON)
        assertEquals("evaluating test bits/dim on the 6 mnist test images (Polyak-averaged parameters, dropout off, backend cpu)",
                r.err().strip());

        // another batch size covers every image once too: same figure up to float rounding
        CliRun odd = CliRun.run("eval", "--checkpoint", save.toString(), "--data_set", "mnist", "--data_dir", data.toString(),
                "--batch", "5", "--backend", "cpu");
        assertEquals(0, odd.code(), odd.err());
        assertTrue(odd.out().startsWith("test bits/dim "), odd.out());
        double text = Double.parseDouble(odd.out().split(" ")[2]);
        assertEquals(logged, text, 1e-4 * logged);

        CliRun raw = CliRun.run("eval", "--checkpoint", save.toString(), "--data_dir", data.toString(), "--json", "--raw", "--backend", "cpu");
        assertEquals(0, raw.code(), raw.err());
        JsonElement rawBits = JsonParser.parseString(raw.out()).getAsJsonObject().get("test_bits_per_dim");
        assertNotEquals(bits, rawBits.getAsDouble(), "--raw evaluates other parameters than the Polyak averages");
    }

    @Test
    void evalRefusesADataSetOfAnotherShape() {
        Path big = CliRun.writeMnist(tmp.resolve("mnist12"), 4, 2, 12);
        CliRun r = CliRun.run("eval", "--checkpoint", save.toString(), "--data_dir", big.toString(), "--backend", "cpu");
        r.assertOneLineError(big, "images are 12x12x1 but the model in " + save.resolve("checkpoint-3.safetensors") + " expects 8x8x1");
    }

    @Test
    void labelOnAnUnconditionalModelIsAnError() {
        CliRun r = CliRun.run("sample", "--checkpoint", save.toString(), "--label", "1", "--out", tmp.resolve("l.png").toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(List.of("error: --label: " + save.resolve("checkpoint-3.safetensors")
                + " holds an unconditional model (trained without --class_conditional)"), r.err().strip().lines().toList());
    }
}
