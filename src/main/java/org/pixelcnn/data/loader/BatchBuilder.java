package org.pixelcnn.data.loader;

import org.pixelcnn.data.ImageSet;
import org.pixelcnn.data.PixelScaling;

/** Gathers images of an {@link ImageSet} by index into a {@link Batch} of floats in [-1, 1] (NHWC). */
final class BatchBuilder {
    private BatchBuilder() {
    }

    /**
     * Builds the batch of images {@code order[from .. from+n)} (or {@code from .. from+n} when order is null).
     *
     * @param epoch the epoch the batch belongs to
     * @param index its index in the epoch
     * @param last  whether it ends the epoch
     * @param next  the loader state after it
     */
    static Batch build(ImageSet set, int[] order, int from, int n, long epoch, long index, boolean last, LoaderState next) {
        int per = set.imageBytes();
        float[] x = new float[Math.multiplyExact(n, per)];
        int[] labels = set.hasLabels() ? new int[n] : null;
        byte[] one = new byte[per];
        for (int j = 0; j < n; j++) {
            int i = order == null ? from + j : order[from + j];
            set.copyImage(i, one, 0);
            PixelScaling.toUnit(one, 0, x, j * per, per);
            if (labels != null) labels[j] = set.label(i);
        }
        return new Batch(x, labels, n, set.height(), set.width(), set.channels(), epoch, index, last, next);
    }
}
