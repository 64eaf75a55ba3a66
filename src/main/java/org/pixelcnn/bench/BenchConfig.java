package org.pixelcnn.bench;

import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.layers.Nonlinearity;

/**
 * The named benchmark configurations shared with the PyTorch peer's script (tools/peer/bench_port.py):
 * S = (nr_resnet 1, nr_filters 32, nr_logistic_mix 5) at 3x32x32 batch 16, S1 the same at 1x28x28,
 * M = (2, 64, 10) at 3x32x32 batch 8, D (default) = (5, 160, 10) at 3x32x32 batch 16 (batch 2 on the
 * CPU peer).
 */
public record BenchConfig(String name, ModelConfig model, int batch) {

    /**
     * The named configuration at its GPU batch size (S, S1: 16, M: 8, D: 16), or at batchOverride when not null.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static BenchConfig named(String name, Integer batchOverride) {
        BenchConfig c = switch (name.toUpperCase()) {
            case "S" -> new BenchConfig("S", cfg(1, 32, 5, 32, 3), 16);
            case "S1" -> new BenchConfig("S1", cfg(1, 32, 5, 28, 1), 16);
            case "M" -> new BenchConfig("M", cfg(2, 64, 10, 32, 3), 8);
            case "D", "DEFAULT" -> new BenchConfig("D", cfg(5, 160, 10, 32, 3), 16);
            default -> throw new IllegalArgumentException("unknown config '" + name + "' (S, S1, M, D/default)");
        };
        return batchOverride == null ? c : new BenchConfig(c.name, c.model, batchOverride);
    }

    /**
     * As {@link #named(String, Integer)}; on the CPU without an override, the batch of the peer's CPU script
     * (tools/peer/bench_port.py: D at batch 2, the others as on a GPU), so the two time the same work.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static BenchConfig named(String name, Integer batchOverride, boolean cpu) {
        BenchConfig c = named(name, batchOverride);
        return cpu && batchOverride == null && c.name.equals("D") ? new BenchConfig(c.name, c.model, 2) : c;
    }

    private static ModelConfig cfg(int r, int f, int m, int size, int channels) {
        return new ModelConfig(r, f, m, Nonlinearity.CONCAT_ELU, size, size, channels, 0, 0.5f);
    }
}
