package org.pixelcnn.data.sets;

import org.pixelcnn.data.Fixtures;
import org.pixelcnn.data.ImageSet;
import org.pixelcnn.data.format.NpyFormat;
import org.pixelcnn.data.format.NpzImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.io.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ImagenetDatasetTest {
    @TempDir
    Path tmp;

    private static ImageSet randomSet(int seed, int n, int side) {
        byte[] px = new byte[n * side * side * 3];
        for (int i = 0; i < px.length; i++) px[i] = Fixtures.value(seed, i, 1, 2);
        return ImageSet.wrap("fixture", px, n, side, side, 3, null);
    }

    @Test
    void npzRoundTripAndHeaderLayout() throws IOException {
        ImageSet train = randomSet(1, 5, 32);
        ImageSet test = randomSet(2, 3, 32);
        Path npz = tmp.resolve("imgnet_32x32.npz");
        Map<String, ImageSet> arrays = new LinkedHashMap<>();
        arrays.put("trainx", train);
        arrays.put("testx", test);
        NpzImages.write(npz, arrays);
        ImageSet back = NpzImages.read(npz, "trainx");
        assertEquals(5, back.count());
        assertEquals(32, back.height());
        assertEquals(3, back.channels());
        assertArrayEquals(train.copyImages(0, 5), back.copyImages(0, 5));
        assertArrayEquals(test.copyImages(0, 3), NpzImages.read(npz, "testx").copyImages(0, 3));
        byte[] header = NpyFormat.header("|u1", new long[] {5, 32, 32, 3});
        assertEquals(0, header.length % 64);
        assertEquals("{'descr': '|u1', 'fortran_order': False, 'shape': (5, 32, 32, 3), }",
                new String(header, 10, header.length - 10).trim());
    }

    @Test
    void parsesOldAndVersion2Headers() throws IOException {
        NpyFormat f = NpyFormat.parse("{'descr': '|u1', 'fortran_order': False, 'shape': (50000L, 32L, 32L, 3L), }");
        assertArrayEquals(new long[] {50000, 32, 32, 3}, f.shape());
        assertTrue(f.isUint8());
        assertFalse(f.fortran());
        NpyFormat one = NpyFormat.parse("{'descr': '<i8', 'fortran_order': True, 'shape': (7,), }");
        assertArrayEquals(new long[] {7}, one.shape());
        assertFalse(one.isUint8());
        assertTrue(one.fortran());
    }

    /** An .npz written by numpy's own np.savez, as the reference's maybe_preprocess does. */
    @Test
    void readsNpzWrittenByNumpy() {
        assumeTrue(Fixtures.numpyAvailable(), "python3 with numpy is not installed (apt-get install python3-numpy)");
        Path npz = tmp.resolve("imgnet_32x32.npz");
        String script = String.join("\n",
                "import numpy as np",
                "trainx = ((np.arange(6 * 32 * 32 * 3) * 5 + 1) % 256).astype(np.uint8).reshape(6, 32, 32, 3)",
                "testx = ((np.arange(2 * 32 * 32 * 3) * 3) % 256).astype(np.uint8).reshape(2, 32, 32, 3)",
                "np.savez('" + npz + "', trainx=trainx, testx=testx)",
                "np.savez_compressed('" + tmp.resolve("compressed.npz") + "', trainx=trainx, testx=testx)",
                "");
        assertEquals(0, Fixtures.runPython(script));
        for (Path p : new Path[] {npz, tmp.resolve("compressed.npz")}) {
            ImageSet train = NpzImages.read(p, "trainx");
            assertEquals(6, train.count());
            for (int i : new int[] {0, 1000, 6 * 3072 - 1}) assertEquals((i * 5 + 1) % 256, train.chunk(0)[i] & 0xff);
            ImageSet test = NpzImages.read(p, "testx");
            int k = 1000; // within image 1: row k / 96, column (k % 96) / 3, channel k % 3
            assertEquals((3072 + k) * 3 % 256, test.pixel(1, k / 96, (k % 96) / 3, k % 3));
            assertEquals(2 * 3072, test.copyImages(0, 2).length);
        }
        Dataset ds = Datasets.load(DatasetKind.IMAGENET, tmp, false, null);
        assertEquals(6, ds.train().count());
        assertEquals(2, ds.test().count());
        assertEquals(0, ds.numLabels());
    }

    @Test
    void readsPngFoldersInNameOrderAndCachesThemAsNpz() {
        Path root = tmp.resolve("small_imagenet");
        for (int i = 0; i < 4; i++) Fixtures.writeImage(root.resolve("train_64x64/" + (char) ('d' - i) + ".png"), Fixtures.rgbImage(10 + i, 64, 64), "png");
        for (int i = 0; i < 2; i++) Fixtures.writeImage(root.resolve("valid_64x64/v" + i + ".png"), Fixtures.rgbImage(20 + i, 64, 64), "png");
        Dataset ds = Datasets.load(DatasetKind.IMAGENET, tmp, false, null);
        assertEquals(4, ds.train().count());
        assertEquals(64, ds.height());
        assertEquals(3, ds.channels());
        assertNull(ds.train().labels());
        // a.png (seed 13) comes first
        assertEquals(Fixtures.rgbImage(13, 64, 64).getRGB(9, 4) >> 8 & 0xff, ds.train().pixel(0, 4, 9, 1));
        assertEquals(Fixtures.rgbImage(21, 64, 64).getRGB(63, 63) & 0xff, ds.test().pixel(1, 63, 63, 2));
        Path cache = root.resolve("imgnet_64x64.npz");
        assertTrue(Files.isRegularFile(cache));
        Dataset again = Datasets.load(DatasetKind.IMAGENET64, tmp, false, null);
        assertEquals(cache.toString(), again.where());
        assertArrayEquals(ds.train().copyImages(0, 4), again.train().copyImages(0, 4));
        assertArrayEquals(ds.test().copyImages(0, 2), again.test().copyImages(0, 2));
        BadInputException e = assertThrows(BadInputException.class, () -> Datasets.load(DatasetKind.IMAGENET32, tmp, false, null));
        assertTrue(e.getMessage().startsWith(tmp + ": no small ImageNet"), e.getMessage());
    }

    @Test
    void missingValidFolderIsNamed() {
        Fixtures.writeImage(tmp.resolve("train_32x32/a.png"), Fixtures.rgbImage(1, 32, 32), "png");
        BadInputException e = assertThrows(BadInputException.class, () -> Datasets.load(DatasetKind.IMAGENET, tmp, false, null));
        assertTrue(e.getMessage().startsWith(tmp.resolve("valid_32x32") + ": missing"), e.getMessage());
    }

    @Test
    void corruptAndWrongNpz() throws IOException {
        Path npz = tmp.resolve("imgnet_32x32.npz");
        NpzImages.write(npz, Map.of("trainx", randomSet(1, 3, 32), "testx", randomSet(2, 1, 32)));
        byte[] whole = Files.readAllBytes(npz);
        Fixtures.write(npz, Arrays.copyOf(whole, whole.length - 200));
        BadInputException e = assertThrows(BadInputException.class, () -> Datasets.load(DatasetKind.IMAGENET, tmp, false, null));
        assertTrue(e.getMessage().startsWith(npz + ": "), e.getMessage());

        Path other = tmp.resolve("other.npz");
        NpzImages.write(other, Map.of("x", randomSet(1, 1, 32)));
        e = assertThrows(BadInputException.class, () -> NpzImages.read(other, "trainx"));
        assertTrue(e.getMessage().startsWith(other + ": no array 'trainx'"), e.getMessage());
    }
}
