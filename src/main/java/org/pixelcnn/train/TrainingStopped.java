package org.pixelcnn.train;

import java.nio.file.Path;

/**
 * The run was asked to stop (SIGINT or SIGTERM through {@link Trainer#requestStop}): it finished the step it
 * was in, wrote a checkpoint of it and stopped. {@code train --load_params} resumes there, bit for bit.
 */
public final class TrainingStopped extends RuntimeException {
    /** What asked for the stop, e.g. "SIGINT". */
    public final String reason;
    /** The optimiser step the run stopped after. */
    public final long step;
    /** The checkpoint of that step. */
    public final Path checkpoint;

    TrainingStopped(String reason, long step, Path checkpoint) {
        super("stopped by " + reason + " after step " + step + "; checkpoint " + checkpoint + " (resume with --load_params)");
        this.reason = reason;
        this.step = step;
        this.checkpoint = checkpoint;
    }
}
