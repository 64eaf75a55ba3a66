package org.pixelcnn.data.format;

import org.pixelcnn.data.ImageSet;
import org.pixelcnn.io.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads one CIFAR-10 binary batch ({@code cifar-10-batches-bin/data_batch_1..5.bin},
 * {@code test_batch.bin}): records of 3073 bytes, a label byte followed by 3072 pixel bytes in CHW
 * order (red plane, green plane, blue plane; rows top to bottom). The reference reads only the
 * python batches; the binary batches hold the same images.
 */
public final class CifarBinaryBatch {
    private static final int RECORD = 1 + CifarPickleBatch.IMAGE_VALUES;

    private CifarBinaryBatch() {
    }

    /**
     * Reads a batch into N images of 32x32x3 (NHWC) with labels.
     *
     * @throws BadInputException naming the file when it is missing, unreadable, empty, or not a whole number of 3073-byte records
     */
    public static ImageSet read(Path file) {
        if (!Files.isRegularFile(file)) throw new BadInputException(file + ": missing CIFAR-10 batch file");
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (all.length == 0 || all.length % RECORD != 0) {
            throw new BadInputException(file + ": truncated or corrupt CIFAR-10 binary batch (" + all.length
                    + " bytes is not a whole number of 3073-byte records)");
        }
        int n = all.length / RECORD;
        byte[] chw = new byte[n * CifarPickleBatch.IMAGE_VALUES];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = all[i * RECORD] & 0xff;
            System.arraycopy(all, i * RECORD + 1, chw, i * CifarPickleBatch.IMAGE_VALUES, CifarPickleBatch.IMAGE_VALUES);
        }
        return ImageSet.wrap(file.toString(), CifarPickleBatch.chwToHwc(chw, n), n, CifarPickleBatch.SIDE, CifarPickleBatch.SIDE, 3, labels);
    }
}
