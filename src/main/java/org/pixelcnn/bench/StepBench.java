package org.pixelcnn.bench;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.ModelStats;
import org.pixelcnn.model.Pass;
import org.pixelcnn.model.PixelCnnPP;
import org.pixelcnn.train.AdamPolyak;
import org.pixelcnn.train.Replica;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Times what the peer's benchmark times: one training step (forward, loss, backward, Adam + Polyak)
 * on a random batch, median over steps after warm-up; and one eval forward pass (a sampling step
 * generates one pixel of every image in the batch with one forward pass).
 */
public final class StepBench {
    /** Medians in seconds. */
    public record Result(BenchConfig config, String backend, long params, long forwardFlops, double trainStepSeconds,
                         double forwardSeconds, int steps) {
        public double trainImagesPerSecond() {
            return config.batch() / trainStepSeconds;
        }

        /** Images completed per second when sampling (H*W forward passes per batch). */
        public double sampleImagesPerSecond() {
            return config.batch() / (forwardSeconds * config.model().height() * config.model().width());
        }

        /** Achieved training FLOP/s counting forward + backward as 3x the forward FLOPs. */
        public double trainFlops() {
            return 3.0 * forwardFlops * config.batch() / trainStepSeconds;
        }
    }

    private StepBench() {}

    public static Result run(Backend be, BenchConfig bc, int warmup, int steps) {
        ModelConfig cfg = bc.model();
        ModelStats stats = ModelStats.of(cfg);
        Replica r = new Replica(0, be, cfg, bc.batch());
        SplittableRandom rng = new SplittableRandom(1);
        float[] p = r.model.initialValues(1);
        be.upload(p, 0, r.model.params().values(), 0, p.length);
        be.upload(p, 0, r.ema, 0, p.length);
        float[] x = new float[(int) r.model.input().size()];
        for (int i = 0; i < x.length; i++) x[i] = (float) ((rng.nextInt(256) - 127.5) / 127.5);
        int[] labels = new int[bc.batch()];
        r.load(x, labels, 0);
        AdamPolyak adam = new AdamPolyak(0.9995);
        double[] train = new double[steps];
        for (int i = 0; i < warmup + steps; i++) {
            long t0 = System.nanoTime();
            r.lossAndGradients(Pass.train(1, i + 1, 0));
            r.update(adam.scalars(i + 1, 1e-3));
            be.synchronize();
            if (i >= warmup) train[i - warmup] = (System.nanoTime() - t0) / 1e9;
        }
        PixelCnnPP m = r.model;
        double[] fwd = new double[steps];
        for (int i = 0; i < warmup + steps; i++) {
            long t0 = System.nanoTime();
            m.forward(Pass.eval());
            be.synchronize();
            if (i >= warmup) fwd[i - warmup] = (System.nanoTime() - t0) / 1e9;
        }
        return new Result(bc, be.name(), stats.params(), stats.forwardFlops(), median(train), median(fwd), steps);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }
}
