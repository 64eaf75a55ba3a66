package org.pixelcnn.data;

import org.pixelcnn.data.loader.EpochOrder;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Writers of small data set files in their real formats, for the tests (no binary fixtures are committed). */
public final class Fixtures {
    private Fixtures() {
    }

    /** A deterministic pseudo-random byte for (a, b, c, d). */
    public static byte value(int a, int b, int c, int d) {
        long h = (((long) a * 1_000_003 + b) * 1_000_033 + c) * 1_000_037 + d;
        h = EpochOrder.mix(h);
        return (byte) h;
    }

    /** N CIFAR images in CHW rows: value(batch, i, c, y*32+x). */
    public static byte[] cifarChw(int batch, int n) {
        byte[] out = new byte[n * 3072];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < 1024; p++) out[i * 3072 + c * 1024 + p] = value(batch, i, c, p);
            }
        }
        return out;
    }

    public static int[] cifarLabels(int batch, int n) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = (batch * 3 + i) % 10;
        return y;
    }

    /** Writes data_batch_1..5 (batch ids 1..5) and test_batch (id 0) of {@code perBatch} images as Python 2 (or 3) pickles. */
    public static void writeCifarPy(Path dir, int perBatch, boolean py2) {
        for (int b = 0; b <= 5; b++) {
            byte[] pickle = PickleWriter.cifarBatch(py2, false, cifarChw(b, perBatch), perBatch, cifarLabels(b, perBatch));
            write(dir.resolve(b == 0 ? "test_batch" : "data_batch_" + b), pickle);
        }
    }

    /** Writes the binary batches data_batch_1..5.bin and test_batch.bin with the same content as {@link #writeCifarPy}. */
    public static void writeCifarBin(Path dir, int perBatch) {
        for (int b = 0; b <= 5; b++) {
            byte[] chw = cifarChw(b, perBatch);
            int[] y = cifarLabels(b, perBatch);
            byte[] out = new byte[perBatch * 3073];
            for (int i = 0; i < perBatch; i++) {
                out[i * 3073] = (byte) y[i];
                System.arraycopy(chw, i * 3072, out, i * 3073 + 1, 3072);
            }
            write(dir.resolve(b == 0 ? "test_batch.bin" : "data_batch_" + b + ".bin"), out);
        }
    }

    /** An IDX file: magic, big-endian dims, data; gzipped when asked. */
    public static void writeIdx(Path file, int magic, int[] dims, byte[] data, boolean gzip) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            for (int d : dims) out.writeInt(d);
            out.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        write(file, gzip ? gzip(bytes.toByteArray()) : bytes.toByteArray());
    }

    public static byte[] gzip(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** An RGB image whose pixel (y, x) channel c is value(seed, y, x, c). */
    public static BufferedImage rgbImage(int seed, int h, int w) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = value(seed, y, x, 0) & 0xff;
                int g = value(seed, y, x, 1) & 0xff;
                int b = value(seed, y, x, 2) & 0xff;
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    /** An 8-bit gray image whose pixel (y, x) is value(seed, y, x, 0). */
    public static BufferedImage grayImage(int seed, int h, int w) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) img.getRaster().setSample(x, y, 0, value(seed, y, x, 0) & 0xff);
        }
        return img;
    }

    public static void writeImage(Path file, BufferedImage img, String format) {
        try {
            Files.createDirectories(file.getParent());
            if (!ImageIO.write(img, format, file.toFile())) throw new IOException("no writer for " + format);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A .tar.gz of the given entries (path to content), folders implied. */
    public static byte[] tarGz(Map<String, byte[]> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GzipCompressorOutputStream(bytes);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                entry.setSize(e.getValue().length);
                tar.putArchiveEntry(entry);
                tar.write(e.getValue());
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static void write(Path file, byte[] content) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether /usr/bin/python3 can import numpy. */
    public static boolean numpyAvailable() {
        return runPython("import numpy") == 0;
    }

    /** Runs a python3 script; returns its exit code (-1 when python3 cannot be started). */
    public static int runPython(String script) {
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", script).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            int rc = p.waitFor();
            if (rc != 0 && !script.equals("import numpy")) System.err.println(new String(out));
            return rc;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
