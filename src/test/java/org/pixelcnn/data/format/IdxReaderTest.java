package org.pixelcnn.data.format;

import org.pixelcnn.data.Fixtures;
import org.pixelcnn.data.ImageSet;
import org.pixelcnn.data.sets.Dataset;
import org.pixelcnn.data.sets.MnistDataset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.io.BadInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class IdxReaderTest {
    @TempDir
    Path tmp;

    @AfterEach
    void clearSystemDir() {
        System.clearProperty(MnistDataset.FASHION_SYSTEM_PROPERTY);
    }

    private static byte[] pixels(int seed, int n, int h, int w) {
        byte[] px = new byte[n * h * w];
        for (int i = 0; i < px.length; i++) px[i] = Fixtures.value(seed, i, 0, 0);
        return px;
    }

    /** Writes the four files of an IDX data set (n train, m test, 28x28). */
    private static void writeMnist(Path dir, int n, int m, boolean gzip, String sep) {
        String gz = gzip ? ".gz" : "";
        Fixtures.writeIdx(dir.resolve("train-images" + sep + "idx3-ubyte" + gz), IdxReader.IMAGES_MAGIC, new int[] {n, 28, 28}, pixels(1, n, 28, 28), gzip);
        Fixtures.writeIdx(dir.resolve("t10k-images" + sep + "idx3-ubyte" + gz), IdxReader.IMAGES_MAGIC, new int[] {m, 28, 28}, pixels(2, m, 28, 28), gzip);
        byte[] yTrain = new byte[n];
        byte[] yTest = new byte[m];
        for (int i = 0; i < n; i++) yTrain[i] = (byte) (i % 10);
        for (int i = 0; i < m; i++) yTest[i] = (byte) ((i * 3) % 10);
        Fixtures.writeIdx(dir.resolve("train-labels" + sep + "idx1-ubyte" + gz), IdxReader.LABELS_MAGIC, new int[] {n}, yTrain, gzip);
        Fixtures.writeIdx(dir.resolve("t10k-labels" + sep + "idx1-ubyte" + gz), IdxReader.LABELS_MAGIC, new int[] {m}, yTest, gzip);
    }

    @Test
    void readsImagesAndLabelsGzippedOrNot() {
        for (boolean gzip : new boolean[] {false, true}) {
            Path f = tmp.resolve("img" + gzip);
            byte[] px = pixels(5, 3, 4, 8);
            Fixtures.writeIdx(f, IdxReader.IMAGES_MAGIC, new int[] {3, 4, 8}, px, gzip);
            ImageSet set = IdxReader.readImages(f);
            assertEquals(3, set.count());
            assertEquals(4, set.height());
            assertEquals(8, set.width());
            assertEquals(1, set.channels());
            assertArrayEquals(px, set.copyImages(0, 3));
            assertEquals(px[2 * 32 + 3 * 8 + 7] & 0xff, set.pixel(2, 3, 7, 0));
            Path l = tmp.resolve("lab" + gzip);
            Fixtures.writeIdx(l, IdxReader.LABELS_MAGIC, new int[] {3}, new byte[] {7, 0, (byte) 255}, gzip);
            assertArrayEquals(new int[] {7, 0, 255}, IdxReader.readLabels(l));
        }
    }

    @Test
    void wrongMagicNumber() {
        Path f = tmp.resolve("train-images-idx3-ubyte");
        Fixtures.writeIdx(f, IdxReader.LABELS_MAGIC, new int[] {2}, new byte[2], false);
        BadInputException e = assertThrows(BadInputException.class, () -> IdxReader.readImages(f));
        assertEquals(f + ": wrong IDX magic number 0x00000801 (expected 0x00000803 for uint8 images)", e.getMessage());
    }

    @Test
    void truncatedFilesRawAndGzipped() {
        byte[] px = pixels(1, 4, 28, 28);
        Path raw = tmp.resolve("raw");
        Fixtures.writeIdx(raw, IdxReader.IMAGES_MAGIC, new int[] {5, 28, 28}, px, false);
        BadInputException e = assertThrows(BadInputException.class, () -> IdxReader.readImages(raw));
        assertEquals(raw + ": truncated IDX file (3136 of 3920 data bytes)", e.getMessage());

        Path gz = tmp.resolve("gz");
        Fixtures.writeIdx(gz, IdxReader.IMAGES_MAGIC, new int[] {4, 28, 28}, px, true);
        byte[] whole = Fixtures.read(gz);
        Fixtures.write(gz, Arrays.copyOf(whole, whole.length - 20));
        e = assertThrows(BadInputException.class, () -> IdxReader.readImages(gz));
        assertTrue(e.getMessage().startsWith(gz + ": truncated"), e.getMessage());

        Path header = tmp.resolve("header");
        Fixtures.write(header, new byte[] {0, 0, 8, 3, 0, 0});
        e = assertThrows(BadInputException.class, () -> IdxReader.readImages(header));
        assertTrue(e.getMessage().startsWith(header + ": truncated IDX file"), e.getMessage());

        Path extra = tmp.resolve("extra");
        Fixtures.writeIdx(extra, IdxReader.LABELS_MAGIC, new int[] {2}, new byte[3], false);
        e = assertThrows(BadInputException.class, () -> IdxReader.readLabels(extra));
        assertTrue(e.getMessage().startsWith(extra + ": corrupt IDX file (bytes after"), e.getMessage());
    }

    @Test
    void mnistLayoutsAndSplits() {
        writeMnist(tmp.resolve("a"), 12, 5, true, "-");
        writeMnist(tmp.resolve("b/mnist"), 12, 5, false, ".");
        for (String d : new String[] {"a", "b"}) {
            Dataset ds = MnistDataset.load(tmp.resolve(d), false);
            assertEquals(12, ds.train().count());
            assertEquals(5, ds.test().count());
            assertEquals(10, ds.numLabels());
            assertEquals(28, ds.height());
            assertEquals(1, ds.channels());
            assertArrayEquals(pixels(2, 5, 28, 28), ds.test().copyImages(0, 5));
            assertEquals(3, ds.test().label(1));
            assertEquals(9, ds.train().label(9));
        }
    }

    @Test
    void labelCountMismatchAndMissingFile() throws Exception {
        Path dir = tmp.resolve("m");
        writeMnist(dir, 12, 5, false, "-");
        Fixtures.writeIdx(dir.resolve("t10k-labels-idx1-ubyte"), IdxReader.LABELS_MAGIC, new int[] {4}, new byte[4], false);
        BadInputException e = assertThrows(BadInputException.class, () -> MnistDataset.load(dir, false));
        assertEquals(dir.resolve("t10k-images-idx3-ubyte") + ": 5 images but its labels file has 4 labels", e.getMessage());
        Files.delete(dir.resolve("t10k-labels-idx1-ubyte"));
        e = assertThrows(BadInputException.class, () -> MnistDataset.load(dir, false));
        assertTrue(e.getMessage().startsWith(dir.resolve("t10k-labels-idx1-ubyte") + ": missing"), e.getMessage());
    }

    @Test
    void fashionUsesTheSystemFolderOnlyWithoutDataDir() {
        Path system = tmp.resolve("system");
        writeMnist(system, 10, 10, true, "-");
        System.setProperty(MnistDataset.FASHION_SYSTEM_PROPERTY, system.toString());
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        Dataset ds = MnistDataset.load(null, true, new java.io.PrintStream(log, true));
        assertEquals(system.toString(), ds.where());
        assertEquals(10, ds.train().count());
        assertTrue(log.toString().contains("note: reading Fashion-MNIST from " + system), "said where: " + log);
        assertEquals(MnistDataset.FASHION_CLASS_NAMES, ds.classNames());

        // an explicit --data_dir without the files is an error, never a silent switch to the system folder
        Path empty = tmp.resolve("empty");
        BadInputException e = assertThrows(BadInputException.class, () -> MnistDataset.load(empty, true));
        assertTrue(e.getMessage().startsWith(empty + ": no fashion-mnist IDX files"), e.getMessage());
        assertTrue(e.getMessage().contains("dataset-fashion-mnist") && e.getMessage().contains("leave out --data_dir"), e.getMessage());
    }

    /** The files Debian's dataset-fashion-mnist installs: 60000 + 10000 images of 28x28, labels 0..9, 6000 / 1000 per class. */
    @Test
    void readsDebianFashionMnist() {
        Path dir = Path.of(MnistDataset.FASHION_SYSTEM_DIR);
        assumeTrue(Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz")),
                "Debian's dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)");
        Dataset ds = MnistDataset.load(null, true);
        assertEquals(60000, ds.train().count());
        assertEquals(10000, ds.test().count());
        assertEquals(28, ds.height());
        assertEquals(28, ds.width());
        assertEquals(10, ds.numLabels());
        int[] train = new int[10];
        int[] test = new int[10];
        for (int y : ds.train().labels()) train[y]++;
        for (int y : ds.test().labels()) test[y]++;
        for (int c = 0; c < 10; c++) {
            assertEquals(6000, train[c]);
            assertEquals(1000, test[c]);
        }
        ds.requireSizeDivisibleBy4();
    }
}
