package org.pixelcnn.train;

import java.nio.file.Path;

/**
 * What a {@link Trainer} tells the one who runs it: the {@code train} command implements it (progress bar,
 * train.py's per-epoch line, the bits/dim plot); tests listen to check a run. Every method has a no-op
 * default; all are called on the trainer's thread.
 */
public interface TrainListener {
    /** Listens to nothing. */
    TrainListener SILENT = new TrainListener() {};

    /** A line of news about the run: resumed from a checkpoint, device memory, evaluating, sampling. */
    default void note(String line) {}

    /**
     * An epoch starts (or resumes at batch firstBatch).
     *
     * @param epoch      0-based epoch
     * @param batches    optimiser steps in a whole epoch
     * @param firstBatch the batch it starts at (0 unless resumed mid-epoch)
     */
    default void epochStarted(long epoch, int batches, int firstBatch) {}

    /**
     * An optimiser step is done.
     *
     * @param step            optimiser steps taken so far (this one included)
     * @param epoch           the epoch it belongs to
     * @param bitsPerDim      this step's batch: nats / (ln 2 * images * H*W*C), dropout on
     * @param imagesPerSecond training images per second since the epoch (or its resumed part) started
     * @param logged          whether this step was also written to metrics.jsonl (every --log_every steps)
     */
    default void stepDone(long step, long epoch, double bitsPerDim, double imagesPerSecond, boolean logged) {}

    /** An epoch ended, or the run stopped in the middle of one, and the test split was evaluated. */
    default void epochEnded(EpochReport report) {}

    /** A checkpoint and its sample grid were written. */
    default void saved(SaveReport report) {}

    /** The epoch's figures, as train.py prints them, plus throughput and the estimated time left. */
    record EpochReport(long epoch, long step, double trainBitsPerDim, double testBitsPerDim, double seconds,
                       double trainingSeconds, double imagesPerSecond, double etaSeconds, boolean complete) {
    }

    /**
     * @param checkpoint    the checkpoint file written
     * @param samples       the sample grid (PNG) written
     * @param metrics       the run's metrics.jsonl
     * @param stepsPerEpoch optimiser steps in a whole epoch (for plotting steps as fractional epochs)
     * @param dataSet       the data set's name
     */
    record SaveReport(Path checkpoint, Path samples, Path metrics, int stepsPerEpoch, String dataSet) {
    }
}
