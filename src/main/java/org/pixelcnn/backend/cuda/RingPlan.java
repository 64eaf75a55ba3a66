package org.pixelcnn.backend.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * The schedule of the device ring all-reduce of N replicas, as pure data (no CUDA): which chunk each
 * replica receives from its left neighbour at each step, on which of its two streams, into which
 * scratch slot, and which CUDA events order it. {@link CudaRingAllReduce} issues the operations in list
 * order; tests run the same list on a CPU emulation of streams and events.
 *
 * <p>The chunking and the arithmetic are those of {@link org.pixelcnn.backend.cpu.RingAllReduce} (so the
 * device result is bit-for-bit the CPU ring's): the flat range of {@code length} floats is cut into N
 * chunks, chunk c = {@code [c*length/N, (c+1)*length/N)}; replica r's left neighbour is l = r - 1 mod N.
 * <ol>
 * <li>Reduce-scatter, steps s = 0 .. N-2: replica r copies chunk {@code c = (r-1-s) mod N} of l's buffer
 *     into its receive scratch (slot s mod 2, on its COPY stream), then adds it into its own chunk c
 *     (kernel allreduce_add, on its COMPUTE stream, the backend's own stream).</li>
 * <li>All-gather, steps s = 0 .. N-2: replica r copies the reduced chunk {@code c = (r-s) mod N} of l's
 *     buffer over its own chunk c (COPY stream).</li>
 * </ol>
 * Ordering, by events (one per replica, kind and step; the record of each is issued before any wait on
 * it): GRAD(r) recorded on r's COMPUTE stream at the start (its gradient is complete); a reduce-scatter
 * copy at step s waits for GRAD(l) and GRAD(r) (s = 0) or for l's add of step s-1 (the chunk it reads was
 * last written there) and for r's add of step s-2 (the last reader of the scratch slot); the add waits for
 * its copy; the first all-gather copy waits for the last adds of l and r, the later ones for l's previous
 * gather; at the end r's COMPUTE stream waits for its own last gather and for its right neighbour's last
 * gather (the last read of r's buffer), so whatever r does next (the optimiser step, the next backward)
 * is ordered after the all-reduce. The double-buffered scratch lets the copy of step s+1 run while the
 * add of step s does.
 */
public final class RingPlan {
    /** A replica's two streams: COMPUTE is the backend's stream (adds), COPY a second one (copies). */
    public enum Lane { COMPUTE, COPY }

    /** What an operation does; NONE only records or waits for events. */
    public enum Kind {
        /** scratch[replica][slot] = buffer[from][chunk] */
        COPY_TO_SCRATCH,
        /** buffer[replica][chunk] += scratch[replica][slot] */
        ADD_SCRATCH,
        /** buffer[replica][chunk] = buffer[from][chunk] */
        COPY_TO_OWN,
        NONE
    }

    /**
     * One operation, issued on {@code lane} of {@code replica}: first waits for the events {@code waits},
     * then does its work, then records event {@code records} (-1: none).
     *
     * @param step  ring step (reduce-scatter 0..N-2, all-gather 0..N-2; -1 for the start and end marks)
     * @param chunk the chunk read and written (-1 for NONE)
     * @param from  the replica read from (COPY kinds), else -1
     * @param slot  the scratch slot (0 or 1) for COPY_TO_SCRATCH and ADD_SCRATCH, else -1
     */
    public record Op(int replica, Lane lane, Kind kind, int step, int chunk, int from, int slot, int[] waits, int records) {
    }

    private final int n;
    private final List<Op> ops = new ArrayList<>();

    private RingPlan(int n) {
        this.n = n;
    }

    /**
     * The plan for N replicas (N = 1: no operations, the sum is the buffer itself).
     *
     * @throws IllegalArgumentException when replicas &lt; 1
     */
    public static RingPlan of(int replicas) {
        if (replicas < 1) throw new IllegalArgumentException("need at least one replica, got " + replicas);
        RingPlan p = new RingPlan(replicas);
        if (replicas > 1) p.build();
        return p;
    }

    /** N. */
    public int replicas() {
        return n;
    }

    /** The operations in issue order. */
    public List<Op> ops() {
        return List.copyOf(ops);
    }

    /** Number of distinct events the plan uses (ids 0 .. eventCount()-1). */
    public int eventCount() {
        return n + 3 * n * (n - 1);
    }

    /** The event recorded when replica r's gradient is complete (its COMPUTE stream at the start). */
    int grad(int r) {
        return r;
    }

    /** Recorded on r's COPY stream after the reduce-scatter copy of step s. */
    int received(int r, int s) {
        return n + (r * (n - 1) + s);
    }

    /** Recorded on r's COMPUTE stream after the add of step s. */
    int added(int r, int s) {
        return n + n * (n - 1) + (r * (n - 1) + s);
    }

    /** Recorded on r's COPY stream after the all-gather copy of step s. */
    int gathered(int r, int s) {
        return n + 2 * n * (n - 1) + (r * (n - 1) + s);
    }

    /** The replica whose stream records event e (events are created on that replica's GPU). */
    public int recorder(int e) {
        if (e < n) return e;
        return ((e - n) % (n * (n - 1))) / (n - 1);
    }

    private int left(int r) {
        return Math.floorMod(r - 1, n);
    }

    private void build() {
        int last = n - 2;
        for (int r = 0; r < n; r++) ops.add(new Op(r, Lane.COMPUTE, Kind.NONE, -1, -1, -1, -1, new int[0], grad(r)));
        for (int s = 0; s <= last; s++) {
            for (int r = 0; r < n; r++) {
                int l = left(r);
                int[] waits = s == 0 ? new int[]{grad(l), grad(r)} : s == 1 ? new int[]{added(l, s - 1)} : new int[]{added(l, s - 1), added(r, s - 2)};
                ops.add(new Op(r, Lane.COPY, Kind.COPY_TO_SCRATCH, s, Math.floorMod(r - 1 - s, n), l, s % 2, waits, received(r, s)));
            }
            for (int r = 0; r < n; r++)
                ops.add(new Op(r, Lane.COMPUTE, Kind.ADD_SCRATCH, s, Math.floorMod(r - 1 - s, n), -1, s % 2, new int[]{received(r, s)}, added(r, s)));
        }
        for (int s = 0; s <= last; s++)
            for (int r = 0; r < n; r++) {
                int l = left(r);
                int[] waits = s == 0 ? new int[]{added(l, last), added(r, last)} : new int[]{gathered(l, s - 1)};
                ops.add(new Op(r, Lane.COPY, Kind.COPY_TO_OWN, s, Math.floorMod(r - s, n), l, -1, waits, gathered(r, s)));
            }
        for (int r = 0; r < n; r++)
            ops.add(new Op(r, Lane.COMPUTE, Kind.NONE, -1, -1, -1, -1, new int[]{gathered(r, last), gathered((r + 1) % n, last)}, -1));
    }

    /**
     * First element of chunk c of a range of {@code length} floats cut into n chunks:
     * {@code floor(c * length / n)}, as {@link org.pixelcnn.backend.cpu.RingAllReduce#chunkStart} (in long).
     */
    public static long chunkStart(int c, int n, long length) {
        return Math.multiplyExact((long) c, length) / n;
    }

    /** The largest chunk of a range of {@code length} floats over n replicas, in floats. */
    public static long maxChunk(int n, long length) {
        long m = 0;
        for (int c = 0; c < n; c++) m = Math.max(m, chunkStart(c + 1, n, length) - chunkStart(c, n, length));
        return m;
    }
}
