package org.pixelcnn.train;

import org.pixelcnn.model.ModelConfig;

import java.nio.file.Path;

/**
 * Everything {@code train} runs with: the model, and train.py's optimisation and run settings
 * (same names, same defaults in the command line), plus the engine's additions.
 *
 * @param model          the network
 * @param dataSet        the data set's name (recorded in checkpoints)
 * @param learningRate   --learning_rate, base rate
 * @param lrDecay        --lr_decay, multiplied into the rate before every step
 * @param batchSize      --batch_size, images per replica
 * @param initBatchSize  --init_batch_size, images for data-dependent init
 * @param replicas       --nr_gpu, data-parallel replicas
 * @param polyakDecay    --polyak_decay
 * @param maxEpochs      --max_epochs
 * @param maxSteps       --max_steps, optimiser steps counted from the start of training (0: no bound)
 * @param saveInterval   --save_interval, epochs between checkpoints and sample grids
 * @param numSamples     --num_samples, batches of samples drawn at each save
 * @param seed           --seed
 * @param saveDir        --save_dir
 * @param loadParams     --load_params, resume from the latest checkpoint in saveDir
 * @param logEvery       steps between metrics lines
 * @param backend        resolved backend name, "cpu" or "cuda"
 * @param overwrite      --overwrite: delete the run already in saveDir (its checkpoints, samples, metrics, plot) first
 * @param initFrom       --init_from: a checkpoint (file or save folder) whose parameters and Polyak averages start
 *                       this new run (a warm start: its own optimiser state, step 0, data order), or null
 * @param saveEverySteps --save_every_steps: also write a checkpoint every this many optimiser steps (0: only at
 *                       the epochs of --save_interval and at the end)
 * @param keepCheckpoints --keep_checkpoints: keep only the newest this many checkpoints (0: all)
 */
public record TrainConfig(ModelConfig model, String dataSet, double learningRate, double lrDecay, int batchSize,
                          int initBatchSize, int replicas, double polyakDecay, int maxEpochs, long maxSteps,
                          int saveInterval, int numSamples, long seed, Path saveDir, boolean loadParams,
                          int logEvery, String backend, boolean overwrite, Path initFrom, long saveEverySteps,
                          int keepCheckpoints) {

    /** A configuration with the run-safety flags at their defaults (no --overwrite, --init_from, extra saves, pruning). */
    public TrainConfig(ModelConfig model, String dataSet, double learningRate, double lrDecay, int batchSize, int initBatchSize,
                       int replicas, double polyakDecay, int maxEpochs, long maxSteps, int saveInterval, int numSamples, long seed,
                       Path saveDir, boolean loadParams, int logEvery, String backend) {
        this(model, dataSet, learningRate, lrDecay, batchSize, initBatchSize, replicas, polyakDecay, maxEpochs, maxSteps, saveInterval,
                numSamples, seed, saveDir, loadParams, logEvery, backend, false, null, 0, 0);
    }

    /** This configuration with other run-safety settings. */
    public TrainConfig withRunSafety(boolean overwrite, Path initFrom, long saveEverySteps, int keepCheckpoints) {
        return new TrainConfig(model, dataSet, learningRate, lrDecay, batchSize, initBatchSize, replicas, polyakDecay, maxEpochs, maxSteps,
                saveInterval, numSamples, seed, saveDir, loadParams, logEvery, backend, overwrite, initFrom, saveEverySteps, keepCheckpoints);
    }
}
