package org.pixelcnn.io;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An open checkpoint (layout in {@link Checkpoint}): its scalars and configuration are read and checked on
 * open, the float tensors are read on demand into the caller's buffers. Close it when done.
 */
public final class CheckpointReader implements AutoCloseable {
    private final SafetensorsFile file;
    private final long step;
    private final double learningRate;
    private final long[] rngState;
    private final String configJson;

    private CheckpointReader(SafetensorsFile file, long step, double learningRate, long[] rngState, String configJson) {
        this.file = file;
        this.step = step;
        this.learningRate = learningRate;
        this.rngState = rngState;
        this.configJson = configJson;
    }

    /**
     * Opens a checkpoint file (use {@link Checkpoint#resolve} first for a directory).
     *
     * @param path the file
     * @return the open checkpoint
     * @throws BadInputException when the file is not valid safetensors or not a checkpoint of this engine
     */
    public static CheckpointReader open(Path path) {
        SafetensorsFile f = SafetensorsFile.open(path);
        try {
            if (!Checkpoint.FORMAT.equals(f.metadata().get(Checkpoint.FORMAT_KEY)))
                throw new BadInputException(path + ": not a pixelcnn-engine checkpoint (__metadata__ has no format '" + Checkpoint.FORMAT + "')");
            String config = f.metadata().get(Checkpoint.CONFIG_KEY);
            if (config == null) throw new BadInputException(path + ": checkpoint has no config in its __metadata__");
            requireTensor(f, Checkpoint.STEP, SafetensorsDtype.I64, 0);
            requireTensor(f, Checkpoint.LEARNING_RATE, SafetensorsDtype.F64, 0);
            requireTensor(f, Checkpoint.RNG_STATE, SafetensorsDtype.I64, 1);
            long[] step = f.readLongs(Checkpoint.STEP);
            double[] lr = f.readDoubles(Checkpoint.LEARNING_RATE);
            long[] rng = f.readLongs(Checkpoint.RNG_STATE);
            if (step[0] < 0) throw new BadInputException(path + ": checkpoint step " + step[0] + " is negative");
            return new CheckpointReader(f, step[0], lr[0], rng, config);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** Checks that tensor {@code name} exists with the dtype and rank. */
    private static void requireTensor(SafetensorsFile f, String name, SafetensorsDtype dtype, int rank) {
        if (!f.contains(name)) throw new BadInputException(f.path() + ": checkpoint has no '" + name + "' tensor");
        if (f.dtype(name) != dtype || f.shape(name).length != rank)
            throw new BadInputException(f.path() + ": checkpoint tensor '" + name + "' is " + f.dtype(name) + " " + Arrays.toString(f.shape(name))
                    + ", expected " + dtype + " of rank " + rank);
    }

    /** @return the checkpoint file */
    public Path path() {
        return file.path();
    }

    /** @return optimiser steps taken */
    public long step() {
        return step;
    }

    /** @return the learning rate of the last step taken */
    public double learningRate() {
        return learningRate;
    }

    /** @return a copy of the caller-defined RNG state */
    public long[] rngState() {
        return rngState.clone();
    }

    /** @return the configuration JSON saved with the checkpoint */
    public String configJson() {
        return configJson;
    }

    /** @return parameter names (without group prefix) and shapes found in the file, in file order */
    public Map<String, long[]> parameterShapes() {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (String n : file.names()) if (!Checkpoint.isReserved(n)) out.put(n, file.shape(n));
        return out;
    }

    /**
     * Strict structure check: the file must hold, for each expected parameter and nothing else, the F32 tensors
     * name, ema/name, adam_m/name and adam_v/name of exactly the expected shape (besides the scalars).
     *
     * @param expected parameter name to shape, as the model defines them
     * @throws BadInputException "FILE: missing tensor 'x'" / "unexpected tensor 'x'" / "tensor 'x' has shape [..],
     *                           the model expects [..]" (the first problem, with a count of the others)
     */
    public void requireParameters(Map<String, long[]> expected) {
        List<String> problems = new ArrayList<>();
        Set<String> wanted = new HashSet<>(List.of(Checkpoint.STEP, Checkpoint.LEARNING_RATE, Checkpoint.RNG_STATE));
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            for (Checkpoint.Group g : Checkpoint.Group.values()) {
                String t = g.tensorName(e.getKey());
                wanted.add(t);
                if (!file.contains(t)) {
                    problems.add("missing tensor '" + t + "'");
                } else if (file.dtype(t) != SafetensorsDtype.F32) {
                    problems.add("tensor '" + t + "' is " + file.dtype(t) + ", expected F32");
                } else if (!Arrays.equals(file.shape(t), e.getValue())) {
                    problems.add("tensor '" + t + "' has shape " + Arrays.toString(file.shape(t)) + ", the model expects " + Arrays.toString(e.getValue()));
                }
            }
        }
        for (String n : file.names()) if (!wanted.contains(n)) problems.add("unexpected tensor '" + n + "' (not in this model)");
        if (!problems.isEmpty()) {
            String more = problems.size() > 1 ? " (and " + (problems.size() - 1) + " more problems)" : "";
            throw new BadInputException(file.path() + ": checkpoint does not match the model: " + problems.get(0) + more);
        }
    }

    /**
     * Reads one float tensor into {@code dst} at absolute index {@code offset}.
     *
     * @param group  which of the four groups
     * @param name   the parameter name (without prefix)
     * @param dst    destination, e.g. the model's flat block
     * @param offset where the tensor starts in dst
     * @throws BadInputException         when the tensor is missing or not F32
     * @throws IndexOutOfBoundsException when it does not fit
     */
    public void read(Checkpoint.Group group, String name, FloatBuffer dst, int offset) {
        file.readFloats(group.tensorName(name), dst, offset);
    }

    /** @return one float tensor as a new array. @throws BadInputException when missing or not F32 */
    public float[] read(Checkpoint.Group group, String name) {
        return file.readFloats(group.tensorName(name));
    }

    @Override
    public void close() {
        file.close();
    }
}
