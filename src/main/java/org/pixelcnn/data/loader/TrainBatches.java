package org.pixelcnn.data.loader;

import org.pixelcnn.data.ImageSet;
import org.pixelcnn.io.BadInputException;

/**
 * The training stream: shuffled, full-size batches, epoch after epoch, prepared on a background
 * thread. Each epoch visits the images in the order {@link EpochOrder#permutation} gives for
 * (seed, epoch) and yields {@code count / batchSize} batches; the images left over at the end of
 * an epoch are skipped, as the reference's DataLoader raises StopIteration when fewer than a batch
 * remain (data/cifar10_data.py {@code __next__}). Same seed and same start state, same batches.
 *
 * <p>Resuming: every {@link Batch} carries {@link Batch#next()}; a stream started from that state
 * continues exactly after that batch.
 */
public final class TrainBatches implements AutoCloseable {
    /** Batches prepared ahead of the trainer. */
    public static final int DEFAULT_PREFETCH = 3;

    private final ImageSet set;
    private final int batchSize;
    private final long seed;
    private final int batchesPerEpoch;
    private final Prefetcher<Batch> prefetcher;
    private long cachedEpoch = Long.MIN_VALUE;
    private int[] cachedOrder;

    /**
     * Starts a stream.
     *
     * @param batchSize images per batch (the reference's {@code batch_size * nr_gpu})
     * @param seed      the shuffling seed ({@code --seed})
     * @param from      where to start ({@link LoaderState#START}, or a saved state)
     * @param prefetch  batches prepared ahead, at least 1
     * @throws BadInputException        when the split holds fewer images than one batch
     * @throws IllegalArgumentException when batchSize is not positive or {@code from.batch} is not below the batches per epoch
     */
    public TrainBatches(ImageSet set, int batchSize, long seed, LoaderState from, int prefetch) {
        if (batchSize <= 0) throw new IllegalArgumentException("batch size " + batchSize);
        if (set.count() < batchSize) {
            throw new BadInputException(set.source() + ": the training split has " + set.count() + " images, fewer than one batch of " + batchSize);
        }
        this.set = set;
        this.batchSize = batchSize;
        this.seed = seed;
        this.batchesPerEpoch = set.count() / batchSize;
        if (from.batch() >= batchesPerEpoch) throw new IllegalArgumentException("batch " + from.batch() + " of an epoch of " + batchesPerEpoch);
        long first = from.epoch() * batchesPerEpoch + from.batch();
        this.prefetcher = new Prefetcher<>("pixelcnn-train-batches", Long.MAX_VALUE, prefetch, k -> produce(first + k));
    }

    /** A stream from the start with the default prefetch depth. */
    public TrainBatches(ImageSet set, int batchSize, long seed) {
        this(set, batchSize, seed, LoaderState.START, DEFAULT_PREFETCH);
    }

    /** Full batches per epoch, {@code count / batchSize}. */
    public int batchesPerEpoch() {
        return batchesPerEpoch;
    }

    /** The next batch (waits for the background thread when it is behind); never ends. */
    public Batch next() {
        return prefetcher.take();
    }

    /** Runs on the prefetch thread only: batch number {@code g} counted from epoch 0 batch 0. */
    private Batch produce(long g) {
        long epoch = g / batchesPerEpoch;
        int index = (int) (g % batchesPerEpoch);
        if (epoch != cachedEpoch) {
            cachedOrder = EpochOrder.permutation(seed, epoch, set.count());
            cachedEpoch = epoch;
        }
        boolean last = index == batchesPerEpoch - 1;
        LoaderState next = last ? new LoaderState(epoch + 1, 0) : new LoaderState(epoch, index + 1);
        return BatchBuilder.build(set, cachedOrder, index * batchSize, batchSize, epoch, index, last, next);
    }

    /**
     * The data-dependent initialisation batch: the first {@code n} images of a shuffled order of its own
     * (independent of every training epoch's order), as train.py takes {@code train_data.next(init_batch_size)}
     * before training and then resets the loader.
     *
     * @throws BadInputException when the split has fewer than n images
     */
    public static Batch initBatch(ImageSet set, int n, long seed) {
        if (n <= 0 || n > set.count()) {
            throw new BadInputException(set.source() + ": an init batch of " + n + " images from a split of " + set.count());
        }
        int[] order = EpochOrder.permutation(seed, EpochOrder.INIT_EPOCH, set.count());
        return BatchBuilder.build(set, order, 0, n, 0, 0, true, LoaderState.START);
    }

    /** Stops the background thread. */
    @Override
    public void close() {
        prefetcher.close();
    }
}
