package org.pixelcnn.cli;

import org.pixelcnn.backend.Backends;
import org.pixelcnn.backend.cuda.Precision;
import org.pixelcnn.data.sets.Dataset;
import org.pixelcnn.data.sets.DatasetKind;
import org.pixelcnn.data.sets.Datasets;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.ModelStats;
import org.pixelcnn.train.TrainConfig;
import org.pixelcnn.train.Trainer;
import org.pixelcnn.train.TrainingBackends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
    @Option(names = {"-i", "--data_dir"}, description = "Location for the dataset (optional for fashion-mnist: Debian's /usr/share/datasets/fashion-mnist)")
    Path dataDir;

    @Option(names = {"-o", "--save_dir"}, defaultValue = "save", description = "Location for checkpoints, samples, metrics (default ${DEFAULT-VALUE})")
    Path saveDir;

    @Option(names = {"-d", "--data_set"}, defaultValue = "cifar", description = "cifar, imagenet, mnist, fashion-mnist or folder (default ${DEFAULT-VALUE})")
    String dataSet;

    @Option(names = {"-t", "--save_interval"}, defaultValue = "20", description = "Epochs between checkpoints and samples (default ${DEFAULT-VALUE})")
    int saveInterval;

    @Option(names = {"-r", "--load_params"}, description = "Resume from the latest checkpoint in --save_dir")
    boolean loadParams;

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

    @Option(names = "--backend", defaultValue = "auto", description = "auto, cpu or cuda (default ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--precision", description = "CUDA convolutions and matrix products: fp32 or tf32 (default: tf32 where every GPU has compute capability 8.0 or newer, else fp32)")
    String precision;

    @Option(names = "--log_every", defaultValue = "50", description = "Steps between metrics lines (default ${DEFAULT-VALUE})")
    int logEvery;

    @Option(names = "--no_download", description = "Never download a missing data set")
    boolean noDownload;

    @Option(names = "--progress", defaultValue = "auto", description = "Progress bar: auto (when on a terminal), on, off")
    String progress;

    @Option(names = "--verbose", description = "Stack traces on errors; log the cuDNN algorithm chosen per convolution geometry (CUDA)")
    boolean verbose;

    @Override
    public Integer call() {
        if (batchSize < 1 || initBatchSize < 1 || nrGpu < 1 || maxEpochs < 1 || saveInterval < 1 || numSamples < 0)
            throw new BadInputException("--batch_size, --init_batch_size, --nr_gpu, --max_epochs and --save_interval must be >= 1");
        if (!(polyakDecay >= 0 && polyakDecay < 1)) throw new BadInputException("--polyak_decay must be in [0, 1), not " + polyakDecay);
        if (!progress.equals("auto") && !progress.equals("on") && !progress.equals("off"))
            throw new BadInputException("--progress must be auto, on or off, not '" + progress + "'");
        Precision prec;
        try {
            prec = precision == null ? null : Precision.parse(precision);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--" + e.getMessage());
        }
        String be = Backends.resolve(backend);
        DatasetKind kind = DatasetKind.parse(dataSet);
        Dataset ds = Datasets.load(kind, dataDir, !noDownload, System.err);
        ModelConfig cfg = model.toConfig(ds.height(), ds.width(), ds.channels(), classConditional ? ds.numLabels() : 0);
        if (classConditional && ds.numLabels() == 0) throw new BadInputException(ds.where() + ": --class_conditional needs labels and this data set has none");
        if (initBatchSize > ds.train().count()) throw new BadInputException("--init_batch_size " + initBatchSize + " exceeds the " + ds.train().count() + " training images");
        ModelStats stats = ModelStats.of(cfg);
        System.out.printf("pixelcnn-engine train: %s %dx%dx%d (%d train, %d test images), backend %s%s%n", kind.flag(), ds.height(), ds.width(),
                ds.channels(), ds.train().count(), ds.test().count(), be, backend.equals("auto") ? " (auto)" : "");
        System.out.printf("model: nr_resnet %d, nr_filters %d, nr_logistic_mix %d, %s, dropout %.2f: %,d parameters, %.3f GFLOP/image forward%n",
                cfg.nrResnet(), cfg.nrFilters(), cfg.nrLogisticMix(), cfg.nonlinearity().flag(), cfg.dropoutP(), stats.params(), stats.forwardFlops() / 1e9);
        TrainConfig tc = new TrainConfig(cfg, kind.flag(), learningRate, lrDecay, batchSize, initBatchSize, nrGpu, polyakDecay,
                maxEpochs, maxSteps, saveInterval, numSamples, seed, saveDir, loadParams, logEvery, be);
        TrainingBackends backends = new TrainingBackends(be, prec, cfg, batchSize, initBatchSize, nrGpu);
        if (backends.plan() != null) {
            var plan = backends.plan();
            System.out.printf("cuda: precision %s, %d replica(s), device arena %.2f GiB for replica 0%s%n", backends.precision().flag(), nrGpu,
                    plan.replicaBytes(0) / (double) (1L << 30), nrGpu > 1 ? String.format(", %.2f GiB for each other", plan.replicaBytes(1) / (double) (1L << 30)) : "");
        }
        boolean bar = progress.equals("on") || (progress.equals("auto") && System.console() != null);
        try (Trainer trainer = new Trainer(tc, ds, System.out, bar, backends)) {
            trainer.run();
            System.out.printf("done: step %d, train bits/dim %.4f, test bits/dim %.4f, checkpoint %s%n",
                    trainer.step(), trainer.lastTrainBits(), trainer.lastTestBits(), trainer.lastCheckpoint());
        }
        return 0;
    }
}
