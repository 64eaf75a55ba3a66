package org.pixelcnn.data.format;

import org.pixelcnn.data.ImageSet;
import org.pixelcnn.io.BadInputException;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX files of MNIST and Fashion-MNIST, gzipped or not (told apart by the gzip magic bytes
 * 1f 8b, not by the name). An IDX file is a 4-byte magic number {@code 00 00 08 nd} (unsigned bytes,
 * nd dimensions), nd big-endian int32 sizes, then the bytes in C order: images are
 * {@code 0x00000803} with sizes (N, H, W), labels {@code 0x00000801} with size (N).
 */
public final class IdxReader {
    /** Magic number of an IDX file of unsigned-byte images (3 dimensions). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX file of unsigned-byte labels (1 dimension). */
    public static final int LABELS_MAGIC = 0x00000801;

    private IdxReader() {
    }

    /**
     * Reads (N, H, W) uint8 images as an unlabelled set of N images of H x W x 1.
     *
     * @throws BadInputException naming the file: missing, wrong magic number, truncated, trailing bytes, corrupt gzip
     */
    public static ImageSet readImages(Path file) {
        return readImages(file, null);
    }

    /**
     * Reads (N, H, W) uint8 images as a set of N images of H x W x 1 with the given labels.
     *
     * @param labels N labels (kept by reference), or null
     * @throws BadInputException naming the file: missing, wrong magic number, truncated, trailing bytes, corrupt gzip,
     *                           or a count that differs from the number of labels
     */
    public static ImageSet readImages(Path file, int[] labels) {
        try (DataInputStream in = open(file)) {
            int[] dims = header(file, in, IMAGES_MAGIC, "images");
            int n = dims[0];
            int h = dims[1];
            int w = dims[2];
            if (h <= 0 || w <= 0) throw new BadInputException(file + ": corrupt IDX header (image size " + h + "x" + w + ")");
            if (labels != null && labels.length != n) {
                throw new BadInputException(file + ": " + n + " images but its labels file has " + labels.length + " labels");
            }
            ImageSet set = ImageSet.allocate(file.toString(), n, h, w, 1, labels);
            byte[] one = new byte[h * w];
            for (int i = 0; i < n; i++) {
                readFully(file, in, one, (long) i * one.length, (long) n * one.length);
                set.setImage(i, one, 0);
            }
            requireEnd(file, in);
            return set;
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    /**
     * Reads (N) uint8 labels.
     *
     * @throws BadInputException naming the file: missing, wrong magic number, truncated, trailing bytes, corrupt gzip
     */
    public static int[] readLabels(Path file) {
        try (DataInputStream in = open(file)) {
            int n = header(file, in, LABELS_MAGIC, "labels")[0];
            byte[] raw = new byte[n];
            readFully(file, in, raw, 0, n);
            requireEnd(file, in);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = raw[i] & 0xff;
            return labels;
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new BadInputException(file + ": missing IDX file");
        BufferedInputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        InputStream in = b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
        return new DataInputStream(in);
    }

    private static int[] header(Path file, DataInputStream in, int expectMagic, String what) throws IOException {
        int magic;
        try {
            magic = in.readInt();
        } catch (EOFException e) {
            throw new BadInputException(file + ": truncated IDX file (shorter than its 4-byte magic number)", e);
        }
        if (magic != expectMagic) {
            throw new BadInputException(String.format("%s: wrong IDX magic number 0x%08X (expected 0x%08X for uint8 %s)", file, magic, expectMagic, what));
        }
        int[] dims = new int[magic & 0xff];
        for (int d = 0; d < dims.length; d++) {
            try {
                dims[d] = in.readInt();
            } catch (EOFException e) {
                throw new BadInputException(file + ": truncated IDX file (the header ends early)", e);
            }
            if (dims[d] < 0) throw new BadInputException(file + ": corrupt IDX header (dimension " + d + " is " + dims[d] + ")");
        }
        return dims;
    }

    private static void readFully(Path file, DataInputStream in, byte[] into, long doneBefore, long total) throws IOException {
        int got = in.readNBytes(into, 0, into.length);
        if (got < into.length) {
            throw new BadInputException(file + ": truncated IDX file (" + (doneBefore + got) + " of " + total + " data bytes)");
        }
    }

    private static void requireEnd(Path file, DataInputStream in) throws IOException {
        if (in.read() >= 0) throw new BadInputException(file + ": corrupt IDX file (bytes after the end of the data its header announces)");
    }

    private static BadInputException failure(Path file, IOException e) {
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof EOFException || why.contains("end of ZLIB")) {
            return new BadInputException(file + ": truncated gzip stream (" + why + ")", e);
        }
        if (e instanceof ZipException) return new BadInputException(file + ": corrupt gzip stream (" + why + ")", e);
        return new BadInputException(file + ": cannot read (" + why + ")", e);
    }
}
