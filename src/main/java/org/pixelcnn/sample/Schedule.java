package org.pixelcnn.sample;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * When the cached sampler computes which positions of which operation: each activation once, each
 * position as soon as the output needs it, in runs as long as its inputs allow.
 *
 * <p>{@link #advance}(t) makes the output's positions [0, t) final. First a demand pass, from the output
 * back to the input: an operation asked for positions [0, d) asks each input for [0, reach[d-1] + 1).
 * Then a compute pass in topological order: an operation asked for d runs from its frontier up to the end
 * of the row that holds position d-1, as far as its inputs' (just advanced) frontiers allow. So the
 * v-stream (u), whose row i reads image rows above i only, computes its whole row i for every layer at the
 * first position of row i, in one run per layer; the h-stream (ul), which reads the current row to the
 * left, advances one position per step; the half- and quarter-resolution layers advance at their own rate
 * (a half-resolution position once the full-resolution positions it reads are final, i.e. every other
 * position of every other row), as Ramachandran et al. (2017) generate at different rates. Runs longer
 * than the chunk (a prefix given to complete) are cut into chunks.
 *
 * <p>Allocation: none per step (the demand array is made once).
 */
final class Schedule {
    private final List<CachedOp> ops;
    private final CachedOp output;
    /** producer[i][k]: index in ops of the operation writing ops[i].in[k], or -1 for the sampled image x. */
    private final int[][] producer;
    private final int[] demand;
    private final int chunk;

    /**
     * @param ops   the operations in a topological order (inputs' producers first), the output's producer last
     * @param chunk the most positions one {@link CachedOp.Body#run} call gets (the scratch buffers' size)
     * @throws IllegalArgumentException when an input is written by a later operation or by none but the image
     */
    Schedule(List<CachedOp> ops, PositionCache image, int chunk) {
        this.ops = ops;
        this.output = ops.get(ops.size() - 1);
        this.chunk = chunk;
        this.demand = new int[ops.size()];
        this.producer = new int[ops.size()][];
        Map<PositionCache, Integer> writer = new IdentityHashMap<>();
        for (int i = 0; i < ops.size(); i++) {
            CachedOp op = ops.get(i);
            producer[i] = new int[op.in.length];
            for (int k = 0; k < op.in.length; k++) {
                Integer w = writer.get(op.in[k]);
                if (w == null && op.in[k] != image)
                    throw new IllegalArgumentException(op.name + " reads " + op.in[k].name + ", which no earlier operation writes");
                producer[i][k] = w == null ? -1 : w;
            }
            if (writer.put(op.out, i) != null) throw new IllegalArgumentException(op.out.name + " is written twice");
        }
    }

    /** Forgets every operation's output (frontiers and counts to 0): a new batch starts. */
    void reset() {
        for (CachedOp op : ops) {
            op.out.done = 0;
            op.computed = 0;
        }
    }

    /**
     * Computes what the output's positions [0, target) need and have not got yet.
     *
     * @throws IllegalStateException if they need image positions that are not final (a network that is not
     *                               causal, or a target past the sampled positions)
     */
    void advance(int target) {
        int m = ops.size();
        for (int i = 0; i < m; i++) demand[i] = ops.get(i).out.done;
        demand[m - 1] = Math.max(demand[m - 1], target);
        for (int i = m - 1; i >= 0; i--) {
            CachedOp op = ops.get(i);
            int d = demand[i];
            if (d <= op.out.done) continue;
            for (int k = 0; k < op.in.length; k++) {
                int need = op.reach[k][d - 1] + 1;
                int p = producer[i][k];
                if (p >= 0) demand[p] = Math.max(demand[p], need);
                else if (need > op.in[k].done)
                    throw new IllegalStateException(op.name + " position " + (d - 1) + " needs image position " + (need - 1)
                            + ", only [0, " + op.in[k].done + ") is sampled");
            }
        }
        for (int i = 0; i < m; i++) {
            CachedOp op = ops.get(i);
            int from = op.out.done, d = demand[i];
            if (d <= from) continue;
            int rowEnd = ((d - 1) / op.out.w + 1) * op.out.w;
            int to = from;
            while (to < rowEnd && op.readable(to)) to++;
            if (to < d) throw new IllegalStateException(op.name + ": position " + to + " is needed but its inputs are not final");
            for (int p0 = from; p0 < to; p0 += chunk) op.body.run(p0, Math.min(chunk, to - p0));
            op.computed += to - from;
            op.out.done = to;
        }
    }

    /** The operation whose output is the network's output. */
    CachedOp output() {
        return output;
    }

    List<CachedOp> ops() {
        return ops;
    }
}
