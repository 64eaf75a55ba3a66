package org.pixelcnn.data.format;

import org.pixelcnn.data.Fixtures;
import org.pixelcnn.data.ImageSet;
import org.pixelcnn.data.PickleWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.io.BadInputException;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CifarPickleBatchTest {
    @TempDir
    Path tmp;

    /** Every pixel of the NHWC result equals the CHW source value at (c, y, x). */
    private static void assertSameImages(byte[] chw, int n, ImageSet set) {
        assertEquals(n, set.count());
        assertEquals(32, set.height());
        assertEquals(32, set.width());
        assertEquals(3, set.channels());
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        assertEquals(chw[i * 3072 + c * 1024 + y * 32 + x] & 0xff, set.pixel(i, y, x, c), "image " + i + " c" + c + " y" + y + " x" + x);
                    }
                }
            }
        }
    }

    @Test
    void readsPython2Protocol2Batch() {
        int n = 7;
        byte[] chw = Fixtures.cifarChw(3, n);
        int[] labels = Fixtures.cifarLabels(3, n);
        Path f = tmp.resolve("data_batch_3");
        Fixtures.write(f, PickleWriter.cifarBatch(true, false, chw, n, labels));
        ImageSet set = CifarPickleBatch.read(f);
        assertSameImages(chw, n, set);
        assertArrayEquals(labels, set.labels());
    }

    @Test
    void readsPython3PicklesWithStringOrBytesKeys() {
        int n = 3;
        byte[] chw = Fixtures.cifarChw(9, n);
        int[] labels = {9, 0, 4};
        for (boolean bytesKeys : new boolean[] {false, true}) {
            Path f = tmp.resolve("py3_" + bytesKeys);
            Fixtures.write(f, PickleWriter.cifarBatch(false, bytesKeys, chw, n, labels));
            ImageSet set = CifarPickleBatch.read(f);
            assertSameImages(chw, n, set);
            assertArrayEquals(labels, set.labels());
        }
    }

    @Test
    void readsBatchOfMoreThan1000LabelsInSeveralAppends() {
        int n = 1203;
        byte[] chw = new byte[n * 3072];
        for (int i = 0; i < chw.length; i++) chw[i] = (byte) (i * 31 + i / 3072);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = (i * 7) % 10;
        Path f = tmp.resolve("big");
        Fixtures.write(f, PickleWriter.cifarBatch(true, false, chw, n, labels));
        ImageSet set = CifarPickleBatch.read(f);
        assertArrayEquals(labels, set.labels());
        assertEquals(chw[1202 * 3072 + 2 * 1024 + 31 * 32 + 5] & 0xff, set.pixel(1202, 31, 5, 2));
    }

    /** Pickles written by real numpy (protocols 2, 4, 5; bytes keys; a Fortran-ordered array; labels as a numpy array). */
    @Test
    void readsPicklesWrittenByNumpy() {
        assumeTrue(Fixtures.numpyAvailable(), "python3 with numpy is not installed (apt-get install python3-numpy)");
        String script = String.join("\n",
                "import numpy as np, pickle",
                "n = 4",
                "d = ((np.arange(n * 3072).reshape(n, 3072) * 7 + 3) % 256).astype(np.uint8)",
                "labels = [int(v) for v in (np.arange(n) * 3 % 10)]",
                "base = '" + tmp + "/np_'",
                "for p in (2, 4, 5):",
                "    pickle.dump({'data': d, 'labels': labels}, open(base + 'p%d' % p, 'wb'), protocol=p)",
                "pickle.dump({b'data': d, b'labels': labels, b'batch_label': b'x'}, open(base + 'bytes', 'wb'), protocol=2)",
                "pickle.dump({'data': np.asfortranarray(d), 'labels': np.array(labels, dtype=np.int64)}, open(base + 'fortran', 'wb'), protocol=2)",
                "");
        assertEquals(0, Fixtures.runPython(script));
        byte[] chw = new byte[4 * 3072];
        for (int i = 0; i < chw.length; i++) chw[i] = (byte) ((i * 7 + 3) % 256);
        int[] labels = {0, 3, 6, 9};
        for (String name : new String[] {"p2", "p4", "p5", "bytes", "fortran"}) {
            ImageSet set = CifarPickleBatch.read(tmp.resolve("np_" + name));
            assertSameImages(chw, 4, set);
            assertArrayEquals(labels, set.labels(), name);
        }
    }

    @Test
    void truncatedPickleNamesTheFile() {
        byte[] good = PickleWriter.cifarBatch(true, false, Fixtures.cifarChw(1, 2), 2, new int[] {1, 2});
        Path f = tmp.resolve("data_batch_1");
        Fixtures.write(f, Arrays.copyOf(good, good.length - 3000));
        BadInputException e = assertThrows(BadInputException.class, () -> CifarPickleBatch.read(f));
        assertTrue(e.getMessage().startsWith(f + ": truncated pickle"), e.getMessage());
    }

    @Test
    void garbageIsNotAPickle() {
        Path f = tmp.resolve("test_batch");
        Fixtures.write(f, "<html>not found</html>".getBytes());
        BadInputException e = assertThrows(BadInputException.class, () -> CifarPickleBatch.read(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("pickle"), e.getMessage());
    }

    @Test
    void pickleThatIsNotACifarBatch() {
        // a dict without 'data'
        PickleWriter w = new PickleWriter(true);
        w.op('}').put().mark().str("labels").intList(new int[] {1}).str("names").str("x").op('u');
        Path noData = tmp.resolve("no_data");
        Fixtures.write(noData, w.finish());
        BadInputException e = assertThrows(BadInputException.class, () -> CifarPickleBatch.read(noData));
        assertTrue(e.getMessage().startsWith(noData + ": not a CIFAR-10 batch (no 'data'"), e.getMessage());

        // a list at the top
        Path list = tmp.resolve("list");
        Fixtures.write(list, new PickleWriter(false).intList(new int[] {1, 2}).finish());
        e = assertThrows(BadInputException.class, () -> CifarPickleBatch.read(list));
        assertTrue(e.getMessage().startsWith(list + ": not a CIFAR-10 batch"), e.getMessage());

        // data of the wrong shape
        PickleWriter s = new PickleWriter(true);
        s.op('}').put().mark().str("labels").intList(new int[] {1}).str("data").uint8Array(new int[] {1, 100}, new byte[100]).op('u');
        Path shape = tmp.resolve("shape");
        Fixtures.write(shape, s.finish());
        e = assertThrows(BadInputException.class, () -> CifarPickleBatch.read(shape));
        assertTrue(e.getMessage().startsWith(shape + ": not a CIFAR-10 batch ('data' is |u1 of shape [1, 100]"), e.getMessage());

        // more labels than images
        Path count = tmp.resolve("count");
        Fixtures.write(count, PickleWriter.cifarBatch(true, false, Fixtures.cifarChw(1, 2), 2, new int[] {1, 2, 3}));
        e = assertThrows(BadInputException.class, () -> CifarPickleBatch.read(count));
        assertTrue(e.getMessage().contains("2 images but 3 labels"), e.getMessage());
    }

    @Test
    void binaryBatchMatchesPythonBatch() {
        Fixtures.writeCifarBin(tmp, 5);
        Fixtures.writeCifarPy(tmp, 5, true);
        ImageSet bin = CifarBinaryBatch.read(tmp.resolve("data_batch_2.bin"));
        ImageSet py = CifarPickleBatch.read(tmp.resolve("data_batch_2"));
        assertArrayEquals(py.copyImages(0, 5), bin.copyImages(0, 5));
        assertArrayEquals(py.labels(), bin.labels());
        assertSameImages(Fixtures.cifarChw(2, 5), 5, bin);

        Path cut = tmp.resolve("cut.bin");
        byte[] whole = Fixtures.read(tmp.resolve("test_batch.bin"));
        Fixtures.write(cut, Arrays.copyOf(whole, whole.length - 10));
        BadInputException e = assertThrows(BadInputException.class, () -> CifarBinaryBatch.read(cut));
        assertTrue(e.getMessage().startsWith(cut + ": truncated or corrupt CIFAR-10 binary batch"), e.getMessage());
    }
}
