package org.pixelcnn.io;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything a checkpoint holds (parameters, Polyak averages, Adam moments, step, learning rate, data
 * order, the run's configuration), as the model and trainer hand it over. Generic: it knows names and
 * shapes, not layers.
 *
 * @param step         optimiser steps taken (0 right after data-dependent init)
 * @param learningRate the learning rate of the last step taken (informational: the schedule recomputes it from step)
 * @param rngState     random-generator state of any length (data loader order, dropout seed, ...), caller-defined
 * @param configJson   the model and run configuration as a JSON string (stored in {@code __metadata__["config"]})
 * @param parameters   parameter name (the reference's variable name, e.g. "model/conv2d_0/V") to tensor, in
 *                     the model's order
 * @param ema          Polyak averages, same names and shapes as parameters
 * @param adamM        Adam first moments, same names and shapes
 * @param adamV        Adam second moments, same names and shapes
 */
public record CheckpointContents(long step, double learningRate, long[] rngState, String configJson,
                                 Map<String, CheckpointTensor> parameters, Map<String, CheckpointTensor> ema,
                                 Map<String, CheckpointTensor> adamM, Map<String, CheckpointTensor> adamV) {
    /**
     * @throws IllegalArgumentException when step is negative, a parameter name is empty, reserved, or starts
     *                                  with a group prefix, or ema/adamM/adamV do not match parameters' names and shapes
     * @throws NullPointerException     for a null component
     */
    public CheckpointContents {
        if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
        rngState = rngState.clone();
        if (configJson == null) throw new NullPointerException("configJson");
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        for (String name : parameters.keySet()) {
            if (name.isEmpty() || Checkpoint.isReserved(name))
                throw new IllegalArgumentException("parameter name '" + name + "' is empty or reserved by the checkpoint format");
        }
        ema = matching("ema", ema, parameters);
        adamM = matching("adamM", adamM, parameters);
        adamV = matching("adamV", adamV, parameters);
    }

    /** @return a copy of the RNG state */
    @Override
    public long[] rngState() {
        return rngState.clone();
    }

    private static Map<String, CheckpointTensor> matching(String what, Map<String, CheckpointTensor> group,
                                                          Map<String, CheckpointTensor> parameters) {
        if (!group.keySet().equals(parameters.keySet()))
            throw new IllegalArgumentException(what + " names differ from the parameter names");
        for (Map.Entry<String, CheckpointTensor> e : group.entrySet()) {
            if (!Arrays.equals(e.getValue().shape(), parameters.get(e.getKey()).shape()))
                throw new IllegalArgumentException(what + " '" + e.getKey() + "' has shape " + Arrays.toString(e.getValue().shape())
                        + ", the parameter " + Arrays.toString(parameters.get(e.getKey()).shape()));
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(group));
    }
}
