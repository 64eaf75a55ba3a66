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
 */
public record TrainConfig(ModelConfig model, String dataSet, double learningRate, double lrDecay, int batchSize,
                          int initBatchSize, int replicas, double polyakDecay, int maxEpochs, long maxSteps,
                          int saveInterval, int numSamples, long seed, Path saveDir, boolean loadParams,
                          int logEvery, String backend) {
}
