package org.pixelcnn.backend.cpu;

import org.pixelcnn.backend.GradientAllReduce;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.pixelcnn.backend.Buf;

/**
 * The CPU {@link GradientAllReduce}: {@link RingAllReduce} over the replicas' CpuBuf float buffers, one
 * {@link RingAllReduce#participate} task per replica on the given pool (or all replicas in turn on the
 * calling thread when the pool is null). Gradients on the CPU are complete when the backward pass
 * returns, so the ring only starts after every replica's buffer is complete, as participate requires.
 */
public final class CpuGradientAllReduce implements GradientAllReduce {
    private final int replicas;
    private final ExecutorService pool;
    private RingAllReduce ring;

    /**
     * @param replicas N
     * @param pool     at least N threads (the tasks wait for each other at every ring step), or null
     */
    public CpuGradientAllReduce(int replicas, ExecutorService pool) {
        this.replicas = replicas;
        this.pool = pool;
        this.ring = new RingAllReduce(replicas);
    }

    /**
     * @throws IllegalArgumentException when grads is not N CpuBufs of one length (over 2^31 - 1 floats included)
     * @throws IllegalStateException    when a replica task fails (the ring is then replaced by a fresh one)
     */
    @Override
    public void allReduce(Buf[] grads) {
        if (grads.length != replicas) throw new IllegalArgumentException("expected " + replicas + " gradient blocks, got " + grads.length);
        FloatBuffer[] fb = new FloatBuffer[replicas];
        for (int r = 0; r < replicas; r++) {
            if (grads[r].size() != grads[0].size())
                throw new IllegalArgumentException("gradient blocks differ in length: " + grads[0].size() + " vs " + grads[r].size());
            fb[r] = CpuBuf.of(grads[r]);
        }
        int length = Math.toIntExact(grads[0].size());
        if (pool == null) {
            ring.run(fb, 0, length, false);
            return;
        }
        List<Future<?>> jobs = new ArrayList<>(replicas);
        for (int r = 0; r < replicas; r++) {
            int rank = r;
            jobs.add(pool.submit(() -> ring.participate(rank, fb, 0, length)));
        }
        RuntimeException failure = null;
        for (Future<?> f : jobs) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = new IllegalStateException("interrupted during the all-reduce", e);
            } catch (ExecutionException e) {
                if (failure == null) failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            }
        }
        if (failure != null) {
            ring = new RingAllReduce(replicas); // a failed ring stays terminated
            throw failure;
        }
    }
}
