package org.pixelcnn.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.data.sets.CifarDataset;
import org.pixelcnn.data.Fixtures;
import org.pixelcnn.data.format.IdxReader;
import org.pixelcnn.data.sets.MnistDataset;
import org.pixelcnn.data.PickleWriter;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataCommandTest {
    @TempDir
    Path tmp;

    @AfterEach
    void clearProperties() {
        System.clearProperty(CifarDataset.URL_PROPERTY);
        System.clearProperty(MnistDataset.FASHION_SYSTEM_PROPERTY);
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** Exit code 2 and exactly one stderr line, "error: <file>: ...", without a stack trace. */
    private static void assertOneLineError(Run r, Path file, String what) {
        assertEquals(2, r.code(), r.err());
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, r.err());
        assertTrue(lines[0].startsWith("error: " + file), lines[0]);
        assertTrue(lines[0].contains(what), lines[0]);
        assertFalse(r.err().contains("\tat "), r.err());
    }

    private Path cifarFixture(int perBatch) {
        Path data = tmp.resolve("data");
        Fixtures.writeCifarPy(data.resolve("cifar-10-python/cifar-10-batches-py"), perBatch, true);
        return data;
    }

    /** The per-channel mean and std (pixel units) of batches {@code from..to} of the CIFAR fixture, in float64. */
    private static double[][] cifarStats(int from, int to, int perBatch) {
        double[] sum = new double[3];
        double[] sq = new double[3];
        long n = 0;
        for (int b = from; b <= to; b++) {
            byte[] chw = Fixtures.cifarChw(b, perBatch);
            for (int i = 0; i < perBatch; i++) {
                for (int c = 0; c < 3; c++) for (int p = 0; p < 1024; p++) sum[c] += chw[i * 3072 + c * 1024 + p] & 0xff;
            }
            n += perBatch * 1024L;
        }
        double[] mean = {sum[0] / n, sum[1] / n, sum[2] / n};
        for (int b = from; b <= to; b++) {
            byte[] chw = Fixtures.cifarChw(b, perBatch);
            for (int i = 0; i < perBatch; i++) {
                for (int c = 0; c < 3; c++) {
                    for (int p = 0; p < 1024; p++) {
                        double d = (chw[i * 3072 + c * 1024 + p] & 0xff) - mean[c];
                        sq[c] += d * d;
                    }
                }
            }
        }
        return new double[][] {mean, {Math.sqrt(sq[0] / n), Math.sqrt(sq[1] / n), Math.sqrt(sq[2] / n)}};
    }

    private static void assertList(double[] expect, JsonArray got) {
        assertEquals(expect.length, got.size());
        for (int i = 0; i < expect.length; i++) assertEquals(expect[i], got.get(i).getAsDouble(), 1e-9);
    }

    @Test
    void jsonEndToEndOnCifar() {
        Path data = cifarFixture(2);
        Run r = run("data", "--data_set", "cifar", "--data_dir", data.toString(), "--no_download", "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(10, o.get("train_count").getAsInt());
        assertEquals(2, o.get("test_count").getAsInt());
        assertEquals(32, o.get("height").getAsInt());
        assertEquals(32, o.get("width").getAsInt());
        assertEquals(3, o.get("channels").getAsInt());
        assertEquals(10, o.get("num_labels").getAsInt());
        int[] counts = new int[10];
        for (int b = 1; b <= 5; b++) for (int y : Fixtures.cifarLabels(b, 2)) counts[y]++;
        JsonArray trainCounts = o.getAsJsonArray("train_label_counts");
        for (int c = 0; c < 10; c++) assertEquals(counts[c], trainCounts.get(c).getAsInt());
        double[][] train = cifarStats(1, 5, 2);
        double[][] test = cifarStats(0, 0, 2);
        assertList(train[0], o.getAsJsonArray("train_channel_mean"));
        assertList(train[1], o.getAsJsonArray("train_channel_std"));
        assertList(test[0], o.getAsJsonArray("test_channel_mean"));
        assertList(test[1], o.getAsJsonArray("test_channel_std"));
    }

    @Test
    void previewIsTheFirstTrainingImagesInFileOrder() throws IOException {
        Path data = cifarFixture(2);
        Path png = tmp.resolve("grid.png");
        Run r = run("data", "--data_dir", data.toString(), "--no_download", "--preview", png.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("train         10 images"), r.out());
        BufferedImage img = ImageIO.read(png.toFile());
        // 10 images: a 4 x 4 grid of 32x32 tiles with 1-pixel borders
        assertEquals(4 * 33 - 1, img.getWidth());
        assertEquals(4 * 33 - 1, img.getHeight());
        for (int k : new int[] {0, 3, 9}) {
            int batch = 1 + k / 2;
            byte[] chw = Fixtures.cifarChw(batch, 2);
            int i = k % 2;
            int y0 = (k / 4) * 33;
            int x0 = (k % 4) * 33;
            for (int y : new int[] {0, 17, 31}) {
                for (int x : new int[] {0, 5, 31}) {
                    int rgb = img.getRGB(x0 + x, y0 + y);
                    assertEquals(chw[i * 3072 + y * 32 + x] & 0xff, rgb >> 16 & 0xff);
                    assertEquals(chw[i * 3072 + 1024 + y * 32 + x] & 0xff, rgb >> 8 & 0xff);
                    assertEquals(chw[i * 3072 + 2048 + y * 32 + x] & 0xff, rgb & 0xff);
                }
            }
        }
        assertEquals(0, img.getRGB(32, 10) & 0xffffff, "border");
    }

    private Path mnistFixture(int n, boolean corruptMagic) {
        Path dir = tmp.resolve("mnist");
        byte[] px = new byte[n * 784];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i % 251);
        byte[] y = new byte[n];
        for (int i = 0; i < n; i++) y[i] = (byte) (i % 10);
        Fixtures.writeIdx(dir.resolve("train-images-idx3-ubyte.gz"), corruptMagic ? 0x00000903 : IdxReader.IMAGES_MAGIC, new int[] {n, 28, 28}, px, true);
        Fixtures.writeIdx(dir.resolve("train-labels-idx1-ubyte.gz"), IdxReader.LABELS_MAGIC, new int[] {n}, y, true);
        Fixtures.writeIdx(dir.resolve("t10k-images-idx3-ubyte"), IdxReader.IMAGES_MAGIC, new int[] {n, 28, 28}, px, false);
        Fixtures.writeIdx(dir.resolve("t10k-labels-idx1-ubyte"), IdxReader.LABELS_MAGIC, new int[] {n}, y, false);
        return dir;
    }

    @Test
    void grayPreviewAndJsonOnMnist() throws IOException {
        Path dir = mnistFixture(70, false);
        Path png = tmp.resolve("m.png");
        Run r = run("data", "--data_set", "mnist", "--data_dir", dir.toString(), "--json", "--preview", png.toString());
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(70, o.get("train_count").getAsInt());
        assertEquals(1, o.get("channels").getAsInt());
        assertEquals(64, o.get("preview_images").getAsInt());
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(8 * 29 - 1, img.getWidth());
        assertEquals(1, img.getRaster().getNumBands());
        // image 63 sits in the last tile; its pixel (27, 27) is flat index 63*784 + 27*28 + 27
        assertEquals((63 * 784 + 27 * 28 + 27) % 251, img.getRaster().getSample(7 * 29 + 27, 7 * 29 + 27, 0));
    }

    @Test
    void badCifarFilesGiveOneLineAndExitCode2() {
        Path data = cifarFixture(1);
        Path batch = data.resolve("cifar-10-python/cifar-10-batches-py/data_batch_2");
        byte[] whole = Fixtures.read(batch);
        Fixtures.write(batch, Arrays.copyOf(whole, whole.length / 2));
        assertOneLineError(run("data", "--data_dir", data.toString(), "--no_download"), batch, "truncated pickle");

        Fixtures.write(batch, new byte[] {(byte) 0x80, 2, 'z', 'z', 'z'});
        assertOneLineError(run("data", "--data_dir", data.toString(), "--no_download"), batch, "not a readable pickle");

        PickleWriter w = new PickleWriter(true);
        w.op('}').put().mark().str("weights").intList(new int[] {1, 2}).op('u');
        Fixtures.write(batch, w.finish());
        assertOneLineError(run("data", "--data_dir", data.toString(), "--no_download"), batch, "not a CIFAR-10 batch");

        Run verbose = run("data", "--data_dir", data.toString(), "--no_download", "--verbose");
        assertEquals(2, verbose.code());
        assertTrue(verbose.err().contains("\tat "), "--verbose adds the stack trace");
    }

    @Test
    void badIdxFilesGiveOneLine() {
        Path dir = mnistFixture(3, true);
        assertOneLineError(run("data", "--data_set", "mnist", "--data_dir", dir.toString()), dir.resolve("train-images-idx3-ubyte.gz"), "wrong IDX magic number");
        mnistFixture(3, false);
        Path t10k = dir.resolve("t10k-images-idx3-ubyte");
        byte[] whole = Fixtures.read(t10k);
        Fixtures.write(t10k, Arrays.copyOf(whole, whole.length - 1));
        assertOneLineError(run("data", "--data_set", "mnist", "--data_dir", dir.toString()), t10k, "truncated IDX file");
    }

    @Test
    void badFoldersGiveOneLine() throws IOException {
        Path mixed = tmp.resolve("mixed");
        Fixtures.writeImage(mixed.resolve("a.png"), Fixtures.rgbImage(1, 8, 8), "png");
        Fixtures.writeImage(mixed.resolve("b.png"), Fixtures.rgbImage(2, 12, 8), "png");
        assertOneLineError(run("data", "--data_set", "folder", "--data_dir", mixed.toString()), mixed.resolve("b.png"), "all images must have one size");

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertOneLineError(run("data", "--data_set", "folder", "--data_dir", empty.toString()), empty, "no PNG or JPEG images");

        Path corrupt = tmp.resolve("corrupt");
        Fixtures.writeImage(corrupt.resolve("a.png"), Fixtures.rgbImage(1, 8, 8), "png");
        Fixtures.write(corrupt.resolve("b.jpg"), new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 0, 1, 2});
        assertOneLineError(run("data", "--data_set", "folder", "--data_dir", corrupt.toString()), corrupt.resolve("b.jpg"), "not a readable PNG or JPEG image");

        Path npz = tmp.resolve("inet/imgnet_32x32.npz");
        Fixtures.write(npz, "PK not really a zip".getBytes());
        assertOneLineError(run("data", "--data_set", "imagenet", "--data_dir", npz.getParent().toString()), npz, "not a readable .npz");
    }

    @Test
    void missingDataDirAndUnknownDataSet() {
        Path missing = tmp.resolve("nowhere");
        assertOneLineError(run("data", "--data_set", "mnist", "--data_dir", missing.toString()), missing, "--data_dir does not exist");
        assertOneLineError(run("data", "--data_set", "cifar", "--data_dir", missing.toString(), "--no_download"), missing, "--data_dir does not exist");
        Run none = run("data", "--data_set", "folder");
        assertEquals(2, none.code());
        assertEquals("error: --data_dir is required for --data_set folder", none.err().strip());
        Run unknown = run("data", "--data_set", "svhn", "--data_dir", tmp.toString());
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().strip().startsWith("error: --data_set 'svhn': unknown data set"), unknown.err());
    }

    @Test
    void offlineDownloadSaysWhereToPutTheFiles() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        System.setProperty(CifarDataset.URL_PROPERTY, "http://127.0.0.1:" + port + "/cifar-10-python.tar.gz");
        Path data = tmp.resolve("fresh");
        Run r = run("data", "--data_set", "cifar", "--data_dir", data.toString());
        assertOneLineError(r, data.resolve("cifar-10-python/cifar-10-python.tar.gz"), "cannot download http://127.0.0.1:" + port);
        assertTrue(r.err().contains("in " + data.resolve("cifar-10-python")), r.err());
    }
}
