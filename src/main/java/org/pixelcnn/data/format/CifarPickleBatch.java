package org.pixelcnn.data.format;

import org.pixelcnn.data.ImageSet;
import net.razorvine.pickle.Unpickler;
import org.pixelcnn.io.BadInputException;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reads one CIFAR-10 python batch ({@code cifar-10-batches-py/data_batch_1..5}, {@code test_batch}):
 * a pickled dict whose {@code data} is a numpy uint8 array of shape (N, 3072), each row an image in
 * CHW order (1024 red, 1024 green, 1024 blue values, rows top to bottom), and whose {@code labels}
 * is a list of N ints.
 *
 * <p>The published files are protocol-2 pickles written by Python 2 (keys are {@code str}, the array
 * comes through {@code numpy.core.multiarray._reconstruct} and BUILD, see {@link NumpyPickleConstructors});
 * pickles written by Python 3 (string or bytes keys, any protocol) are read too. Mirrors
 * {@code unpickle()} in the reference's {@code data/cifar10_data.py}, which reshapes to (N,3,32,32),
 * followed by the loader's transpose to NHWC.
 */
public final class CifarPickleBatch {
    /** CIFAR-10 image side. */
    static final int SIDE = 32;
    /** Values per CIFAR-10 image, 3 x 32 x 32. */
    static final int IMAGE_VALUES = 3 * SIDE * SIDE;

    private CifarPickleBatch() {
    }

    /**
     * Reads a batch into N images of 32x32x3 (NHWC) with labels.
     *
     * @throws BadInputException naming the file when it is missing, truncated, not a pickle, or not a CIFAR-10 batch
     */
    public static ImageSet read(Path file) {
        NumpyPickleConstructors.register();
        if (!Files.isRegularFile(file)) throw new BadInputException(file + ": missing CIFAR-10 batch file");
        Object root;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
            Unpickler unpickler = new Unpickler();
            root = unpickler.load(in);
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (why.contains("premature end") || why.contains("expected more bytes") || e instanceof java.io.EOFException) {
                throw new BadInputException(file + ": truncated pickle (the file ends before the pickle does)", e);
            }
            throw new BadInputException(file + ": not a readable pickle (" + oneLine(why) + ")", e);
        }
        return fromPickled(file, root);
    }

    private static String oneLine(String s) {
        String t = s.replaceAll("\\s+", " ").trim();
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }

    private static ImageSet fromPickled(Path file, Object root) {
        if (!(root instanceof Map<?, ?> dict)) {
            throw new BadInputException(file + ": not a CIFAR-10 batch (the pickle holds a " + NumpyArray.describe(root) + ", not a dict)");
        }
        Object data = get(dict, "data");
        Object labels = get(dict, "labels");
        if (data == null || labels == null) {
            throw new BadInputException(file + ": not a CIFAR-10 batch (no '" + (data == null ? "data" : "labels") + "' entry; keys are " + keyNames(dict) + ")");
        }
        if (!(data instanceof NumpyArray array) || array.dtype() == null) {
            throw new BadInputException(file + ": not a CIFAR-10 batch ('data' is a " + NumpyArray.describe(data) + ", not a numpy array)");
        }
        int[] shape = array.shape();
        boolean flat = shape.length == 2 && shape[1] == IMAGE_VALUES;
        boolean chw = shape.length == 4 && shape[1] == 3 && shape[2] == SIDE && shape[3] == SIDE;
        if (!array.dtype().isUint8() || !(flat || chw)) {
            throw new BadInputException(file + ": not a CIFAR-10 batch ('data' is " + array.dtype() + " of shape " + Arrays.toString(shape)
                    + ", expected uint8 of shape (N, 3072))");
        }
        int n = shape[0];
        int[] y = toLabels(file, labels, n);
        return ImageSet.wrap(file.toString(), chwToHwc(array.data(), n), n, SIDE, SIDE, 3, y);
    }

    private static Object get(Map<?, ?> dict, String key) {
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            Object k = e.getKey();
            String name = k instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : String.valueOf(k);
            if (name.equals(key)) return e.getValue();
        }
        return null;
    }

    private static String keyNames(Map<?, ?> dict) {
        StringBuilder sb = new StringBuilder("[");
        for (Object k : dict.keySet()) {
            if (sb.length() > 1) sb.append(", ");
            sb.append(k instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : String.valueOf(k));
            if (sb.length() > 100) return sb.append(", ...]").toString();
        }
        return sb.append(']').toString();
    }

    private static int[] toLabels(Path file, Object labels, int n) {
        int[] y;
        if (labels instanceof List<?> list) {
            y = new int[list.size()];
            for (int i = 0; i < y.length; i++) {
                if (!(list.get(i) instanceof Number v)) {
                    throw new BadInputException(file + ": not a CIFAR-10 batch (label " + i + " is a " + NumpyArray.describe(list.get(i)) + ")");
                }
                y[i] = v.intValue();
            }
        } else if (labels instanceof NumpyArray a) {
            try {
                y = a.toIntArray();
            } catch (IllegalArgumentException e) {
                throw new BadInputException(file + ": not a CIFAR-10 batch ('labels' is " + e.getMessage() + ")");
            }
        } else {
            throw new BadInputException(file + ": not a CIFAR-10 batch ('labels' is a " + NumpyArray.describe(labels) + ", not a list)");
        }
        if (y.length != n) throw new BadInputException(file + ": corrupt CIFAR-10 batch (" + n + " images but " + y.length + " labels)");
        for (int i = 0; i < n; i++) {
            if (y[i] < 0 || y[i] > 255) throw new BadInputException(file + ": corrupt CIFAR-10 batch (label " + i + " is " + y[i] + ")");
        }
        return y;
    }

    /**
     * Reorders N images from CHW (the CIFAR row layout) to HWC.
     *
     * @param chw N*3*32*32 bytes; @return N*32*32*3 bytes
     */
    static byte[] chwToHwc(byte[] chw, int n) {
        int plane = SIDE * SIDE;
        byte[] out = new byte[chw.length];
        for (int i = 0; i < n; i++) {
            int base = i * IMAGE_VALUES;
            for (int c = 0; c < 3; c++) {
                int src = base + c * plane;
                for (int p = 0; p < plane; p++) out[base + p * 3 + c] = chw[src + p];
            }
        }
        return out;
    }
}
