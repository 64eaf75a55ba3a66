package org.pixelcnn.bench;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.cuda.ArenaPlan;
import org.pixelcnn.sample.PixelDraw;
import org.pixelcnn.model.AllocationCount;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.Pass;
import org.pixelcnn.backend.AdamPolyak;
import org.pixelcnn.sample.CachedSampler;
import org.pixelcnn.sample.Sampler;
import org.pixelcnn.train.GpuMemoryPlan;
import org.pixelcnn.train.Replica;
import org.pixelcnn.train.TrainStep;

import java.util.SplittableRandom;

/**
 * One training replica of a {@link BenchConfig} on a random batch, set up once, with the two units of
 * work a speed figure counts: {@link #trainStep} (what {@code Trainer.trainStep} does for one replica)
 * and {@link #sampleStep} (the full network at one pixel position); and the two samplers on the same model
 * and batch: {@link #sampleBatchCached} (a whole batch with the cached sampler) and
 * {@link #sampleNaivePosition} (one position of the naive sampler, whose cropped networks cost more the
 * lower the row). Shared by the {@code bench} command ({@link StepBench}) and the JMH suite (benchmarks/),
 * so both time the same work.
 *
 * <p>Inputs: x [batch, H, W, C] NHWC, pixels drawn uniformly from 0..255 and scaled to [-1, 1] as
 * train.py does; parameters from {@code initialValues(1)} (no data-dependent init: it does not change
 * the cost of a step). Neither method synchronises at its end: callers call {@link Backend#synchronize}.
 * The caller owns (and closes) the backend.
 */
public final class StepRig {
    private final Backend be;
    private final BenchConfig bc;
    private final Replica replica;
    private final float[] x;
    private final int[] labels;
    private final AdamPolyak adam = new AdamPolyak(AdamPolyak.DEFAULT_POLYAK_DECAY);
    private final TrainStep step;
    private final PixelDraw draw;
    private CachedSampler cached;
    private Sampler naive;

    /**
     * Builds the replica (parameters, Adam moments, Polyak averages, activations) on be and uploads the
     * batch and the initial parameters.
     *
     * @throws RuntimeException whatever the backend throws when memory runs out
     */
    public StepRig(Backend be, BenchConfig bc) {
        this.be = be;
        this.bc = bc;
        ModelConfig cfg = bc.model();
        this.replica = new Replica(0, be, cfg, bc.batch());
        float[] p = replica.model.initialValues(1);
        be.upload(p, 0, replica.model.params().values(), 0, p.length);
        be.upload(p, 0, replica.ema, 0, p.length);
        SplittableRandom data = new SplittableRandom(1);
        x = new float[(int) replica.model.input().size()];
        for (int i = 0; i < x.length; i++) x[i] = (float) ((data.nextInt(256) - 127.5) / 127.5);
        labels = new int[bc.batch()];
        step = new TrainStep(java.util.List.of(replica), 1);
        draw = new PixelDraw(be, cfg, bc.batch(), 7);
    }

    /**
     * The CUDA arena of a rig: everything the rig allocates (the replica's network, gradients, Adam moments,
     * Polyak averages, the sampling uniforms) and both samplers on it (the cached sampler's caches, the naive
     * sampler's top-rows networks), counted on the planning backend ({@link AllocationCount}), plus the
     * cuDNN / cuBLAS margin of {@link GpuMemoryPlan#libraryMarginBytes(ModelConfig, int)}.
     */
    public static ArenaPlan arenaPlan(BenchConfig bc) {
        AllocationCount c = AllocationCount.of(be -> {
            StepRig rig = new StepRig(be, bc);
            rig.cachedSampler();
            rig.naiveSampler();
        });
        return new ArenaPlan("bench --config " + bc.name() + " at batch " + bc.batch(), c.arenaBytes(),
                GpuMemoryPlan.libraryMarginBytes(bc.model(), bc.batch()));
    }

    /**
     * One training step t (t &ge; 1) as the trainer runs it with one replica ({@link TrainStep}): upload the
     * batch, forward in train mode (dropout on), discretized mixture-of-logistics loss (nats) and its
     * gradient, backward, the finiteness check on the gradients (one sum of squares), Adam + Polyak update
     * at learning rate 1e-3. With one replica there is no all-reduce.
     *
     * @return the summed loss of the batch in nats
     * @throws TrainStep.NonFiniteStep when the loss or a gradient is not finite (a broken backend)
     */
    public double trainStep(long t) {
        return step.run(t, x, labels, adam.scalars(t, 1e-3));
    }

    /**
     * {@link #trainStep} with its parts named for a profiler: phase.accept("forward") before the upload, the
     * forward pass and the loss (the parts of {@code Replica.lossAndGradients}, run here one by one),
     * "backward" before zeroing the gradients and the backward pass, "update" before the finiteness check and
     * Adam + Polyak, and null at the end. The same work as {@link #trainStep}.
     *
     * @return the summed loss of the batch in nats
     * @throws IllegalStateException when the loss or a gradient is not finite
     */
    public double trainStep(long t, java.util.function.Consumer<String> phase) {
        ModelConfig c = bc.model();
        org.pixelcnn.model.PixelCnnPP model = replica.model;
        Pass pass = Pass.train(1, t, 0);
        phase.accept("forward");
        replica.load(x, labels, 0);
        model.forward(pass);
        double nats = be.mixLogisticLoss(model.output().value, model.input().value, model.output().grad, 1f, null,
                model.batch, c.height(), c.width(), c.channels(), c.nrLogisticMix());
        phase.accept("backward");
        be.fill(model.params().grads(), 0f);
        model.backward(pass);
        phase.accept("update");
        double sq = be.sumSquares(model.params().grads());
        if (!Double.isFinite(nats) || !Double.isFinite(sq))
            throw new IllegalStateException("bench step " + t + " on " + be.name() + ": loss " + nats + ", gradient sum of squares " + sq);
        replica.update(adam.scalars(t, 1e-3));
        phase.accept(null);
        return nats;
    }

    /** The eval-mode forward pass alone (dropout off): the network evaluation of one sampling position. */
    public void forward() {
        replica.model.forward(Pass.eval());
    }

    /**
     * The rest of one sampling position after {@link #forward}: draw the uniforms, upload them and sample
     * pixel (pos / W, pos % W) of every image from the mixture into the input, as the sampler does
     * ({@link PixelDraw}).
     *
     * @param pos position in raster order, taken modulo H*W
     */
    public void samplePosition(int pos) {
        ModelConfig c = bc.model();
        int p = Math.floorMod(pos, c.height() * c.width());
        draw.sample(replica.model.output().value, replica.model.input().value, c.height(), p / c.width(), p % c.width());
    }

    /** One sampling step: {@link #forward} then {@link #samplePosition}. */
    public void sampleStep(int pos) {
        forward();
        samplePosition(pos);
    }

    /** The cached sampler on this rig's model and batch (built on first use: its caches take memory). */
    public CachedSampler cachedSampler() {
        if (cached == null) cached = new CachedSampler(be, replica.model, bc.batch());
        return cached;
    }

    /** The naive sampler on this rig's model (built on first use: its cropped networks take memory). */
    public Sampler naiveSampler() {
        if (naive == null) naive = new Sampler(be, replica.model);
        return naive;
    }

    /**
     * One whole batch with the cached sampler (weights from the current parameters, H*W positions),
     * as {@code sample --method cached} draws it. Returns the images (uint8 NHWC).
     */
    public byte[] sampleBatchCached(long seed) {
        return cachedSampler().sample(seed, labels);
    }

    /** Sets up the naive sampler for {@link #sampleNaivePosition} (classes, parameters of its cropped networks). */
    public void prepareNaive() {
        naiveSampler().prepare(labels);
    }

    /**
     * One position of the naive sampler (after {@link #prepareNaive}): its network cropped to the top
     * 4 ceil((y+1)/4) rows, forward, and the mixture sample of position pos (taken modulo H*W) of every image.
     */
    public void sampleNaivePosition(int pos) {
        ModelConfig c = bc.model();
        int p = Math.floorMod(pos, c.height() * c.width());
        naiveSampler().samplePositions(p, p + 1);
    }

    public BenchConfig config() {
        return bc;
    }
}
