/**
 * Training as train.py runs it: one optimiser step of the data-parallel replicas ({@code TrainStep}:
 * forward, loss, backward, ring all-reduce, finiteness check, Adam + Polyak), the run of epochs with
 * evaluation, checkpoints and samples ({@code Trainer}, reporting to a {@code TrainListener}), the
 * replicas ({@code Replica}), test bits/dim and per-image and per-sub-pixel scores ({@code Evaluator}),
 * the learning-rate schedule, the
 * checkpoint contents of a run, and the backends of a run with the GPU memory plan
 * ({@code TrainingBackends}, {@code GpuMemoryPlan}).
 *
 * <p>May import: sample, model, data, backend, io.
 */
package org.pixelcnn.train;
