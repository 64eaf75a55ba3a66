package org.pixelcnn.data.loader;

/**
 * Where a {@link TrainBatches} stream stands: the next batch to be delivered is batch {@code batch}
 * (0-based) of epoch {@code epoch}. Together with the seed it fixes everything that follows, so a
 * trainer saves it in its checkpoint (from {@link Batch#next()} of the last batch it used) and passes
 * it back to resume the same order.
 *
 * @param epoch 0-based epoch
 * @param batch 0-based index of the next batch within the epoch, below the batches per epoch
 */
public record LoaderState(long epoch, long batch) {
    /** The start of training: epoch 0, batch 0. */
    public static final LoaderState START = new LoaderState(0, 0);

    /** @throws IllegalArgumentException when a field is negative */
    public LoaderState {
        if (epoch < 0 || batch < 0) throw new IllegalArgumentException("loader state " + epoch + "/" + batch);
    }
}
