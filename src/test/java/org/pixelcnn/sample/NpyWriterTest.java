package org.pixelcnn.sample;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.data.format.NpyFormat;
import org.pixelcnn.io.BadInputException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The .npy writer: numpy's version 1.0 layout byte for byte, read back by our reader and (when installed) by numpy. */
class NpyWriterTest {
    @TempDir
    Path tmp;

    private static byte[] data(int n) {
        byte[] d = new byte[n];
        for (int i = 0; i < n; i++) d[i] = (byte) (i * 37 + 11);
        return d;
    }

    @Test
    void headerIsNumpysVersion1Layout() throws IOException {
        Path f = tmp.resolve("a.npy");
        byte[] d = data(3 * 4 * 4 * 3);
        NpyWriter.writeUint8(f, d, new long[] {3, 4, 4, 3});
        byte[] all = Files.readAllBytes(f);
        String dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (3, 4, 4, 3), }";
        // magic, version 1.0, uint16 LE header length, dict padded with spaces to 128 bytes in all, newline
        assertEquals(128 + d.length, all.length);
        assertArrayEquals(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0}, Arrays.copyOf(all, 10));
        String header = new String(all, 10, 118, StandardCharsets.ISO_8859_1);
        assertEquals(dict + " ".repeat(118 - dict.length() - 1) + "\n", header);
        assertArrayEquals(d, Arrays.copyOfRange(all, 128, all.length));
        try (InputStream in = Files.newInputStream(f)) {
            NpyFormat fmt = NpyFormat.read(in);
            assertTrue(fmt.isUint8());
            assertArrayEquals(new long[] {3, 4, 4, 3}, fmt.shape());
            assertArrayEquals(d, in.readAllBytes());
        }
    }

    @Test
    void numpyLoadsIt() throws Exception {
        Path f = tmp.resolve("b.npy");
        byte[] d = data(2 * 8 * 8);
        NpyWriter.writeUint8(f, d, new long[] {2, 8, 8, 1});
        Process p;
        try {
            p = new ProcessBuilder(List.of("python3", "-c", "import sys, numpy as np; a = np.load(sys.argv[1]);"
                    + " print(a.dtype, a.shape, int(a[1, 7, 3, 0]), int(a.sum()))", f.toString())).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "no python3");
            return;
        }
        assumeTrue(p.waitFor(60, TimeUnit.SECONDS), "python3 timed out");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assumeTrue(p.exitValue() == 0 || !out.contains("No module named"), "numpy is not installed");
        long sum = 0;
        for (byte b : d) sum += b & 0xff;
        assertEquals("uint8 (2, 8, 8, 1) " + (d[64 + 7 * 8 + 3] & 0xff) + " " + sum, out);
    }

    @Test
    void badShapeAndMissingFolder() {
        assertThrows(IllegalArgumentException.class, () -> NpyWriter.writeUint8(tmp.resolve("c.npy"), data(10), new long[] {3, 3}));
        Path f = tmp.resolve("none/c.npy");
        BadInputException e = assertThrows(BadInputException.class, () -> NpyWriter.writeUint8(f, data(4), new long[] {4}));
        assertTrue(e.getMessage().startsWith(f + ": cannot write it, folder "), e.getMessage());
    }
}
