package org.pixelcnn.io;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Training checkpoints as safetensors files {@code <save_dir>/checkpoint-<step>.safetensors} (they replace
 * the original's TensorFlow {@code params_<data_set>.ckpt}; the layout is below and in the README).
 *
 * <p>Layout of one file:
 * <ul>
 * <li>F32 tensors: every parameter under its name (the reference's variable name, e.g. "model/conv2d_0/V"),
 *     then "ema/&lt;name&gt;" (Polyak averages), "adam_m/&lt;name&gt;" and "adam_v/&lt;name&gt;" (Adam moments);</li>
 * <li>{@value #STEP}: I64 scalar (shape []), optimiser steps taken; {@value #LEARNING_RATE}: F64 scalar, rate of
 *     the last step; {@value #RNG_STATE}: I64 [k], caller-defined random state;</li>
 * <li>{@code __metadata__}: {@value #FORMAT_KEY} = {@value #FORMAT}, {@value #CONFIG_KEY} = the configuration JSON.</li>
 * </ul>
 *
 * <p>Crash safety: a checkpoint is written through {@link AtomicOutput}: to a temporary file
 * {@code .checkpoint-<step>.safetensors-*.tmp} in the same directory, forced to disk, then renamed over its
 * final name atomically, and the directory is forced. A crash at any point leaves either the
 * complete new file or none under a checkpoint name; a leftover temporary file never matches the name pattern.
 * The latest checkpoint is the one with the highest step (no separate pointer file to keep consistent).
 */
public final class Checkpoint {
    /** Name of the I64 scalar holding the step. */
    public static final String STEP = "step";
    /** Name of the F64 scalar holding the learning rate of the last step. */
    public static final String LEARNING_RATE = "learning_rate";
    /** Name of the I64 vector holding the caller's RNG state. */
    public static final String RNG_STATE = "rng_state";
    /** Metadata key of the configuration JSON. */
    public static final String CONFIG_KEY = "config";
    /** Metadata key of the format marker. */
    public static final String FORMAT_KEY = "format";
    /** The format marker's value. */
    public static final String FORMAT = "pixelcnn-engine-checkpoint-1";

    private static final Pattern FILE_NAME = Pattern.compile("checkpoint-(\\d{1,18})\\.safetensors");

    /** The four float groups of a checkpoint and their name prefixes. */
    public enum Group {
        PARAMETER(""), EMA("ema/"), ADAM_M("adam_m/"), ADAM_V("adam_v/");

        private final String prefix;

        Group(String prefix) {
            this.prefix = prefix;
        }

        /** @return the tensor name of parameter {@code name} in this group */
        public String tensorName(String name) {
            return prefix + name;
        }
    }

    private Checkpoint() {
    }

    /** @return whether {@code name} cannot be a parameter name (a scalar's name, or a group prefix) */
    static boolean isReserved(String name) {
        return name.equals(STEP) || name.equals(LEARNING_RATE) || name.equals(RNG_STATE) || name.equals(SafetensorsWriter.METADATA_KEY)
                || name.startsWith(Group.EMA.prefix) || name.startsWith(Group.ADAM_M.prefix) || name.startsWith(Group.ADAM_V.prefix);
    }

    /** @return {@code <saveDir>/checkpoint-<step>.safetensors} */
    public static Path fileFor(Path saveDir, long step) {
        return saveDir.resolve("checkpoint-" + step + ".safetensors");
    }

    /**
     * Saves a checkpoint atomically (see the class comment).
     *
     * @param saveDir  directory (created when missing)
     * @param contents what to save
     * @return the checkpoint file
     * @throws BadInputException "cannot write checkpoint FILE: cause" on any I/O failure; the temporary file
     *                           is removed and earlier checkpoints are untouched
     */
    public static Path save(Path saveDir, CheckpointContents contents) {
        return save(saveDir, contents, null);
    }

    /**
     * {@link #save(Path, CheckpointContents)} with a hook called after each chunk written (tests use it to
     * simulate a crash part-way).
     */
    public static Path save(Path saveDir, CheckpointContents contents, SafetensorsWriter.WriteHook hook) {
        Path target = fileFor(saveDir, contents.step());
        try {
            Files.createDirectories(saveDir);
        } catch (IOException e) {
            throw new BadInputException("cannot write checkpoint " + target + ": " + e, e);
        }
        return write(target, contents, hook);
    }

    /**
     * Saves a checkpoint atomically under a chosen file name (its folder must exist); a file of that
     * name is replaced. {@link #resolve} accepts any file name, {@link #list} only checkpoint-&lt;step&gt;.
     *
     * @throws BadInputException "cannot write checkpoint FILE: cause" on any I/O failure
     */
    public static Path saveAs(Path file, CheckpointContents contents) {
        return write(file, contents, null);
    }

    private static Path write(Path target, CheckpointContents contents, SafetensorsWriter.WriteHook hook) {
        Path dir = target.toAbsolutePath().getParent();
        try {
            if (dir != null) Files.createDirectories(dir);
        } catch (IOException e) {
            throw new BadInputException("cannot write checkpoint " + target + ": " + e, e);
        }
        try (AtomicOutput out = AtomicOutput.open(target)) {
            SafetensorsWriter.write(out.channel(), tensors(contents), metadata(contents), hook);
            out.commit();
            return target;
        } catch (IOException e) {
            throw new BadInputException("cannot write checkpoint " + target + ": " + e, e);
        }
    }

    /**
     * @param fileOrDir a checkpoint file, or a save directory meaning its latest checkpoint
     * @return the checkpoint file
     * @throws BadInputException when the path does not exist, or the directory holds no checkpoint
     */
    public static Path resolve(Path fileOrDir) {
        if (Files.isRegularFile(fileOrDir)) return fileOrDir;
        if (!Files.isDirectory(fileOrDir)) throw new BadInputException(fileOrDir + ": no such checkpoint file or directory");
        List<Path> all = list(fileOrDir);
        if (all.isEmpty()) throw new BadInputException(fileOrDir + ": no checkpoint-<step>.safetensors in this directory");
        return all.get(all.size() - 1);
    }

    /**
     * @param saveDir a directory
     * @return its checkpoint files, by increasing step (empty when the directory does not exist)
     * @throws BadInputException when the directory cannot be listed
     */
    public static List<Path> list(Path saveDir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(saveDir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(saveDir)) {
            for (Path p : ds) if (stepOf(p) >= 0 && Files.isRegularFile(p)) out.add(p);
        } catch (IOException e) {
            throw new BadInputException(saveDir + ": cannot list the directory (" + e + ")", e);
        }
        out.sort((a, b) -> Long.compare(stepOf(a), stepOf(b)));
        return out;
    }

    /** @return the step in a {@code checkpoint-<step>.safetensors} file name, or -1 for another name */
    public static long stepOf(Path file) {
        Path name = file.getFileName();
        if (name == null) return -1;
        Matcher m = FILE_NAME.matcher(name.toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * Deletes all but the {@code keep} latest checkpoints of a directory.
     *
     * @param saveDir the directory
     * @param keep    how many to keep (&ge; 1)
     * @throws BadInputException when a file cannot be deleted
     */
    public static void prune(Path saveDir, int keep) {
        if (keep < 1) throw new IllegalArgumentException("keep must be >= 1, got " + keep);
        List<Path> all = list(saveDir);
        for (int i = 0; i < all.size() - keep; i++) {
            try {
                Files.deleteIfExists(all.get(i));
            } catch (IOException e) {
                throw new BadInputException(all.get(i) + ": cannot delete the old checkpoint (" + e + ")", e);
            }
        }
    }

    /**
     * Opens a checkpoint and checks strictly that it holds exactly the given parameters (see
     * {@link CheckpointReader#requireParameters}). Close the result.
     *
     * @param fileOrDir a checkpoint file or a save directory (its latest checkpoint)
     * @param expected  parameter name to shape, as the model defines them
     * @return the open checkpoint
     * @throws BadInputException naming the file and the missing, extra or misshapen tensor
     */
    public static CheckpointReader load(Path fileOrDir, Map<String, long[]> expected) {
        CheckpointReader r = CheckpointReader.open(resolve(fileOrDir));
        try {
            r.requireParameters(expected);
            return r;
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    private static Map<String, SafetensorsTensor> tensors(CheckpointContents c) {
        Map<String, SafetensorsTensor> t = new LinkedHashMap<>();
        addGroup(t, Group.PARAMETER, c.parameters());
        addGroup(t, Group.EMA, c.ema());
        addGroup(t, Group.ADAM_M, c.adamM());
        addGroup(t, Group.ADAM_V, c.adamV());
        t.put(STEP, SafetensorsTensor.i64(new long[0], new long[]{c.step()}));
        t.put(LEARNING_RATE, SafetensorsTensor.f64(new long[0], new double[]{c.learningRate()}));
        long[] rng = c.rngState();
        t.put(RNG_STATE, SafetensorsTensor.i64(new long[]{rng.length}, rng));
        return t;
    }

    private static void addGroup(Map<String, SafetensorsTensor> out, Group g, Map<String, CheckpointTensor> group) {
        for (Map.Entry<String, CheckpointTensor> e : group.entrySet())
            out.put(g.tensorName(e.getKey()), SafetensorsTensor.f32(e.getValue().shape(), e.getValue().data()));
    }

    private static Map<String, String> metadata(CheckpointContents c) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(FORMAT_KEY, FORMAT);
        m.put(CONFIG_KEY, c.configJson());
        return m;
    }

}
