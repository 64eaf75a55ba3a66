package org.pixelcnn.cli.options;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * Which trained parameters a command uses (eval, sample, score): {@code --checkpoint} (a checkpoint file,
 * or a save directory meaning its latest checkpoint) and {@code --raw} (the raw parameters instead of
 * the Polyak averages, which are the default as in train.py's test pass and sampling).
 */
public final class CheckpointOptions {
    @Option(names = "--checkpoint", required = true, paramLabel = "PATH",
            description = "A checkpoint-<step>.safetensors file, or a save directory (its latest checkpoint)")
    Path checkpoint;

    @Option(names = "--raw", description = "Use the raw parameters instead of the Polyak averages")
    boolean raw;

    /** --checkpoint. */
    public Path path() {
        return checkpoint;
    }

    /** Whether --raw was given. */
    public boolean raw() {
        return raw;
    }
}
