package org.pixelcnn.train;

import org.pixelcnn.backend.AdamPolyak;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Backends;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.GradientAllReduce;
import org.pixelcnn.model.Pass;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One optimiser step of data-parallel training, the body of train.py's training loop: every replica
 * loads its own {@code batch} images, runs forward in training mode (dropout keyed by seed, step and
 * replica), the discretized mixture-of-logistics loss and backward; the replicas' gradients are summed
 * by a ring all-reduce ({@link GradientAllReduce}); the summed loss and gradient must be finite; then
 * every replica applies the same Adam + Polyak update, so all replicas keep bit-identical states.
 * The trainer, {@code bench} and the GPU selftest all run their steps through this class.
 *
 * <p>Replicas are CPU threads or CUDA device contexts (see {@link Replica}); with more than one, each
 * replica's work runs on its own thread of a pool this class owns.
 */
public final class TrainStep implements AutoCloseable {
    private final List<Replica> replicas;
    private final long seed;
    private final ExecutorService pool;
    private final GradientAllReduce allReduce;
    private final Buf[] grads;
    private final double[] perReplica;

    /**
     * @param replicas the replicas, all of one backend kind and one batch size, replica r at index r
     * @param seed     the run's seed (dropout masks are keyed by seed, step and replica)
     * @throws IllegalArgumentException for no replica, or replicas of mixed backends
     */
    public TrainStep(List<Replica> replicas, long seed) {
        if (replicas.isEmpty()) throw new IllegalArgumentException("no replica");
        this.replicas = List.copyOf(replicas);
        this.seed = seed;
        int n = replicas.size();
        this.grads = new Buf[n];
        this.perReplica = new double[n];
        for (Replica r : replicas) grads[r.index] = r.model.params().grads();
        if (n > 1) {
            pool = Executors.newFixedThreadPool(n, r -> {
                Thread t = new Thread(r, "pixelcnn-replica");
                t.setDaemon(true);
                return t;
            });
            List<Backend> bes = new ArrayList<>();
            for (Replica r : replicas) bes.add(r.be);
            allReduce = Backends.allReduce(bes, replicas.get(0).model.params().total(), pool);
        } else {
            pool = null;
            allReduce = null;
        }
    }

    /** Images per step: replicas times the batch of each. */
    public int imagesPerStep() {
        return replicas.size() * replicas.get(0).model.batch;
    }

    /**
     * Runs optimiser step t: replica r trains on images [r*B, (r+1)*B) of x (NHWC floats in [-1, 1]) with
     * their labels (null for unconditional models), B the replicas' batch.
     *
     * @param t      the step, counted from 1 (dropout keys and Adam's bias correction)
     * @param s      the step's Adam + Polyak scalars ({@link AdamPolyak#scalars} at the step's learning rate)
     * @return the loss of all replicas' images, summed, in nats
     * @throws NonFiniteStep when the loss or a gradient is not finite; no parameter was changed
     */
    public double run(long t, float[] x, int[] labels, AdamPolyak.Scalars s) {
        int b = replicas.get(0).model.batch;
        if (pool == null) {
            Replica r = replicas.get(0);
            r.load(x, labels, 0);
            perReplica[0] = r.lossAndGradients(Pass.train(seed, t, 0));
        } else {
            each(r -> {
                r.load(x, labels, r.index * b);
                perReplica[r.index] = r.lossAndGradients(Pass.train(seed, t, r.index));
            });
            // every backward pass is issued (on the CPU: complete) before the all-reduce starts
            allReduce.allReduce(grads);
        }
        double nats = 0;
        for (double v : perReplica) nats += v;
        Replica r0 = replicas.get(0);
        if (!Double.isFinite(nats)) throw new NonFiniteStep(t, "the loss is " + nats);
        if (!Double.isFinite(r0.be.sumSquares(r0.model.params().grads()))) throw new NonFiniteStep(t, "a gradient is not finite");
        if (pool == null) r0.update(s);
        else each(r -> r.update(s));
        return nats;
    }

    /** A step whose loss or summed gradient is NaN or infinite: it stopped before updating the parameters. */
    public static final class NonFiniteStep extends RuntimeException {
        /** The optimiser step that failed. */
        public final long step;

        NonFiniteStep(long step, String what) {
            super("step " + step + ": " + what + "; stopped before updating the parameters");
            this.step = step;
        }
    }

    private interface ReplicaJob {
        void run(Replica r);
    }

    /** Runs job on every replica, each on its own pool thread, and waits for all; rethrows the first failure. */
    private void each(ReplicaJob job) {
        List<Future<?>> jobs = new ArrayList<>(replicas.size());
        for (Replica r : replicas) jobs.add(pool.submit(() -> {
            job.run(r);
            return null;
        }));
        for (Future<?> f : jobs) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    /** Frees the pool and the all-reduce (not the replicas: their owner closes them). */
    @Override
    public void close() {
        if (allReduce != null) allReduce.close();
        if (pool != null) pool.shutdownNow();
    }
}
