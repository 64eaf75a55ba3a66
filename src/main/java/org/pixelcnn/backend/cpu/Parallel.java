package org.pixelcnn.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Splits a loop over [0, n) into contiguous chunks run on a fork-join pool. Chunks are fixed by
 * (n, grain, threads) alone, so any reduction that combines per-chunk results in chunk order is
 * deterministic.
 */
public final class Parallel {
    /** Body of a loop over [from, to). */
    @FunctionalInterface
    public interface Range {
        void run(long from, long to);
    }

    private final ForkJoinPool pool;
    private final int threads;

    /** @param threads worker threads (1 runs everything on the caller) */
    public Parallel(int threads) {
        this.threads = Math.max(1, threads);
        this.pool = this.threads > 1 ? new ForkJoinPool(this.threads) : null;
    }

    public int threads() {
        return threads;
    }

    /** Number of chunks a loop of n with this grain is cut into. */
    public int chunks(long n, long grain) {
        if (n <= 0) return 0;
        long c = Math.min(threads * 4L, (n + grain - 1) / Math.max(1, grain));
        return (int) Math.max(1, c);
    }

    /** Runs body over [0, n) in {@link #chunks} pieces; chunk k covers [k n / chunks, (k+1) n / chunks). */
    public void forRange(long n, long grain, Range body) {
        int chunks = chunks(n, grain);
        if (chunks == 0) return;
        if (chunks == 1 || pool == null) {
            body.run(0, n);
            return;
        }
        forChunks(chunks, k -> body.run(n * k / chunks, n * (k + 1) / chunks));
    }

    /** Body of chunk k of a loop: [from, to). */
    @FunctionalInterface
    public interface ChunkRange {
        void run(int chunk, long from, long to);
    }

    /**
     * As {@link #forRange}, telling the body its chunk index k in [0, {@link #maxChunks()}), so that it can use
     * per-chunk scratch memory allocated at set-up (a chunk runs on one thread at a time).
     */
    public void forChunkRanges(long n, long grain, ChunkRange body) {
        int chunks = chunks(n, grain);
        if (chunks == 0) return;
        if (chunks == 1 || pool == null) {
            body.run(0, 0, n);
            return;
        }
        forChunks(chunks, k -> body.run(k, n * k / chunks, n * (k + 1) / chunks));
    }

    /** The most chunks {@link #chunks} ever makes: 4 per thread. */
    public int maxChunks() {
        return threads * 4;
    }

    /** Runs body(k) for k in [0, chunks). */
    public void forChunks(int chunks, java.util.function.IntConsumer body) {
        if (pool == null || chunks <= 1) {
            for (int k = 0; k < chunks; k++) body.accept(k);
            return;
        }
        pool.invoke(new RecursiveAction() {
            @Override
            protected void compute() {
                RecursiveAction[] tasks = new RecursiveAction[chunks];
                for (int k = 0; k < chunks; k++) {
                    final int kk = k;
                    tasks[k] = new RecursiveAction() {
                        @Override
                        protected void compute() {
                            body.accept(kk);
                        }
                    };
                }
                invokeAll(tasks);
            }
        });
    }

    void shutdown() {
        if (pool != null) pool.shutdown();
    }
}
