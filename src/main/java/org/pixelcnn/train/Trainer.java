package org.pixelcnn.train;

import org.pixelcnn.backend.AdamPolyak;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.data.loader.Batch;
import org.pixelcnn.data.sets.DataIdentity;
import org.pixelcnn.data.sets.Dataset;
import org.pixelcnn.data.loader.LoaderState;
import org.pixelcnn.data.loader.TrainBatches;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.io.Checkpoint;
import org.pixelcnn.io.CheckpointReader;
import org.pixelcnn.io.MetricsLog;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.PixelCnnPP;
import org.pixelcnn.sample.ImageGrid;
import org.pixelcnn.sample.CachedSampler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training run of train.py: data-dependent init on one batch, then epochs of optimiser steps
 * ({@link TrainStep}: every replica runs forward, loss and backward on its own batch, the gradients are
 * summed by a ring all-reduce, and every replica applies the same Adam + Polyak update, the learning rate
 * decayed before every step). Per epoch: train and test bits/dim (the test over the whole test split with
 * the Polyak averages, dropout off), time, images/s and ETA; every --save_interval epochs and at the end:
 * a checkpoint and a sample grid; metrics.jsonl throughout. What happens is reported to a
 * {@link TrainListener} (the command draws the progress bar, prints the lines and the plot). Resumable
 * bit for bit on the CPU from its checkpoints, also from the extra ones of --save_every_steps and the one
 * written when the run is asked to stop ({@link #requestStop}: SIGINT, SIGTERM).
 *
 * <p>The save folder belongs to one run ({@link RunFolder}): a fresh run refuses a folder that holds
 * another run unless --overwrite; a resumed run must meet the run's model, batch layout, seed and data
 * set (kind, sizes, class names, a fingerprint of the images); --init_from starts a new run from another
 * run's parameters and Polyak averages.
 *
 * <p>Replicas run on one backend kind: CPU threads, or CUDA device contexts (replica r on GPU r mod the
 * visible GPUs, several sharing a GPU when there are fewer GPUs than replicas), each with its own arena
 * and parameter copy; the gradient sum is a {@link GradientAllReduce} of that kind. A GPU running out of
 * memory ends the run with one line naming the batch size and the memory needed.
 */
public final class Trainer implements AutoCloseable {
    private final TrainConfig cfg;
    private final Dataset data;
    private final TrainListener listener;
    private final List<Replica> replicas = new ArrayList<>();
    private final LearningRate schedule;
    private final AdamPolyak adam;
    private TrainingCheckpoint.RunInfo info;
    private final TrainingBackends backends;
    private TrainStep trainStep;
    private boolean memoryReported;
    private Evaluator evaluator;
    private long step;
    private LoaderState loaderState = LoaderState.START;
    private Path lastCheckpoint;
    private int stepsPerEpoch = 1;
    private CachedSampler sampler;
    private double lastTrainBits = Double.NaN, lastTestBits = Double.NaN;
    /** What asked the run to stop (e.g. "SIGINT"), or null; set from a signal handler's thread. */
    private volatile String stopRequest;

    /**
     * @param listener told what happens ({@link TrainListener#SILENT} for nothing)
     * @throws BadInputException when the data does not fit the model (size not divisible by 4, no labels
     *                           for a class-conditional model)
     */
    public Trainer(TrainConfig cfg, Dataset data, TrainListener listener) {
        this(cfg, data, listener, null);
    }

    /**
     * As {@link #Trainer(TrainConfig, Dataset, TrainListener)} with the replicas' backends made by
     * {@code backends} (CUDA precision and arenas); null: the defaults for cfg.backend().
     */
    public Trainer(TrainConfig cfg, Dataset data, TrainListener listener, TrainingBackends backends) {
        this.backends = backends != null ? backends
                : new TrainingBackends(cfg.backend(), null, cfg.model(), cfg.batchSize(), cfg.initBatchSize(), cfg.replicas());
        this.cfg = cfg;
        this.data = data;
        this.listener = listener;
        data.requireSizeDivisibleBy4();
        ModelConfig m = cfg.model();
        if (m.height() != data.height() || m.width() != data.width() || m.channels() != data.channels())
            throw new BadInputException(data.where() + ": images are " + data.height() + "x" + data.width() + "x" + data.channels()
                    + " but the model expects " + m.height() + "x" + m.width() + "x" + m.channels());
        if (m.numClasses() > 0 && !data.train().hasLabels())
            throw new BadInputException(data.where() + ": --class_conditional needs labels and this data set has none");
        if (m.numClasses() > 0 && !data.classNames().isEmpty() && m.numClasses() != data.classNames().size())
            throw new BadInputException(data.where() + ": has " + data.classNames().size() + " classes but the model " + m.numClasses());
        this.schedule = new LearningRate(cfg.learningRate(), cfg.lrDecay());
        this.adam = new AdamPolyak(cfg.polyakDecay());
    }

    /**
     * Asks the run to stop: it finishes the step it is in (or the test pass or sampling it is in), writes a
     * checkpoint of that step unless one exists, and {@link #run} throws {@link TrainingStopped}. Safe to call
     * from any thread (a signal handler).
     *
     * @param reason what asks, e.g. "SIGINT"
     */
    public void requestStop(String reason) {
        stopRequest = reason;
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
        Path resumeFrom = RunFolder.claim(cfg, listener);
        DataIdentity identity = data.identity();
        TrainingCheckpoint.RunInfo saved = resumeFrom == null ? null : RunFolder.runInfo(resumeFrom);
        if (saved != null) {
            String diff = RunFolder.resumeDifference(saved, cfg, identity);
            if (diff != null)
                throw new BadInputException(resumeFrom + ": cannot resume this run: " + diff + "; resume with the run's settings and data,"
                        + " or start a new run from its parameters with --init_from " + resumeFrom + " and another --save_dir");
        }
        ModelConfig m = cfg.model();
        String runId = saved != null && saved.runId() != null ? saved.runId() : java.util.UUID.randomUUID().toString();
        this.info = new TrainingCheckpoint.RunInfo(m, cfg.dataSet(), cfg.batchSize(), cfg.replicas(), cfg.learningRate(),
                cfg.lrDecay(), cfg.polyakDecay(), cfg.seed(), runId, identity);
        if (saved != null) noteChangedOptimiser(saved);
        for (int r = 0; r < cfg.replicas(); r++) {
            Backend be = backends.replica(r);
            try {
                replicas.add(new Replica(r, be, cfg.model(), cfg.batchSize()));
            } catch (RuntimeException e) {
                be.close();
                throw e;
            }
        }
        trainStep = new TrainStep(replicas, cfg.seed());
        evaluator = new Evaluator(replicas.get(0).be, cfg.model(), cfg.batchSize());
        if (resumeFrom != null) restore(resumeFrom);
        else if (cfg.initFrom() != null) warmStart(cfg.initFrom());
        else initialise();

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
        int imagesPerStep = trainStep.imagesPerStep();
        long totalSteps = (long) cfg.maxEpochs() * perEpoch;
        if (cfg.maxSteps() > 0) totalSteps = Math.min(totalSteps, cfg.maxSteps());
        long savedAt = -1;
        while (moreSteps()) {
            long epoch = loaderState.epoch();
            long epochStart = System.nanoTime();
            double epochNats = 0;
            long epochImages = 0;
            listener.epochStarted(epoch, perEpoch, (int) loaderState.batch());
            boolean epochEnded = false;
            while (moreSteps() && !epochEnded) {
                Batch b = batches.next();
                double nats = trainStep(b);
                if (!memoryReported) reportDeviceMemory();
                epochNats += nats;
                epochImages += imagesPerStep;
                loaderState = b.next();
                epochEnded = b.lastOfEpoch();
                double bits = nats / (Math.log(2) * imagesPerStep * cfg.model().dims());
                double ips = epochImages / ((System.nanoTime() - epochStart) / 1e9);
                boolean log = cfg.logEvery() > 0 && step % cfg.logEvery() == 0;
                if (log)
                    metrics.append("step", fields("step", step, "epoch", epoch, "train_bits_per_dim", bits,
                            "images_per_s", ips, "learning_rate", schedule.at(step)));
                listener.stepDone(step, epoch, bits, ips, log);
                checkStop();
                boolean savesAnyway = !moreSteps() || (epochEnded && epoch % Math.max(1, cfg.saveInterval()) == 0);
                if (cfg.saveEverySteps() > 0 && step % cfg.saveEverySteps() == 0 && !savesAnyway) saveCheckpoint();
            }
            double trainSecs = (System.nanoTime() - epochStart) / 1e9;
            lastTrainBits = epochNats / (Math.log(2) * epochImages * cfg.model().dims());
            boolean last = !moreSteps();
            if (!epochEnded && !last) continue;
            listener.note(String.format("evaluating test bits/dim on the %d test images (Polyak-averaged parameters, dropout off)", data.test().count()));
            lastTestBits = testBits();
            double ips = epochImages / trainSecs;
            double seconds = (System.nanoTime() - epochStart) / 1e9;
            listener.epochEnded(new TrainListener.EpochReport(epoch, step, lastTrainBits, lastTestBits, seconds, trainSecs, ips,
                    (totalSteps - step) * imagesPerStep / Math.max(ips, 1e-9), epochEnded));
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

    /** After the first step (the arenas' high-water marks are reached then): each device replica's peak use of its arena. */
    private void reportDeviceMemory() {
        memoryReported = true;
        for (Replica r : replicas) {
            Backend.Memory m = r.be.memory();
            if (m.capacityBytes() < 0) continue; // host memory: nothing to plan against
            listener.note(String.format("replica %d on %s (%s): device memory peak %.2f GiB of a %.2f GiB arena", r.index, r.be.name(),
                    m.device(), m.peakBytes() / (double) (1L << 30), m.capacityBytes() / (double) (1L << 30)));
        }
    }

    private static Map<String, Object> fields(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    /** One optimiser step on a batch of replicas * batchSize images; returns the summed nats. */
    double trainStep(Batch b) {
        long t = step + 1;
        try {
            double nats = trainStep.run(t, b.x(), b.labels(), adam.scalars(t, schedule.at(t)));
            step = t;
            return nats;
        } catch (TrainStep.NonFiniteStep e) {
            throw new TrainingFailure(e.getMessage() + ". "
                    + (lastCheckpoint != null ? "The last good checkpoint, " + lastCheckpoint + ", is untouched." : "No checkpoint was written yet."));
        }
    }

    /** Data-dependent init on --init_batch_size images, then every replica gets the result; averages start there. */
    private void initialise() {
        Replica r0 = replicas.get(0);
        ModelConfig m = cfg.model();
        Batch init = TrainBatches.initBatch(data.train(), cfg.initBatchSize(), cfg.seed());
        PixelCnnPP initModel = new PixelCnnPP(r0.be, m, cfg.initBatchSize(), false);
        float[] p = initModel.initialValues(cfg.seed());
        r0.be.upload(p, 0, initModel.params().values(), 0, p.length);
        initModel.load(init.x(), init.labels(), 0, cfg.initBatchSize());
        initModel.dataDependentInit(cfg.seed());
        r0.be.download(initModel.params().values(), 0, p, 0, p.length);
        for (Replica r : replicas) {
            r.be.upload(p, 0, r.model.params().values(), 0, p.length);
            r.be.upload(p, 0, r.ema, 0, p.length);
        }
        step = 0;
        loaderState = LoaderState.START;
    }

    /** Tells the listener which learning-rate settings differ from the resumed run's (they apply from now on). */
    private void noteChangedOptimiser(TrainingCheckpoint.RunInfo saved) {
        if (saved.learningRate() != cfg.learningRate())
            listener.note("note: --learning_rate " + cfg.learningRate() + " differs from the run's " + saved.learningRate() + ": the new value applies from now on");
        if (saved.lrDecay() != cfg.lrDecay())
            listener.note("note: --lr_decay " + cfg.lrDecay() + " differs from the run's " + saved.lrDecay() + ": the new value applies from now on");
        if (saved.polyakDecay() != cfg.polyakDecay())
            listener.note("note: --polyak_decay " + cfg.polyakDecay() + " differs from the run's " + saved.polyakDecay() + ": the new value applies from now on");
    }

    /**
     * --init_from: the parameters and Polyak averages of another checkpoint start this new run (its own Adam
     * moments at zero, step 0, data order from the start); no data-dependent init.
     *
     * @throws BadInputException naming the file and the first tensor whose name or shape does not fit this model
     */
    private void warmStart(Path from) {
        Replica r0 = replicas.get(0);
        var ps = r0.model.params();
        try (CheckpointReader reader = Checkpoint.load(from, TrainingCheckpoint.expectedShapes(ps))) {
            float[] p = TrainingCheckpoint.readFlat(reader, Checkpoint.Group.PARAMETER, ps);
            float[] e = TrainingCheckpoint.readFlat(reader, Checkpoint.Group.EMA, ps);
            for (Replica r : replicas) {
                r.be.upload(p, 0, r.model.params().values(), 0, p.length);
                r.be.upload(e, 0, r.ema, 0, e.length);
            }
            TrainingCheckpoint.RunInfo src = TrainingCheckpoint.RunInfo.fromJson(reader.configJson(), reader.path());
            String names = cfg.model().numClasses() > 0 ? DataIdentity.classNamesDifference(src.classNames(), data.classNames()) : null;
            listener.note("warm start from " + reader.path() + " (step " + reader.step() + "): its parameters and Polyak averages begin a new run"
                    + " (Adam moments at zero, step 0, data order from the start)"
                    + (names == null ? "" : "; note: the classes differ (" + names + "): the class-conditional weights are reused by index"));
        }
        step = 0;
        loaderState = LoaderState.START;
    }

    private void restore(Path checkpoint) {
        Replica r0 = replicas.get(0);
        try (CheckpointReader reader = Checkpoint.load(checkpoint, TrainingCheckpoint.expectedShapes(r0.model.params()))) {
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
            boolean imported = TrainingCheckpoint.RunInfo.fromJson(reader.configJson(), reader.path()).runId() == null;
            if (imported && reader.step() == 0 && rng.length == 3 && rng[1] == 0 && rng[2] == 0)
                rng = new long[]{cfg.seed(), 0, 0}; // an imported model at step 0: the data order starts afresh with this run's seed
            if (rng.length != 3 || rng[0] != cfg.seed())
                throw new BadInputException(reader.path() + ": its data-order state was written with another --seed or format; resume with --seed " + (rng.length > 0 ? rng[0] : "?"));
            step = reader.step();
            loaderState = new LoaderState(rng[1], rng[2]);
            lastCheckpoint = reader.path();
            listener.note(String.format("resumed from %s at step %d (epoch %d, batch %d)", reader.path(), step, rng[1], rng[2]));
            int dropped = MetricsLog.truncateAfter(cfg.saveDir().resolve(MetricsLog.FILE_NAME), step);
            if (dropped > 0)
                listener.note("note: dropped " + dropped + " lines of " + MetricsLog.FILE_NAME + " written after step " + step + " (the run stopped before its next checkpoint)");
        }
    }

    private double testBits() {
        evaluator.setParams(replicas.get(0).ema);
        return evaluator.bitsPerDim(data.test(), done -> checkStop());
    }

    /**
     * Writes the checkpoint of the current step (atomically) and keeps only the newest --keep_checkpoints;
     * returns it.
     */
    private Path saveCheckpoint() {
        Replica r0 = replicas.get(0);
        long[] rng = {cfg.seed(), loaderState.epoch(), loaderState.batch()};
        lastCheckpoint = TrainingCheckpoint.save(cfg.saveDir(), r0, step, schedule.at(Math.max(1, step)), rng, info);
        if (cfg.keepCheckpoints() > 0) Checkpoint.prune(cfg.saveDir(), cfg.keepCheckpoints());
        return lastCheckpoint;
    }

    /**
     * When a stop was requested: the checkpoint of the current step (unless it is written already), then
     * {@link TrainingStopped}.
     */
    private void checkStop() {
        String why = stopRequest;
        if (why == null) return;
        if (lastCheckpoint == null || Checkpoint.stepOf(lastCheckpoint) != step || !Files.exists(lastCheckpoint)) saveCheckpoint();
        throw new TrainingStopped(why, step, lastCheckpoint);
    }

    private void save(MetricsLog metrics, long epoch) {
        Replica r0 = replicas.get(0);
        saveCheckpoint();
        // samples from the Polyak averages, --num_samples batches, tiled like the original
        evaluator.setParams(r0.ema);
        ModelConfig m = cfg.model();
        int n = cfg.batchSize();
        if (sampler == null) sampler = new CachedSampler(r0.be, evaluator.model(), n); // built once: its caches live in the backend's memory
        sampler.onPosition(pos -> checkStop());
        int count = Math.max(1, cfg.numSamples()) * n;
        listener.note(String.format("sampling %d images (cached sampler: each activation computed once)", count));
        byte[] all = new byte[count * (int) m.dims()];
        for (int k = 0; k < Math.max(1, cfg.numSamples()); k++) {
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = m.numClasses() > 0 ? (k * n + i) % m.numClasses() : 0;
            byte[] imgs = sampler.sample(cfg.seed() * 1_000_003L + step * 31 + k, labels);
            System.arraycopy(imgs, 0, all, k * imgs.length, imgs.length);
        }
        Path grid = cfg.saveDir().resolve(cfg.dataSet() + "_sample" + epoch + ".png");
        // white borders, as train.py; small grids enlarged (nearest neighbour), as train.py's matplotlib figure is
        ImageGrid.write(grid, all, count, m.height(), m.width(), m.channels(), 255, ImageGrid.autoScale(count, m.height(), m.width()));
        listener.saved(new TrainListener.SaveReport(lastCheckpoint, grid, metrics.file(), stepsPerEpoch, cfg.dataSet()));
    }

    @Override
    public void close() {
        if (trainStep != null) trainStep.close();
        for (Replica r : replicas) r.close();
    }
}
