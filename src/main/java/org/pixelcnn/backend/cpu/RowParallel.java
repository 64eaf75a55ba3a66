package org.pixelcnn.backend.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * Splits rows [0, n) into at most {@code threads} contiguous chunks and runs them on the common
 * fork-join pool, the calling thread taking the first chunk. Which thread runs a row never changes
 * what the row computes, so results do not depend on the thread count as long as every row writes
 * only its own outputs.
 */
final class RowParallel {
    /** The body of one chunk: rows [from, to). */
    interface Chunk {
        void run(int from, int to);
    }

    private RowParallel() {
    }

    /** Runs body over [0, n) with up to {@code threads} threads (1 or less: inline). */
    static void run(int n, int threads, Chunk body) {
        int parts = Math.max(1, Math.min(threads, n));
        if (parts == 1) {
            body.run(0, n);
            return;
        }
        List<ForkJoinTask<?>> forked = new ArrayList<>(parts - 1);
        for (int i = 1; i < parts; i++) {
            final int from = (int) ((long) n * i / parts), to = (int) ((long) n * (i + 1) / parts);
            forked.add(ForkJoinPool.commonPool().submit(() -> body.run(from, to)));
        }
        body.run(0, (int) ((long) n / parts));
        for (ForkJoinTask<?> t : forked) t.join();
    }
}
