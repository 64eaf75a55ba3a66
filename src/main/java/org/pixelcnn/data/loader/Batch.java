package org.pixelcnn.data.loader;

/**
 * One batch of images for the network.
 *
 * @param x           {@code size * height * width * channels} floats, NHWC, each {@code (p - 127.5) / 127.5} in [-1, 1]
 * @param labels      {@code size} labels, or null when the data set has none
 * @param size        images in the batch (N); the last test batch may be smaller than the batch size
 * @param height      H
 * @param width       W
 * @param channels    C (1 or 3)
 * @param epoch       the epoch it belongs to (0-based; 0 for test batches)
 * @param index       its 0-based index within the epoch (or the test pass)
 * @param lastOfEpoch whether it ends the epoch (or the test pass)
 * @param next        the loader state right after this batch: save it to resume after this batch
 */
public record Batch(float[] x, int[] labels, int size, int height, int width, int channels,
                    long epoch, long index, boolean lastOfEpoch, LoaderState next) {

    /** Floats per image, H*W*C. */
    public int imageSize() {
        return height * width * channels;
    }
}
