package org.pixelcnn.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.data.format.NpyFormat;
import org.pixelcnn.io.Checkpoint;
import org.pixelcnn.io.CheckpointReader;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code import} of the PyTorch port's checkpoints and {@code score} end to end through the command
 * line, on the fixtures of src/test/resources/port (models and images made and evaluated by the
 * unmodified port, tools/peer/make_port_fixtures.py): the imported model scores every image within
 * 1e-5 relative of the port's own per-image bits/dim; the per-sub-pixel bits sum to each image's nats;
 * a folder of PNGs scores as the .npy of the same pixels; the column's mean is eval's test bits/dim;
 * the imported checkpoint resumes training; bad input is one line and exit code 2.
 */
class ImportScoreTest {
    @TempDir
    static Path tmp;
    static Path port;

    static Path fixture(String name) {
        try {
            return Path.of(ImportScoreTest.class.getResource("/port/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonObject json(String name) throws IOException {
        return JsonParser.parseString(Files.readString(fixture(name + ".json"))).getAsJsonObject();
    }

    @BeforeAll
    static void importFixtures() {
        port = fixture("rgb.pth").getParent();
        CliRun rgb = CliRun.run("import", "--from", fixture("rgb.pth").toString(), "--out", tmp.resolve("rgb").toString(), "--image_shape", "8x8x3");
        assertEquals(0, rgb.code(), rgb.err());
        assertTrue(rgb.out().contains("the port's PixelCNN with nr_resnet 2, nr_filters 8, nr_logistic_mix 3, 3 channels (270 tensors, 62,684 parameters)"), rgb.out());
        CliRun gray = CliRun.run("import", "--from", fixture("gray.pth").toString(), "--out", tmp.resolve("gray.safetensors").toString(),
                "--image_shape", "12x8x1");
        assertEquals(0, gray.code(), gray.err());
        assertTrue(gray.out().contains("nr_resnet 1, nr_filters 6, nr_logistic_mix 2, 1 channel (171 tensors"), gray.out());
    }

    @Test
    void importWritesTheCheckpointARunStartsFrom() {
        Path file = tmp.resolve("rgb").resolve("checkpoint-0.safetensors");
        try (CheckpointReader r = CheckpointReader.open(file)) {
            assertEquals(0, r.step());
            assertArrayEquals(new long[] {1, 0, 0}, r.rngState(), "seed 1, epoch 0, batch 0: train --load_params --seed 1 resumes");
            int names = 0;
            for (String name : r.parameterShapes().keySet()) {
                float[] p = r.read(Checkpoint.Group.PARAMETER, name);
                assertArrayEquals(p, r.read(Checkpoint.Group.EMA, name), name + ": Polyak average = the imported value");
                assertArrayEquals(new float[p.length], r.read(Checkpoint.Group.ADAM_M, name), name);
                assertArrayEquals(new float[p.length], r.read(Checkpoint.Group.ADAM_V, name), name);
                names++;
            }
            assertEquals(270, names, "one engine tensor per port tensor (V, g, b of 90 layers)");
        }
    }

    @Test
    void legacyFormatImportsTheSameParameters() {
        Path legacy = tmp.resolve("rgb_legacy.safetensors");
        CliRun r = CliRun.run("import", "--from", fixture("rgb_legacy.pth").toString(), "--out", legacy.toString(), "--image_shape", "8x8x3");
        assertEquals(0, r.code(), r.err());
        try (CheckpointReader a = CheckpointReader.open(tmp.resolve("rgb").resolve("checkpoint-0.safetensors")); CheckpointReader b = CheckpointReader.open(legacy)) {
            for (String name : a.parameterShapes().keySet())
                assertArrayEquals(a.read(Checkpoint.Group.PARAMETER, name), b.read(Checkpoint.Group.PARAMETER, name), name);
        }
    }

    /** Rows of a score CSV: the header, then each row's fields (no quoted fields expected). */
    static List<String[]> rows(Path csv) throws IOException {
        List<String[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(csv)) out.add(line.split(",", -1));
        return out;
    }

    static float[] npyFloats(Path p, long[] shape) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            NpyFormat f = NpyFormat.read(in);
            assertEquals("<f4", f.descr());
            assertArrayEquals(shape, f.shape());
            byte[] b = in.readAllBytes();
            float[] v = new float[b.length / 4];
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            assertEquals(f.elements(), v.length);
            return v;
        }
    }

    private static void scoresEqualThePorts(String name, Path checkpoint, int h, int w, int c) throws IOException {
        JsonObject j = json(name);
        JsonArray want = j.getAsJsonArray("bits_per_dim_per_image");
        int n = want.size(), dims = h * w * c;
        Path csv = tmp.resolve(name + ".csv"), npy = tmp.resolve(name + "_bits.npy"), png = tmp.resolve(name + "_heat.png");
        CliRun r = CliRun.run("score", "--checkpoint", checkpoint.toString(), "--images", port.resolve(name + "_images.npy").toString(),
                "--out", csv.toString(), "--per_pixel", npy.toString(), "--heatmap", png.toString(), "--batch", "2", "--backend", "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("scored " + n + " images (" + port.resolve(name + "_images.npy")), r.out());
        assertTrue(r.out().contains("wrote " + csv + ", " + npy + ", " + png), r.out());
        List<String[]> rows = rows(csv);
        assertArrayEquals(new String[] {"index", "file", "bits_per_dim", "nats"}, rows.get(0));
        assertEquals(n + 1, rows.size());
        float[] bits = npyFloats(npy, new long[] {n, h, w, c});
        double mean = 0;
        for (int i = 0; i < n; i++) {
            String[] row = rows.get(i + 1);
            assertEquals(Integer.toString(i), row[0]);
            assertEquals(name + "_images.npy[" + i + "]", row[1]);
            double b = Double.parseDouble(row[2]), nats = Double.parseDouble(row[3]);
            // the bound: the port's own per-image bits/dim within 1e-5 relative
            assertEquals(want.get(i).getAsDouble(), b, 1e-5 * want.get(i).getAsDouble(), name + " image " + i);
            // the CSV's two columns agree to the digits written (8 and 5 decimals)
            assertEquals(nats / (Math.log(2) * dims), b, 1e-7);
            // per-sub-pixel bits telescope to the image's nats: float32 terms, each within an ulp or two of
            // the float32 log-sum-exps the loss takes (MixLogisticSubpixelNllTest), summed over the image
            double sum = 0;
            for (int k = 0; k < dims; k++) sum += bits[i * dims + k];
            assertEquals(nats, sum * Math.log(2), 1e-5 * nats, name + " image " + i + ": per-sub-pixel bits sum to the image's nats");
            mean += b / n;
        }
        assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "bits/dim mean %.6f", mean)), r.out());
        BufferedImage heat = ImageIO.read(png.toFile());
        assertTrue(heat.getWidth() >= 480 && heat.getHeight() > 64, heat.getWidth() + "x" + heat.getHeight());
    }

    @Test
    void importedRgbModelScoresAsThePort() throws IOException {
        scoresEqualThePorts("rgb", tmp.resolve("rgb"), 8, 8, 3);
    }

    @Test
    void importedGrayModelScoresAsThePort() throws IOException {
        scoresEqualThePorts("gray", tmp.resolve("gray.safetensors"), 12, 8, 1);
    }

    @Test
    void aFolderOfPngsScoresAsTheNpyOfTheSamePixels() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("pngs"));
        byte[] px;
        try (InputStream in = Files.newInputStream(port.resolve("rgb_images.npy"))) {
            NpyFormat.read(in);
            px = in.readAllBytes();
        }
        String[] names = {"a.png", "b,c.png", "d.png", "e.png"};
        for (int k = 0; k < 4; k++) {
            BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++) {
                    int at = ((k * 8 + y) * 8 + x) * 3;
                    img.setRGB(x, y, ((px[at] & 0xff) << 16) | ((px[at + 1] & 0xff) << 8) | (px[at + 2] & 0xff));
                }
            ImageIO.write(img, "png", dir.resolve(names[k]).toFile());
        }
        Path fromNpy = tmp.resolve("npy.csv"), fromPngs = tmp.resolve("pngs.csv"), one = tmp.resolve("one.csv");
        assertEquals(0, CliRun.run("score", "--checkpoint", tmp.resolve("rgb").toString(), "--images", port.resolve("rgb_images.npy").toString(),
                "--out", fromNpy.toString(), "--backend", "cpu").code());
        CliRun r = CliRun.run("score", "--checkpoint", tmp.resolve("rgb").toString(), "--images", dir.toString(), "--out", fromPngs.toString(), "--backend", "cpu");
        assertEquals(0, r.code(), r.err());
        List<String> npyLines = Files.readAllLines(fromNpy), pngLines = Files.readAllLines(fromPngs);
        assertEquals("1,\"b,c.png\"," + npyLines.get(2).split(",", 3)[2], pngLines.get(2), "the name quoted, the same scores");
        for (int i = 0; i < 4; i++) assertEquals(npyLines.get(i + 1).split(",")[2], pngLines.get(i + 1).replace("\"b,c.png\"", "b").split(",")[2]);
        assertEquals(0, CliRun.run("score", "--checkpoint", tmp.resolve("rgb").toString(), "--images", dir.resolve("d.png").toString(),
                "--out", one.toString(), "--backend", "cpu").code());
        String[] single = Files.readAllLines(one).get(1).split(","), batched = npyLines.get(3).split(",");
        assertEquals("0", single[0]);
        assertEquals("d.png", single[1]);
        // batch 1 against batch 4: matrix products of other shapes, OpenBLAS sums in another order (PathTolerance)
        assertEquals(Double.parseDouble(batched[2]), Double.parseDouble(single[2]), 1e-5 * Double.parseDouble(batched[2]), "a single file");
    }

    @Test
    void scoreColumnMeanIsEvalsTestBitsPerDimAndTheImportResumesTraining() throws IOException {
        Path data = CliRun.writeMnist(tmp.resolve("mnist"), 16, 6, 8);
        Path save = tmp.resolve("gray8");
        CliRun imp = CliRun.run("import", "--from", fixture("gray.pth").toString(), "--out", save.toString(), "--image_shape", "8x8x1", "--data_set", "mnist");
        assertEquals(0, imp.code(), imp.err());
        assertTrue(imp.out().contains("train --load_params --save_dir " + save + " --nr_resnet 1 --nr_filters 6 --nr_logistic_mix 2 --data_set mnist"), imp.out());

        CliRun eval = CliRun.run("eval", "--checkpoint", save.toString(), "--data_dir", data.toString(), "--json", "--backend", "cpu");
        assertEquals(0, eval.code(), eval.err());
        double evalBits = JsonParser.parseString(eval.out()).getAsJsonObject().get("test_bits_per_dim").getAsDouble();
        Path csv = tmp.resolve("test.csv");
        CliRun score = CliRun.run("score", "--checkpoint", save.toString(), "--data_dir", data.toString(), "--out", csv.toString(), "--backend", "cpu");
        assertEquals(0, score.code(), score.err());
        List<String[]> rows = rows(csv);
        assertArrayEquals(new String[] {"index", "label", "bits_per_dim", "nats"}, rows.get(0));
        assertEquals(7, rows.size());
        double sum = 0;
        for (int i = 1; i < rows.size(); i++) {
            assertEquals(Integer.toString((i - 1) % 3), rows.get(i)[1], "the MNIST labels");
            sum += Double.parseDouble(rows.get(i)[2]);
        }
        // the same network, batches and per-image nats as eval; the CSV rounds each value to 8 decimals
        assertEquals(evalBits, sum / 6, 1e-5 * evalBits, "the column's mean is eval's test bits/dim");

        Path train = tmp.resolve("train.csv");
        CliRun trainSplit = CliRun.run("score", "--checkpoint", save.toString(), "--data_dir", data.toString(), "--split", "train",
                "--out", train.toString(), "--backend", "cpu");
        assertEquals(0, trainSplit.code(), trainSplit.err());
        assertEquals(17, Files.readAllLines(train).size());

        // an imported model (no run id) resumes with this run's own batch layout and seed: only the network must match
        CliRun resumed = CliRun.run("train", "--data_set", "mnist", "--data_dir", data.toString(), "--save_dir", save.toString(), "--load_params",
                "--nr_resnet", "1", "--nr_filters", "6", "--nr_logistic_mix", "2", "--batch_size", "4", "--init_batch_size", "4",
                "--max_steps", "2", "--backend", "cpu", "--progress", "off");
        assertEquals(0, resumed.code(), resumed.err());
        // resumed from the imported parameters, not initialised anew: two Adam steps of learning rate
        // 1e-3 move each parameter by about 1e-3 each (|m / sqrt(v)| <= 1 at these steps), while a fresh
        // data-dependent init would land elsewhere by far more
        try (CheckpointReader p0 = CheckpointReader.open(save.resolve("checkpoint-0.safetensors"));
             CheckpointReader p2 = CheckpointReader.open(save.resolve("checkpoint-2.safetensors"))) {
            assertEquals(2, p2.step());
            double moved = 0;
            for (String name : p0.parameterShapes().keySet()) {
                float[] a = p0.read(Checkpoint.Group.PARAMETER, name), b = p2.read(Checkpoint.Group.PARAMETER, name);
                for (int i = 0; i < a.length; i++) moved = Math.max(moved, Math.abs(a[i] - b[i]));
            }
            assertTrue(moved > 0 && moved < 2.5e-3, "largest change of a parameter in 2 steps: " + moved);
        }
    }

    @Test
    void badInputIsOneLineAndExitCode2() throws IOException {
        Path f64 = fixture("tiny_f64.pth");
        CliRun r = CliRun.run("import", "--from", f64.toString(), "--out", tmp.resolve("x").toString());
        r.assertOneLineError(f64, "is float64; the import needs float32");
        assertFalse(Files.exists(tmp.resolve("x").resolve("checkpoint-0.safetensors")));

        Path text = Files.writeString(tmp.resolve("notes.pth"), "not torch");
        CliRun.run("import", "--from", text.toString(), "--out", tmp.resolve("y").toString()).assertOneLineError(text, "not a PyTorch file");

        CliRun again = CliRun.run("import", "--from", fixture("rgb.pth").toString(), "--out", tmp.resolve("rgb").toString());
        assertEquals(2, again.code());
        assertTrue(again.err().startsWith("error: --out " + tmp.resolve("rgb") + ": already holds checkpoints"), again.err());

        CliRun shape = CliRun.run("import", "--from", fixture("rgb.pth").toString(), "--out", tmp.resolve("z").toString(), "--image_shape", "8x8x1");
        assertEquals(2, shape.code());
        assertTrue(shape.err().startsWith("error: --image_shape 8x8x1: " + fixture("rgb.pth") + " holds a model of 3-channel images"), shape.err());

        Path images = port.resolve("rgb_images.npy");
        CliRun size = CliRun.run("score", "--checkpoint", tmp.resolve("gray.safetensors").toString(), "--images", images.toString(),
                "--out", tmp.resolve("bad.csv").toString(), "--backend", "cpu");
        size.assertOneLineError(images, "images are 8x8x3 but the model in " + tmp.resolve("gray.safetensors") + " expects 12x8x1");
        assertFalse(Files.exists(tmp.resolve("bad.csv")));

        CliRun both = CliRun.run("score", "--checkpoint", tmp.resolve("rgb").toString(), "--images", images.toString(), "--data_set", "mnist",
                "--out", tmp.resolve("both.csv").toString());
        assertEquals(List.of("error: --images and --data_set: give one of them, not both"), both.err().strip().lines().toList());
        assertEquals(2, both.code());
    }
}
