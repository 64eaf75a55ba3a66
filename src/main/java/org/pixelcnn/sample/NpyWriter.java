package org.pixelcnn.sample;

import org.pixelcnn.data.format.NpyFormat;
import org.pixelcnn.io.AtomicOutput;
import org.pixelcnn.io.BadInputException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes uint8 arrays as numpy {@code .npy} files (format version 1.0): the magic {@code \x93NUMPY},
 * version bytes 1 and 0, the header length (uint16 little-endian), the header dict
 * {@code {'descr': '|u1', 'fortran_order': False, 'shape': (N, H, W, C), }} padded with spaces and a
 * newline to a multiple of 64 bytes (see {@link NpyFormat#header}), then the bytes in C order.
 * {@code np.load} reads it back as the array train.py's sampler would have produced before tiling
 * (uint8 NHWC).
 */
public final class NpyWriter {
    private NpyWriter() {
    }

    /**
     * Writes a uint8 array.
     *
     * @param file  the .npy file (its folder must exist); written to a temporary file beside it, then renamed
     * @param data  the elements in C order, e.g. NHWC images
     * @param shape the array shape; its product must equal data.length
     * @throws IllegalArgumentException when the shape does not match the data
     * @throws BadInputException        naming the file when it cannot be written
     */
    public static void writeUint8(Path file, byte[] data, long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        if (n != data.length) throw new IllegalArgumentException(data.length + " bytes for an array of " + n + " elements");
        try (AtomicOutput out = AtomicOutput.open(file)) {
            out.stream().write(NpyFormat.header("|u1", shape));
            out.stream().write(data);
            out.commit();
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot write the .npy file (" + e.getMessage() + ")", e);
        }
    }
}
