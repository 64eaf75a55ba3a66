package org.pixelcnn.cli;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.io.Checkpoint;
import org.pixelcnn.io.CheckpointReader;
import org.pixelcnn.model.PixelCnnPP;
import org.pixelcnn.train.TrainingCheckpoint;
import org.pixelcnn.train.TrainingCheckpoint.RunInfo;

import java.nio.file.Path;

/**
 * A checkpoint opened for {@code sample} and {@code eval}: the file is opened once, its configuration
 * JSON ({@link RunInfo}, written by the trainer) says which network to build, and {@link #loadInto}
 * then checks strictly that the file holds exactly that network's tensors before copying one group
 * (Polyak averages "ema/..." or the raw parameters) into the network's flat parameter block.
 */
final class LoadedCheckpoint implements AutoCloseable {
    private final CheckpointReader reader;
    private final RunInfo info;

    private LoadedCheckpoint(CheckpointReader reader, RunInfo info) {
        this.reader = reader;
        this.info = info;
    }

    /**
     * @param fileOrDir a checkpoint file, or a save directory meaning its latest checkpoint
     * @throws BadInputException naming the path when it is missing, holds no checkpoint, is not a readable
     *                           checkpoint, or its configuration is unreadable
     */
    static LoadedCheckpoint open(Path fileOrDir) {
        CheckpointReader r = CheckpointReader.open(Checkpoint.resolve(fileOrDir));
        try {
            return new LoadedCheckpoint(r, RunInfo.fromJson(r.configJson(), r.path()));
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    /** The checkpoint file (resolved from a directory). */
    Path file() {
        return reader.path();
    }

    /** Optimiser steps the checkpoint was taken at. */
    long step() {
        return reader.step();
    }

    /** The run description: model configuration, data set, batch size, ... */
    RunInfo info() {
        return info;
    }

    /**
     * Strict load: every parameter of the network, and nothing else, must be in the file with its exact
     * shape (in all four groups); then the chosen group is uploaded into model.params().values().
     *
     * @param raw the raw parameters instead of the Polyak averages
     * @throws BadInputException naming the file and the first missing, extra or misshapen tensor
     */
    void loadInto(Backend be, PixelCnnPP model, boolean raw) {
        reader.requireParameters(TrainingCheckpoint.expectedShapes(model.params()));
        Checkpoint.Group group = raw ? Checkpoint.Group.PARAMETER : Checkpoint.Group.EMA;
        float[] flat = TrainingCheckpoint.readFlat(reader, group, model.params());
        be.upload(flat, 0, model.params().values(), 0, flat.length);
    }

    /**
     * The class a --label value means for this checkpoint's model of k classes: an index 0..k-1, or one of the
     * class names the run recorded (exact, else ignoring case).
     *
     * @throws BadInputException naming the value and the classes when it is neither
     */
    int classIndex(String value, int k) {
        java.util.List<String> names = info.classNames();
        try {
            int i = Integer.parseInt(value.trim());
            if (i < 0 || i >= k)
                throw new BadInputException("--label " + value + ": " + file() + " holds a model of " + k + " classes (0.." + (k - 1) + ")");
            return i;
        } catch (NumberFormatException notANumber) {
            int i = names.indexOf(value);
            for (int j = 0; i < 0 && j < names.size(); j++) if (names.get(j).equalsIgnoreCase(value)) i = j;
            if (i >= 0) return i;
            throw new BadInputException("--label '" + value + "': " + (names.isEmpty() ? file() + " records no class names; give an index 0.." + (k - 1)
                    : "not a class of " + file() + " (" + String.join(", ", names) + "; or an index 0.." + (k - 1) + ")"));
        }
    }

    /**
     * For a class-conditional model: the data set's classes must be the run's (same names in the same
     * order; a renamed class folder would swap labels without a word). Unconditional models and unnamed
     * classes pass.
     *
     * @throws BadInputException naming the data set, the checkpoint and the first class that differs
     */
    void requireClassesOf(org.pixelcnn.data.sets.Dataset ds) {
        if (info.model().numClasses() == 0) return;
        String names = org.pixelcnn.data.sets.DataIdentity.classNamesDifference(info.classNames(), ds.classNames());
        if (names != null)
            throw new BadInputException(ds.where() + ": its classes are not those the class-conditional model in " + file() + " was trained on: " + names);
    }

    /** "Polyak-averaged" or "raw", for messages. */
    static String describe(boolean raw) {
        return raw ? "raw" : "Polyak-averaged";
    }

    @Override
    public void close() {
        reader.close();
    }
}
