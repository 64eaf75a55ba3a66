package org.pixelcnn.data.loader;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.LongFunction;

/**
 * Produces items {@code 0 .. count-1} in order on a background (daemon) thread, keeping at most
 * {@code depth} ready ahead of the consumer. An exception thrown by the producer is rethrown by the
 * {@link #take()} that would have returned that item.
 *
 * @param <T> the item type
 */
final class Prefetcher<T> implements AutoCloseable {
    private record Slot<T>(T item, RuntimeException error) {
    }

    private final BlockingQueue<Slot<T>> queue;
    private final Thread thread;
    private final long count;
    private long taken;

    /**
     * Starts producing.
     *
     * @param count items to produce (Long.MAX_VALUE: endless)
     * @param depth items kept ready, at least 1
     */
    Prefetcher(String name, long count, int depth, LongFunction<T> producer) {
        this.queue = new ArrayBlockingQueue<>(Math.max(1, depth));
        this.count = count;
        this.thread = new Thread(() -> {
            try {
                for (long k = 0; k < count && !Thread.currentThread().isInterrupted(); k++) {
                    Slot<T> slot;
                    try {
                        slot = new Slot<>(producer.apply(k), null);
                    } catch (RuntimeException e) {
                        slot = new Slot<>(null, e);
                    }
                    queue.put(slot);
                    if (slot.error() != null) return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Whether items remain. */
    boolean hasNext() {
        return taken < count;
    }

    /**
     * The next item, waiting for it if needed.
     *
     * @throws java.util.NoSuchElementException after the last item
     * @throws RuntimeException                 what the producer threw for this item
     */
    T take() {
        if (!hasNext()) throw new java.util.NoSuchElementException("no more items");
        Slot<T> slot;
        try {
            slot = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the next batch", e);
        }
        if (slot.error() != null) {
            taken = count;
            throw slot.error();
        }
        taken++;
        return slot.item();
    }

    /** Stops the producer thread and waits for it. */
    @Override
    public void close() {
        thread.interrupt();
        queue.clear();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
