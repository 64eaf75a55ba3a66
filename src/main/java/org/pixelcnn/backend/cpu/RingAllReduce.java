package org.pixelcnn.backend.cpu;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Phaser;

/**
 * NCCL-style ring all-reduce of N replicas' flat gradient buffers: after it, every replica's range
 * {@code [offset, offset + length)} holds the elementwise sum over replicas, bit-identical on all of them.
 * Replaces the original {@code train.py}'s "add every GPU's gradients on /gpu:0" (ARCHITECTURE.md, one training step).
 *
 * <p>The range is cut into N contiguous chunks (chunk c = {@code [offset + c*length/N, offset + (c+1)*length/N)},
 * so chunks differ in size by at most one element and some are empty when length &lt; N). Replica r's ring
 * neighbour to the right is r + 1 (mod N).
 * <ol>
 * <li>Reduce-scatter, steps s = 0 .. N-2: replica r receives chunk {@code c = (r - 1 - s) mod N} from replica
 *     r - 1 and adds it into its own: {@code own[c] = own[c] + left[c]}. After N - 1 steps replica r holds the
 *     complete sum of chunk {@code (r + 1) mod N}, accumulated in the fixed ring order
 *     {@code ((x_c + x_{c+1}) + x_{c+2}) + ...} (replica indices mod N).</li>
 * <li>All-gather, steps s = 0 .. N-2: replica r copies chunk {@code c = (r - s) mod N} from replica r - 1.
 *     Every replica ends up with copies of the same reduced chunks, hence bitwise identical sums.</li>
 * </ol>
 * Within one step, the chunk a replica writes is never the chunk its right neighbour reads from it, so the N
 * replicas' work in one step may run concurrently; steps are separated by a barrier. The data movement is
 * a receiver "pull" from the left neighbour's buffer (all replicas share one address space here); on GPUs the
 * add is the kernel {@code allreduce_add} of {@code src/main/cuda/allreduce.cu} and the copy a device copy.
 *
 * <p>Use {@link #participate} from N replica threads that already exist (one call per thread, same buffers
 * array), or {@link #run} to have this class run the N replicas on N new threads or sequentially on the
 * calling thread; all three give the same bits.
 */
public final class RingAllReduce {
    private final int replicas;
    private final Phaser phaser;

    /**
     * @param replicas N, the number of replicas (&ge; 1)
     * @throws IllegalArgumentException when replicas &lt; 1
     */
    public RingAllReduce(int replicas) {
        if (replicas < 1) throw new IllegalArgumentException("need at least one replica, got " + replicas);
        this.replicas = replicas;
        this.phaser = new Phaser(replicas);
    }

    /** @return N */
    public int replicas() {
        return replicas;
    }

    /**
     * First element of chunk {@code c} of a range of {@code length} elements cut into {@code n} chunks,
     * relative to the range start; chunk c spans {@code [chunkStart(c), chunkStart(c + 1))}.
     *
     * @param c      chunk index in [0, n]
     * @param n      number of chunks
     * @param length elements in the range
     * @return {@code floor(c * length / n)}
     */
    public static int chunkStart(int c, int n, int length) {
        return (int) ((long) c * length / n);
    }

    /**
     * Runs all N replicas' parts of the all-reduce.
     *
     * @param buffers  the N replicas' buffers (index = replica rank), all at least {@code offset + length} long
     * @param offset   first element of the range to reduce
     * @param length   elements to reduce (0 allowed)
     * @param parallel true: one new thread per replica, synchronised per ring step; false: every step's
     *                 replica work in turn on the calling thread
     * @throws IllegalArgumentException when {@code buffers.length != N} or a buffer is too short
     * @throws IllegalStateException    when a replica thread fails or is interrupted (the buffers are then
     *                                  partly reduced)
     */
    public void run(FloatBuffer[] buffers, int offset, int length, boolean parallel) {
        check(buffers, offset, length);
        if (!parallel || replicas == 1) {
            for (int s = 0; s < replicas - 1; s++)
                for (int r = 0; r < replicas; r++) reduceScatterStep(buffers, r, s, offset, length);
            for (int s = 0; s < replicas - 1; s++)
                for (int r = 0; r < replicas; r++) allGatherStep(buffers, r, s, offset, length);
            return;
        }
        List<Thread> threads = new ArrayList<>(replicas);
        Throwable[] failures = new Throwable[replicas];
        for (int r = 0; r < replicas; r++) {
            final int rank = r;
            Thread t = new Thread(() -> {
                try {
                    participate(rank, buffers, offset, length);
                } catch (Throwable e) {
                    failures[rank] = e;
                }
            }, "ring-allreduce-" + r);
            threads.add(t);
            t.start();
        }
        boolean interrupted = false;
        for (Thread t : threads) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        Throwable first = null;
        for (Throwable f : failures) {
            if (f != null && (first == null || first instanceof AnotherReplicaFailed && !(f instanceof AnotherReplicaFailed))) first = f;
        }
        if (first != null) throw new IllegalStateException("ring all-reduce failed on a replica thread: " + first, first);
    }

    /**
     * Replica {@code rank}'s part of the all-reduce, to be called by exactly one thread per replica, all
     * with the same arguments except the rank, once EVERY replica's buffer is complete (the first step
     * reads the neighbour's buffer without waiting); returns when this replica's buffer holds the sum (other
     * replicas may still be finishing their last copy). Blocks at a barrier after each of the 2(N - 1) steps.
     *
     * @param rank    this replica, in [0, N)
     * @param buffers the N replicas' buffers
     * @param offset  first element of the range
     * @param length  elements in the range
     * @throws IllegalStateException when another replica failed, the thread was interrupted, or an earlier
     *                               all-reduce on this object failed (the object is then unusable: make a new one)
     */
    public void participate(int rank, FloatBuffer[] buffers, int offset, int length) {
        try {
            if (phaser.isTerminated()) throw new AnotherReplicaFailed();
            if (rank < 0 || rank >= replicas) throw new IllegalArgumentException("rank " + rank + " outside [0, " + replicas + ")");
            check(buffers, offset, length);
            for (int s = 0; s < replicas - 1; s++) {
                reduceScatterStep(buffers, rank, s, offset, length);
                await();
            }
            for (int s = 0; s < replicas - 1; s++) {
                allGatherStep(buffers, rank, s, offset, length);
                await();
            }
        } catch (RuntimeException | Error e) {
            phaser.forceTermination(); // releases the other replicas, which then fail with AnotherReplicaFailed
            throw e;
        }
    }

    /** Thrown by replicas released because another one failed (or an earlier all-reduce on this object did). */
    private static final class AnotherReplicaFailed extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        AnotherReplicaFailed() {
            super("ring all-reduce: another replica failed");
        }
    }

    private void await() {
        int phase = phaser.arrive();
        if (phase < 0) throw new AnotherReplicaFailed();
        try {
            if (phaser.awaitAdvanceInterruptibly(phase) < 0) throw new AnotherReplicaFailed();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("ring all-reduce interrupted", e);
        }
    }

    /** Reduce-scatter step s of replica r: own[c] += left[c], c = (r - 1 - s) mod N. */
    private void reduceScatterStep(FloatBuffer[] buffers, int r, int s, int offset, int length) {
        int left = Math.floorMod(r - 1, replicas);
        int c = Math.floorMod(r - 1 - s, replicas);
        FloatBuffer own = buffers[r], src = buffers[left];
        int end = offset + chunkStart(c + 1, replicas, length);
        for (int i = offset + chunkStart(c, replicas, length); i < end; i++) own.put(i, own.get(i) + src.get(i));
    }

    /** All-gather step s of replica r: own[c] = left[c], c = (r - s) mod N. */
    private void allGatherStep(FloatBuffer[] buffers, int r, int s, int offset, int length) {
        int left = Math.floorMod(r - 1, replicas);
        int c = Math.floorMod(r - s, replicas);
        FloatBuffer own = buffers[r], src = buffers[left];
        int begin = offset + chunkStart(c, replicas, length);
        int n = offset + chunkStart(c + 1, replicas, length) - begin;
        own.put(begin, src, begin, n);
    }

    private void check(FloatBuffer[] buffers, int offset, int length) {
        if (buffers.length != replicas) throw new IllegalArgumentException("expected " + replicas + " buffers, got " + buffers.length);
        if (offset < 0 || length < 0) throw new IllegalArgumentException("negative range [" + offset + ", +" + length + ")");
        for (int r = 0; r < replicas; r++) {
            if ((long) offset + length > buffers[r].limit())
                throw new IllegalArgumentException("replica " + r + "'s buffer (limit " + buffers[r].limit() + ") is shorter than the range end " + ((long) offset + length));
        }
    }
}
