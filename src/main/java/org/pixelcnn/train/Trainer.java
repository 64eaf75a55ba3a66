package org.pixelcnn.train;

import org.pixelcnn.backend.AdamPolyak;
import org.pixelcnn.backend.GradientAllReduce;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Backends;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.cuda.CudaBackend;
import org.pixelcnn.data.loader.Batch;
import org.pixelcnn.data.sets.Dataset;
import org.pixelcnn.data.loader.LoaderState;
import org.pixelcnn.data.loader.TrainBatches;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.io.BitsPlot;
import org.pixelcnn.io.Checkpoint;
import org.pixelcnn.io.CheckpointReader;
import org.pixelcnn.io.MetricsLog;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.Pass;
import org.pixelcnn.model.PixelCnnPP;
import org.pixelcnn.sample.ImageGrid;
import org.pixelcnn.sample.CachedSampler;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The training loop of train.py: data-dependent init on one batch, then per step every replica runs
 * forward, loss and backward on its own batch, the gradients are summed by a ring all-reduce, and every
 * replica applies the same Adam + Polyak update (learning rate decayed before every step). Per epoch:
 * train and test bits/dim (the test over the whole test split with the Polyak averages, dropout off),
 * time, images/s and ETA; every --save_interval epochs and at the end: a checkpoint, a sample grid and
 * the bits/dim plot. Resumable bit for bit on the CPU from its checkpoints.
 *
 * <p>Replicas run on one backend kind: CPU threads, or CUDA device contexts (replica r on GPU r mod the
 * visible GPUs, several sharing a GPU when there are fewer GPUs than replicas), each with its own arena
 * and parameter copy; the gradient sum is a {@link GradientAllReduce} of that kind. A GPU running out of
 * memory ends the run with one line naming the batch size and the memory needed.
 */
public final class Trainer implements AutoCloseable {
    private final TrainConfig cfg;
    private final Dataset data;
    private final PrintStream out;
    private final boolean progressBar;
    private final List<Replica> replicas = new ArrayList<>();
    private final LearningRate schedule;
    private final AdamPolyak adam;
    private final TrainingCheckpoint.RunInfo info;
    private final TrainingBackends backends;
    private ExecutorService pool;
    private GradientAllReduce allReduce;
    private boolean memoryReported;
    private Evaluator evaluator;
    private long step;
    private LoaderState loaderState = LoaderState.START;
    private Path lastCheckpoint;
    private int stepsPerEpoch = 1;
    private CachedSampler sampler;
    private double lastTrainBits = Double.NaN, lastTestBits = Double.NaN;

    /**
     * @param progressBar draw a progress bar during each epoch (else a line every logEvery steps)
     * @throws BadInputException when the data does not fit the model (size not divisible by 4, no labels
     *                           for a class-conditional model)
     */
    public Trainer(TrainConfig cfg, Dataset data, PrintStream out, boolean progressBar) {
        this(cfg, data, out, progressBar, null);
    }

    /**
     * As {@link #Trainer(TrainConfig, Dataset, PrintStream, boolean)} with the replicas' backends made by
     * {@code backends} (CUDA precision and arenas); null: the defaults for cfg.backend().
     */
    public Trainer(TrainConfig cfg, Dataset data, PrintStream out, boolean progressBar, TrainingBackends backends) {
        this.backends = backends != null ? backends
                : new TrainingBackends(cfg.backend(), null, cfg.model(), cfg.batchSize(), cfg.initBatchSize(), cfg.replicas());
        this.cfg = cfg;
        this.data = data;
        this.out = out;
        this.progressBar = progressBar;
        data.requireSizeDivisibleBy4();
        ModelConfig m = cfg.model();
        if (m.height() != data.height() || m.width() != data.width() || m.channels() != data.channels())
            throw new BadInputException(data.where() + ": images are " + data.height() + "x" + data.width() + "x" + data.channels()
                    + " but the model expects " + m.height() + "x" + m.width() + "x" + m.channels());
        if (m.numClasses() > 0 && !data.train().hasLabels())
            throw new BadInputException(data.where() + ": --class_conditional needs labels and this data set has none");
        this.schedule = new LearningRate(cfg.learningRate(), cfg.lrDecay());
        this.adam = new AdamPolyak(cfg.polyakDecay());
        this.info = new TrainingCheckpoint.RunInfo(m, cfg.dataSet(), cfg.batchSize(), cfg.replicas(), cfg.learningRate(),
                cfg.lrDecay(), cfg.polyakDecay(), cfg.seed());
    }

    /** Optimiser steps taken so far. */
    public long step() {
        return step;
    }

    /** The replicas (for tests: their states must stay identical). */
    public List<Replica> replicas() {
        return replicas;
    }

    public double lastTrainBits() {
        return lastTrainBits;
    }

    public double lastTestBits() {
        return lastTestBits;
    }

    public Path lastCheckpoint() {
        return lastCheckpoint;
    }

    /**
     * Runs until --max_epochs or --max_steps; returns the path of the final checkpoint.
     *
     * @throws BadInputException a GPU out of memory (one line: batch size, memory needed and free), bad data
     * @throws TrainingFailure   a non-finite loss or gradient
     */
    public Path run() {
        try {
            return runUnexplained();
        } catch (RuntimeException e) {
            throw backends.explain(e);
        }
    }

    private Path runUnexplained() {
        try {
            Files.createDirectories(cfg.saveDir());
        } catch (IOException e) {
            throw new BadInputException(cfg.saveDir() + ": cannot create the save directory (" + e.getMessage() + ")");
        }
        for (int r = 0; r < cfg.replicas(); r++) {
            Backend be = backends.replica(r);
            try {
                replicas.add(new Replica(r, be, cfg.model(), cfg.batchSize()));
            } catch (RuntimeException e) {
                be.close();
                throw e;
            }
        }
        if (cfg.replicas() > 1) {
            pool = Executors.newFixedThreadPool(cfg.replicas(), r -> {
                Thread t = new Thread(r, "pixelcnn-replica");
                t.setDaemon(true);
                return t;
            });
            List<Backend> bes = new ArrayList<>();
            for (Replica r : replicas) bes.add(r.be);
            allReduce = Backends.allReduce(bes, replicas.get(0).model.params().total(), pool);
        }
        evaluator = new Evaluator(replicas.get(0).be, cfg.model(), cfg.batchSize());
        boolean resumed = cfg.loadParams() && !Checkpoint.list(cfg.saveDir()).isEmpty();
        if (resumed) restore();
        else if (cfg.loadParams()) out.println("no checkpoint in " + cfg.saveDir() + ": starting from scratch");
        if (!resumed) initialise();

        try (MetricsLog metrics = new MetricsLog(cfg.saveDir());
             TrainBatches batches = new TrainBatches(data.train(), cfg.batchSize() * cfg.replicas(), cfg.seed(), loaderState, 3)) {
            loop(batches, metrics);
        }
        return lastCheckpoint;
    }

    private boolean moreSteps() {
        return (cfg.maxSteps() <= 0 || step < cfg.maxSteps()) && loaderState.epoch() < cfg.maxEpochs();
    }

    private void loop(TrainBatches batches, MetricsLog metrics) {
        int perEpoch = batches.batchesPerEpoch();
        stepsPerEpoch = perEpoch;
        int imagesPerStep = cfg.batchSize() * cfg.replicas();
        long totalSteps = (long) cfg.maxEpochs() * perEpoch;
        if (cfg.maxSteps() > 0) totalSteps = Math.min(totalSteps, cfg.maxSteps());
        long savedAt = -1;
        while (moreSteps()) {
            long epoch = loaderState.epoch();
            long epochStart = System.nanoTime();
            double epochNats = 0;
            long epochImages = 0;
            ProgressBar bar = progressBar ? new ProgressBarBuilder().setTaskName("epoch " + epoch).setInitialMax(perEpoch)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate().build() : null;
            if (bar != null) bar.stepTo(loaderState.batch());
            boolean epochEnded = false;
            try {
                while (moreSteps() && !epochEnded) {
                    Batch b = batches.next();
                    double nats = trainStep(b);
                    if (!memoryReported) reportDeviceMemory();
                    epochNats += nats;
                    epochImages += imagesPerStep;
                    loaderState = b.next();
                    epochEnded = b.lastOfEpoch();
                    double bits = nats / (Math.log(2) * imagesPerStep * cfg.model().dims());
                    double secs = (System.nanoTime() - epochStart) / 1e9;
                    if (bar != null) {
                        bar.step();
                        bar.setExtraMessage(String.format("step %d, %.4f bits/dim, %.1f images/s", step, bits, epochImages / secs));
                    }
                    if (cfg.logEvery() > 0 && step % cfg.logEvery() == 0) {
                        metrics.append("step", fields("step", step, "epoch", epoch, "train_bits_per_dim", bits,
                                "images_per_s", epochImages / secs, "learning_rate", schedule.at(step)));
                        if (bar == null)
                            out.printf("step %d, epoch %d, train bits/dim %.4f (this batch), %.1f images/s%n", step, epoch, bits, epochImages / secs);
                    }
                }
            } finally {
                if (bar != null) bar.close();
            }
            double trainSecs = (System.nanoTime() - epochStart) / 1e9;
            lastTrainBits = epochNats / (Math.log(2) * epochImages * cfg.model().dims());
            boolean last = !moreSteps();
            if (!epochEnded && !last) continue;
            out.printf("evaluating test bits/dim on the %d test images (Polyak-averaged parameters, dropout off)%n", data.test().count());
            lastTestBits = testBits();
            double ips = epochImages / trainSecs;
            long remaining = totalSteps - step;
            out.printf("Iteration %d, time = %ds (training %ds), train bits_per_dim = %.4f, test bits_per_dim = %.4f, %.1f images/s, step %d, ETA %s%n",
                    epoch, Math.round((System.nanoTime() - epochStart) / 1e9), Math.round(trainSecs), lastTrainBits, lastTestBits, ips, step,
                    eta(remaining * imagesPerStep / Math.max(ips, 1e-9)));
            metrics.append("epoch", fields("epoch", epoch, "step", step, "train_bits_per_dim", lastTrainBits,
                    "test_bits_per_dim", lastTestBits, "images_per_s", ips, "seconds", trainSecs, "epoch_complete", epochEnded));
            if ((epochEnded && epoch % Math.max(1, cfg.saveInterval()) == 0) || last) { // as train.py: epochs 0, t, 2t, ...
                save(metrics, epoch);
                savedAt = step;
            }
        }
        if (savedAt != step) { // nothing ran (already at max): still leave a checkpoint of the current state
            lastTestBits = testBits();
            save(metrics, loaderState.epoch());
        }
    }

    /** After the first step (the arenas' high-water marks are reached then): each CUDA replica's peak use of its arena. */
    private void reportDeviceMemory() {
        memoryReported = true;
        for (Replica r : replicas)
            if (r.be instanceof CudaBackend g)
                out.printf("replica %d on %s (%s): device memory peak %.2f GiB of a %.2f GiB arena%n", r.index, g.name(), g.context().name,
                        g.peakBytes() / (double) (1L << 30), g.arena().capacityBytes() / (double) (1L << 30));
    }

    private static String eta(double seconds) {
        Duration d = Duration.ofSeconds(Math.round(seconds));
        return String.format("%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
    }

    private static Map<String, Object> fields(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    /** One optimiser step on a batch of replicas * batchSize images; returns the summed nats. */
    double trainStep(Batch b) {
        long t = step + 1;
        AdamPolyak.Scalars s = adam.scalars(t, schedule.at(t));
        double nats;
        if (replicas.size() == 1) {
            Replica r = replicas.get(0);
            r.load(b.x(), b.labels(), 0);
            nats = r.lossAndGradients(Pass.train(cfg.seed(), t, 0));
            checkFinite(t, nats, r);
            r.update(s);
        } else {
            Buf[] grads = new Buf[replicas.size()];
            for (Replica r : replicas) grads[r.index] = r.model.params().grads();
            double[] perReplica = new double[replicas.size()];
            List<Future<?>> jobs = new ArrayList<>();
            for (Replica r : replicas) {
                jobs.add(pool.submit(() -> {
                    r.load(b.x(), b.labels(), r.index * cfg.batchSize());
                    perReplica[r.index] = r.lossAndGradients(Pass.train(cfg.seed(), t, r.index));
                    return null;
                }));
            }
            join(jobs); // every backward pass is issued (on the CPU: complete) before the all-reduce starts
            allReduce.allReduce(grads);
            nats = 0;
            for (double v : perReplica) nats += v;
            checkFinite(t, nats, replicas.get(0));
            jobs.clear();
            for (Replica r : replicas) jobs.add(pool.submit(() -> {
                r.update(s);
                return null;
            }));
            join(jobs);
        }
        step = t;
        return nats;
    }

    private static void join(List<Future<?>> jobs) {
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

    private void checkFinite(long t, double nats, Replica r) {
        String what = null;
        if (!Double.isFinite(nats)) what = "the loss is " + nats;
        else if (!Double.isFinite(r.be.sumSquares(r.model.params().grads()))) what = "a gradient is not finite";
        if (what != null)
            throw new TrainingFailure("step " + t + ": " + what + "; stopped before updating the parameters. "
                    + (lastCheckpoint != null ? "The last good checkpoint, " + lastCheckpoint + ", is untouched." : "No checkpoint was written yet."));
    }

    /** Data-dependent init on --init_batch_size images, then every replica gets the result; averages start there. */
    private void initialise() {
        Replica r0 = replicas.get(0);
        ModelConfig m = cfg.model();
        Batch init = TrainBatches.initBatch(data.train(), cfg.initBatchSize(), cfg.seed());
        PixelCnnPP initModel = new PixelCnnPP(r0.be, m, cfg.initBatchSize(), false);
        float[] p = initModel.initialValues(cfg.seed());
        r0.be.upload(p, 0, initModel.params().values(), 0, p.length);
        r0.be.upload(init.x(), 0, initModel.input().value, 0, init.x().length);
        if (m.numClasses() > 0) {
            float[] h = new float[cfg.initBatchSize() * m.numClasses()];
            for (int i = 0; i < cfg.initBatchSize(); i++) h[i * m.numClasses() + init.labels()[i]] = 1f;
            r0.be.upload(h, 0, initModel.classes(), 0, h.length);
        }
        initModel.dataDependentInit(cfg.seed());
        r0.be.download(initModel.params().values(), 0, p, 0, p.length);
        for (Replica r : replicas) {
            r.be.upload(p, 0, r.model.params().values(), 0, p.length);
            r.be.upload(p, 0, r.ema, 0, p.length);
        }
        step = 0;
        loaderState = LoaderState.START;
    }

    private void restore() {
        Replica r0 = replicas.get(0);
        try (CheckpointReader reader = Checkpoint.load(cfg.saveDir(), TrainingCheckpoint.expectedShapes(r0.model.params()))) {
            var ps = r0.model.params();
            float[] p = TrainingCheckpoint.readFlat(reader, Checkpoint.Group.PARAMETER, ps);
            float[] e = TrainingCheckpoint.readFlat(reader, Checkpoint.Group.EMA, ps);
            float[] mm = TrainingCheckpoint.readFlat(reader, Checkpoint.Group.ADAM_M, ps);
            float[] vv = TrainingCheckpoint.readFlat(reader, Checkpoint.Group.ADAM_V, ps);
            for (Replica r : replicas) {
                r.be.upload(p, 0, r.model.params().values(), 0, p.length);
                r.be.upload(e, 0, r.ema, 0, e.length);
                r.be.upload(mm, 0, r.adamM, 0, mm.length);
                r.be.upload(vv, 0, r.adamV, 0, vv.length);
            }
            long[] rng = reader.rngState();
            if (rng.length != 3 || rng[0] != cfg.seed())
                throw new BadInputException(reader.path() + ": its data-order state was written with another --seed or format; resume with --seed " + (rng.length > 0 ? rng[0] : "?"));
            step = reader.step();
            loaderState = new LoaderState(rng[1], rng[2]);
            lastCheckpoint = reader.path();
            out.printf("resumed from %s at step %d (epoch %d, batch %d)%n", reader.path(), step, rng[1], rng[2]);
        }
    }

    private double testBits() {
        evaluator.setParams(replicas.get(0).ema);
        return evaluator.bitsPerDim(data.test());
    }

    private void save(MetricsLog metrics, long epoch) {
        Replica r0 = replicas.get(0);
        long[] rng = {cfg.seed(), loaderState.epoch(), loaderState.batch()};
        lastCheckpoint = TrainingCheckpoint.save(cfg.saveDir(), r0, step, schedule.at(Math.max(1, step)), rng, info);
        // samples from the Polyak averages, --num_samples batches, tiled like the original
        evaluator.setParams(r0.ema);
        ModelConfig m = cfg.model();
        int n = cfg.batchSize();
        if (sampler == null) sampler = new CachedSampler(r0.be, evaluator.model(), n); // built once: its caches live in the backend's memory
        int count = Math.max(1, cfg.numSamples()) * n;
        out.printf("sampling %d images (cached sampler: each activation computed once)%n", count);
        byte[] all = new byte[count * (int) m.dims()];
        for (int k = 0; k < Math.max(1, cfg.numSamples()); k++) {
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = m.numClasses() > 0 ? (k * n + i) % m.numClasses() : 0;
            byte[] imgs = sampler.sample(cfg.seed() * 1_000_003L + step * 31 + k, labels);
            System.arraycopy(imgs, 0, all, k * imgs.length, imgs.length);
        }
        Path grid = cfg.saveDir().resolve(cfg.dataSet() + "_sample" + epoch + ".png");
        ImageGrid.write(grid, all, count, m.height(), m.width(), m.channels(), 255); // white borders, as train.py
        Path plot = cfg.saveDir().resolve("bits_per_dim.png");
        BitsPlot.write(plot, "PixelCNN++ on " + cfg.dataSet(), BitsPlot.fromMetrics(MetricsLog.read(metrics.file()), stepsPerEpoch));
        out.printf("saved %s, samples %s, plot %s%n", lastCheckpoint, grid, plot);
    }

    @Override
    public void close() {
        if (allReduce != null) allReduce.close();
        if (pool != null) pool.shutdownNow();
        for (Replica r : replicas) r.close();
    }
}
