package org.pixelcnn.cli;

import org.pixelcnn.backend.cuda.Precision;
import org.pixelcnn.cli.options.BackendOptions;
import org.pixelcnn.cli.options.CommonOptions;
import org.pixelcnn.cli.options.DataOptions;
import org.pixelcnn.cli.options.ModelOptions;
import org.pixelcnn.data.sets.Dataset;
import org.pixelcnn.data.sets.DatasetKind;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.ModelStats;
import org.pixelcnn.train.TrainConfig;
import org.pixelcnn.train.Trainer;
import org.pixelcnn.train.TrainingStopped;
import org.pixelcnn.train.TrainingBackends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code train}: train.py with its flag names and defaults (except --nr_gpu, 1 here, and the folders),
 * plus --backend, --max_steps and progress output.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train PixelCNN++ (train.py's flags). Prints train and test bits/dim per epoch; writes checkpoints, sample grids, metrics and a plot to --save_dir.")
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin(name = CommonOptions.NAME)
    CommonOptions common;

    @Mixin
    DataOptions data;

    @Option(names = {"-o", "--save_dir"}, defaultValue = "save", description = "Location for checkpoints, samples, metrics (default ${DEFAULT-VALUE})")
    Path saveDir;

    @Option(names = {"-t", "--save_interval"}, defaultValue = "20", description = "Epochs between checkpoints and samples (default ${DEFAULT-VALUE})")
    int saveInterval;

    @Option(names = {"-r", "--load_params"}, description = "Resume the run in --save_dir from its latest checkpoint (same model, batch, seed and data set)")
    boolean loadParams;

    @Option(names = "--overwrite", description = "Delete the earlier run in --save_dir (its checkpoints, samples, metrics and plot) and start a new one")
    boolean overwrite;

    @Option(names = "--init_from", paramLabel = "CHECKPOINT",
            description = "Start a new run from the parameters and Polyak averages of this checkpoint (file or save folder): a warm start, e.g. on another data set")
    Path initFrom;

    @Option(names = "--save_every_steps", defaultValue = "0", paramLabel = "N",
            description = "Also write a checkpoint every N optimiser steps (default ${DEFAULT-VALUE}: only every --save_interval epochs and at the end)")
    long saveEverySteps;

    @Option(names = "--keep_checkpoints", defaultValue = "0", paramLabel = "K",
            description = "Keep only the newest K checkpoints (default ${DEFAULT-VALUE}: all)")
    int keepCheckpoints;

    @Mixin
    ModelOptions model;

    @Option(names = {"-c", "--class_conditional"}, description = "Condition the model on the labels")
    boolean classConditional;

    @Option(names = {"-l", "--learning_rate"}, defaultValue = "0.001", description = "Base learning rate (default ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = {"-e", "--lr_decay"}, defaultValue = "0.999995", description = "Learning rate decay, applied every step (default ${DEFAULT-VALUE})")
    double lrDecay;

    @Option(names = {"-b", "--batch_size"}, defaultValue = "16", description = "Batch size per replica (default ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = {"-u", "--init_batch_size"}, defaultValue = "16", description = "Images for data-dependent init (default ${DEFAULT-VALUE})")
    int initBatchSize;

    @Option(names = {"-x", "--max_epochs"}, defaultValue = "5000", description = "Epochs to run in total (default ${DEFAULT-VALUE})")
    int maxEpochs;

    @Option(names = "--max_steps", defaultValue = "0", description = "Stop after this many optimiser steps counted from the start of training; 0: no bound")
    long maxSteps;

    @Option(names = {"-g", "--nr_gpu"}, defaultValue = "1", description = "Data-parallel replicas, each of --batch_size images (default ${DEFAULT-VALUE})")
    int nrGpu;

    @Option(names = "--polyak_decay", defaultValue = "0.9995", description = "Decay of the Polyak average of the parameters (default ${DEFAULT-VALUE})")
    double polyakDecay;

    @Option(names = {"--ns", "--num_samples"}, defaultValue = "1", description = "Batches of samples drawn at each save (default ${DEFAULT-VALUE})")
    int numSamples;

    @Option(names = {"-s", "--seed"}, defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Mixin
    BackendOptions backend;

    @Option(names = "--log_every", defaultValue = "50", description = "Steps between metrics lines (default ${DEFAULT-VALUE})")
    int logEvery;

    @Option(names = "--progress", defaultValue = "auto", description = "Progress bar: auto (when on a terminal), on, off")
    String progress;

    private static void atLeast(String flag, long value, long min) {
        if (value < min) throw new BadInputException(flag + " must be >= " + min + ", not " + value);
    }

    @Override
    public Integer call() {
        atLeast("--batch_size", batchSize, 1);
        atLeast("--init_batch_size", initBatchSize, 1);
        atLeast("--nr_gpu", nrGpu, 1);
        atLeast("--max_epochs", maxEpochs, 1);
        atLeast("--save_interval", saveInterval, 1);
        atLeast("--num_samples", numSamples, 0);
        atLeast("--max_steps", maxSteps, 0);
        atLeast("--log_every", logEvery, 0);
        atLeast("--save_every_steps", saveEverySteps, 0);
        atLeast("--keep_checkpoints", keepCheckpoints, 0);
        if (initFrom != null && loadParams)
            throw new BadInputException("--init_from starts a new run and --load_params resumes one: give one of them");
        if (!(learningRate > 0 && Double.isFinite(learningRate))) throw new BadInputException("--learning_rate must be > 0, not " + learningRate);
        if (!(lrDecay > 0 && lrDecay <= 1)) throw new BadInputException("--lr_decay must be in (0, 1], not " + lrDecay);
        if (!(polyakDecay >= 0 && polyakDecay < 1)) throw new BadInputException("--polyak_decay must be in [0, 1), not " + polyakDecay);
        if (!progress.equals("auto") && !progress.equals("on") && !progress.equals("off"))
            throw new BadInputException("--progress must be auto, on or off, not '" + progress + "'");
        Precision prec = backend.precision();
        String be = backend.resolve();
        DatasetKind kind = data.kind("cifar");
        java.io.PrintWriter out = spec.commandLine().getOut();
        Dataset ds = data.load("cifar", System.err);
        ds.requireSizeDivisibleBy4();
        ModelConfig cfg = model.toConfig(ds.height(), ds.width(), ds.channels(), classConditional ? ds.numLabels() : 0);
        if (classConditional && ds.numLabels() == 0) throw new BadInputException(ds.where() + ": --class_conditional needs labels and this data set has none");
        if (initBatchSize > ds.train().count()) throw new BadInputException("--init_batch_size " + initBatchSize + " exceeds the " + ds.train().count() + " training images");
        ModelStats stats = ModelStats.of(cfg);
        out.printf("pixelcnn-engine train: %s %dx%dx%d (%d train, %d test images), backend %s%s%n", kind.flag(), ds.height(), ds.width(),
                ds.channels(), ds.train().count(), ds.test().count(), be, backend.flag().equals("auto") ? " (auto)" : "");
        out.printf("model: nr_resnet %d, nr_filters %d, nr_logistic_mix %d, %s, dropout %.2f: %,d parameters, %.3f GFLOP/image forward%n",
                cfg.nrResnet(), cfg.nrFilters(), cfg.nrLogisticMix(), cfg.nonlinearity().flag(), cfg.dropoutP(), stats.params(), stats.forwardFlops() / 1e9);
        TrainConfig tc = new TrainConfig(cfg, kind.flag(), learningRate, lrDecay, batchSize, initBatchSize, nrGpu, polyakDecay,
                maxEpochs, maxSteps, saveInterval, numSamples, seed, saveDir, loadParams, logEvery, be)
                .withRunSafety(overwrite, initFrom, saveEverySteps, keepCheckpoints);
        TrainingBackends backends = new TrainingBackends(be, prec, cfg, batchSize, initBatchSize, nrGpu);
        if (backends.plan() != null) {
            var plan = backends.plan();
            out.printf("cuda: precision %s, %d replica(s), device arena %.2f GiB for replica 0%s%n", backends.precision().flag(), nrGpu,
                    plan.replicaBytes(0) / (double) (1L << 30), nrGpu > 1 ? String.format(", %.2f GiB for each other", plan.replicaBytes(1) / (double) (1L << 30)) : "");
        }
        boolean bar = progress.equals("on") || (progress.equals("auto") && System.console() != null);
        TrainReport report = new TrainReport(out, bar);
        try (Trainer trainer = new Trainer(tc, ds, report, backends)) {
            StopSignals.install(trainer, System.err);
            trainer.run();
            report.closeBar();
            out.printf("done: step %d, train bits/dim %.4f, test bits/dim %.4f, checkpoint %s%n",
                    trainer.step(), trainer.lastTrainBits(), trainer.lastTestBits(), trainer.lastCheckpoint());
            out.flush();
        } catch (TrainingStopped stopped) {
            report.closeBar();
            out.println(stopped.getMessage());
            out.flush();
            return StopSignals.exitCode(stopped.reason);
        } finally {
            report.closeBar();
            StopSignals.uninstall();
        }
        return 0;
    }
}
