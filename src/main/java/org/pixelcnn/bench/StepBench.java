package org.pixelcnn.bench;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.model.ModelStats;

import java.util.Arrays;
import java.util.Map;

/**
 * Times what the peer's benchmark times: one training step (upload, forward, loss, backward, finiteness
 * check, Adam + Polyak; {@link StepRig#trainStep}) on a random batch, median over steps after warm-up;
 * and one sampling step (eval forward pass plus the mixture sample at one position;
 * {@link StepRig#sampleStep}: generating a batch of H x W images takes H*W of them). Every timed step
 * ends with {@link Backend#synchronize}, so GPU work is inside the step that queued it.
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
     * @param sampleStepSeconds median sampling step (forward + sample of one position)
     * @param trainProfile      with profiling: operation to {ms per step, calls per step} of a training step; else null
     * @param sampleProfile     the same for a sampling step; else null
     */
    public record Result(BenchConfig config, String backend, long params, long forwardFlops, double trainStepSeconds,
                         double forwardSeconds, double sampleStepSeconds, int steps, int warmup,
                         Map<String, double[]> trainProfile, Map<String, double[]> sampleProfile) {
        public double trainImagesPerSecond() {
            return config.batch() / trainStepSeconds;
        }

        /** Images completed per second when sampling (H*W sampling steps per batch). */
        public double sampleImagesPerSecond() {
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
        Map<String, double[]> trainProfile = null, sampleProfile = null;
        if (timer != null) {
            timer.setEnabled(true);
            for (int i = 0; i < PROFILE_STEPS; i++) rig.trainStep(++t, timer::setPhase);
            trainProfile = timer.perStep(PROFILE_STEPS);
            timer.reset();
            for (int i = 0; i < PROFILE_STEPS; i++) rig.sampleStep(warmup + steps + i);
            sampleProfile = timer.perStep(PROFILE_STEPS);
            timer.setEnabled(false);
        }
        return new Result(bc, be.name(), stats.params(), stats.forwardFlops(), median(train), median(fwd), median(sample),
                steps, warmup, trainProfile, sampleProfile);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }
}
