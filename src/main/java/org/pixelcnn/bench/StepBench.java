package org.pixelcnn.bench;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.model.ModelStats;

import java.util.Arrays;
import java.util.Map;

/**
 * Times what the peer's benchmark times: one training step (upload, forward, loss, backward, finiteness
 * check, Adam + Polyak; {@link StepRig#trainStep}) on a random batch, median over steps after warm-up;
 * one full-network sampling step (eval forward pass plus the mixture sample at one position;
 * {@link StepRig#sampleStep}). And the two samplers for the same model and batch: the cached sampler,
 * median over whole batches ({@link StepRig#sampleBatchCached}: every position of every image), and the
 * naive sampler, whose positions of rows [4k, 4k+4) run a network cropped to the top 4(k+1) rows: per band
 * of rows the median position time times the band's positions, summed over the bands (the time of a
 * whole naive batch without running all H*W positions). Every timed unit ends with
 * {@link Backend#synchronize}, so GPU work is inside the unit that queued it.
 */
public final class StepBench {
    /**
     * Medians in seconds over {@code steps} timed steps after {@code warmup} untimed ones.
     *
     * @param backend           the backend's name ("cpu", "cuda:0")
     * @param params            parameters of the model
     * @param forwardFlops      forward FLOPs per image ({@link ModelStats#forwardFlops})
     * @param trainStepSeconds  median training step
     * @param forwardSeconds    median eval forward pass (part of the sampling step)
     * @param sampleStepSeconds median sampling step of the full network (forward + sample of one position)
     * @param cachedBatchSeconds median time of a whole batch with the cached sampler
     * @param naiveBatchSeconds time of a whole batch with the naive sampler (sum over bands of rows of the
     *                          median position time times the band's positions)
     * @param samplerBatches    batches the cached median is over (and positions per band for the naive one)
     * @param trainProfile      with profiling: operation to {ms per step, calls per step} of a training step; else null
     * @param sampleProfile     the same for a full-network sampling step; else null
     * @param cachedProfile     the same for one cached batch (ms and calls per batch); else null
     */
    public record Result(BenchConfig config, String backend, long params, long forwardFlops, double trainStepSeconds,
                         double forwardSeconds, double sampleStepSeconds, double cachedBatchSeconds, double naiveBatchSeconds,
                         int samplerBatches, int steps, int warmup,
                         Map<String, double[]> trainProfile, Map<String, double[]> sampleProfile, Map<String, double[]> cachedProfile) {
        public double trainImagesPerSecond() {
            return config.batch() / trainStepSeconds;
        }

        /** Images per second of the cached sampler (the default of {@code sample}). */
        public double sampleImagesPerSecond() {
            return config.batch() / cachedBatchSeconds;
        }

        /** Images per second of the naive sampler (the network once per position, cropped to the rows above). */
        public double sampleNaiveImagesPerSecond() {
            return config.batch() / naiveBatchSeconds;
        }

        /** Images per second if every position ran the full network (H*W full-network sampling steps per batch). */
        public double sampleFullNetworkImagesPerSecond() {
            return config.batch() / (sampleStepSeconds * config.model().height() * config.model().width());
        }

        /** Achieved training FLOP/s counting forward + backward as 3x the forward FLOPs. */
        public double trainFlops() {
            return 3.0 * forwardFlops * config.batch() / trainStepSeconds;
        }

        /** Achieved FLOP/s of the eval forward pass. */
        public double forwardFlopsPerSecond() {
            return (double) forwardFlops * config.batch() / forwardSeconds;
        }
    }

    /** Steps run (after the timed ones) to fill the per-operation tables with {@code --profile}. */
    static final int PROFILE_STEPS = 2;

    private StepBench() {}

    /** As {@link #run(Backend, BenchConfig, int, int, boolean)} without profiling. */
    public static Result run(Backend be, BenchConfig bc, int warmup, int steps) {
        return run(be, bc, warmup, steps, false);
    }

    /**
     * Builds a {@link StepRig} on be and times it.
     *
     * @param warmup  untimed steps first (at least 0)
     * @param steps   timed steps (at least 1)
     * @param profile also run {@value #PROFILE_STEPS} training and sampling steps through an {@link OpTimer}
     *                (after the timed ones, so the synchronisation after every operation does not slow them)
     * @throws IllegalArgumentException when steps &lt; 1 or warmup &lt; 0
     * @throws IllegalStateException    when a loss or gradient is not finite
     */
    public static Result run(Backend be, BenchConfig bc, int warmup, int steps, boolean profile) {
        if (steps < 1 || warmup < 0) throw new IllegalArgumentException("need steps >= 1 and warmup >= 0, got " + steps + ", " + warmup);
        OpTimer timer = profile ? new OpTimer() : null;
        if (timer != null) timer.setEnabled(false);
        Backend used = timer == null ? be : timer.wrap(be);
        StepRig rig = new StepRig(used, bc);
        ModelStats stats = ModelStats.of(bc.model());
        double[] train = new double[steps];
        long t = 0;
        for (int i = 0; i < warmup + steps; i++) {
            long t0 = System.nanoTime();
            rig.trainStep(++t);
            used.synchronize();
            if (i >= warmup) train[i - warmup] = (System.nanoTime() - t0) / 1e9;
        }
        double[] fwd = new double[steps], sample = new double[steps];
        for (int i = 0; i < warmup + steps; i++) {
            long t0 = System.nanoTime();
            rig.forward();
            used.synchronize();
            long t1 = System.nanoTime();
            rig.samplePosition(i);
            used.synchronize();
            if (i >= warmup) {
                fwd[i - warmup] = (t1 - t0) / 1e9;
                sample[i - warmup] = (System.nanoTime() - t0) / 1e9;
            }
        }
        int batches = samplerBatches(steps);
        double cached = cachedBatchSeconds(rig, used, warmup > 0 ? 1 : 0, batches);
        double naive = naiveBatchSeconds(rig, used, batches);
        Map<String, double[]> trainProfile = null, sampleProfile = null, cachedProfile = null;
        if (timer != null) {
            timer.setEnabled(true);
            for (int i = 0; i < PROFILE_STEPS; i++) rig.trainStep(++t, timer::setPhase);
            trainProfile = timer.perStep(PROFILE_STEPS);
            timer.reset();
            for (int i = 0; i < PROFILE_STEPS; i++) rig.sampleStep(warmup + steps + i);
            sampleProfile = timer.perStep(PROFILE_STEPS);
            timer.reset();
            rig.sampleBatchCached(-1);
            cachedProfile = timer.perStep(1);
            timer.setEnabled(false);
        }
        return new Result(bc, be.name(), stats.params(), stats.forwardFlops(), median(train), median(fwd), median(sample), cached, naive,
                batches, steps, warmup, trainProfile, sampleProfile, cachedProfile);
    }

    /** Whole cached batches (and naive positions per band) timed: up to 3, fewer when fewer steps are asked for. */
    static int samplerBatches(int steps) {
        return Math.max(1, Math.min(steps, 3));
    }

    /** Median seconds of a whole batch with the cached sampler, over {@code runs} batches after {@code warm}. */
    private static double cachedBatchSeconds(StepRig rig, Backend be, int warm, int runs) {
        double[] secs = new double[runs];
        for (int i = 0; i < warm + runs; i++) {
            long t0 = System.nanoTime();
            rig.sampleBatchCached(i);
            be.synchronize();
            if (i >= warm) secs[i - warm] = (System.nanoTime() - t0) / 1e9;
        }
        return median(secs);
    }

    /**
     * Seconds of a whole naive batch: for each band of rows [4k, 4k+4) (one cropped network each), the median
     * over {@code runs} positions of the band times the band's 4W positions. Each band's first position is run
     * untimed, even without warm-up: it sets up the band's network once (on the CPU, oneDNN's primitives for its
     * new geometries), which a whole batch pays once, not at each of its positions.
     */
    private static double naiveBatchSeconds(StepRig rig, Backend be, int runs) {
        final int warm = 1;
        int h = rig.config().model().height(), w = rig.config().model().width();
        rig.prepareNaive();
        double total = 0;
        for (int band = 0; band < h / 4; band++) {
            double[] secs = new double[runs];
            for (int i = 0; i < warm + runs; i++) {
                int pos = 4 * band * w + (i % (4 * w));
                long t0 = System.nanoTime();
                rig.sampleNaivePosition(pos);
                be.synchronize();
                if (i >= warm) secs[i - warm] = (System.nanoTime() - t0) / 1e9;
            }
            total += median(secs) * 4 * w;
        }
        return total;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }
}
