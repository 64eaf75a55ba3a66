package org.pixelcnn.data.loader;

import org.pixelcnn.data.ImageSet;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * One pass over a test split in file order, in batches of {@code batchSize} prepared on a background
 * thread. Unlike the reference (whose DataLoader drops a last partial batch) the last batch keeps the
 * remaining images, so that bits/dim is measured over the whole test set: {@code ceil(count / batchSize)}
 * batches, the last one possibly smaller. Not shuffled.
 */
public final class TestBatches implements Iterator<Batch>, AutoCloseable {
    private final Prefetcher<Batch> prefetcher;
    private final int batches;

    /**
     * Starts a pass.
     *
     * @param batchSize images per batch, positive
     * @param prefetch  batches prepared ahead, at least 1
     */
    public TestBatches(ImageSet set, int batchSize, int prefetch) {
        if (batchSize <= 0) throw new IllegalArgumentException("batch size " + batchSize);
        this.batches = (set.count() + batchSize - 1) / batchSize;
        this.prefetcher = new Prefetcher<>("pixelcnn-test-batches", batches, prefetch, k -> {
            int from = (int) k * batchSize;
            int n = Math.min(batchSize, set.count() - from);
            boolean last = k == batches - 1;
            return BatchBuilder.build(set, null, from, n, 0, k, last, new LoaderState(0, last ? 0 : k + 1));
        });
    }

    /** A pass with the default prefetch depth. */
    public TestBatches(ImageSet set, int batchSize) {
        this(set, batchSize, TrainBatches.DEFAULT_PREFETCH);
    }

    /** Number of batches in the pass, {@code ceil(count / batchSize)}. */
    public int batchCount() {
        return batches;
    }

    @Override
    public boolean hasNext() {
        return prefetcher.hasNext();
    }

    @Override
    public Batch next() {
        if (!hasNext()) throw new NoSuchElementException("the test pass is over");
        return prefetcher.take();
    }

    /** Stops the background thread (needed only when the pass is left early). */
    @Override
    public void close() {
        prefetcher.close();
    }
}
