package org.pixelcnn.benchmarks;

import org.pixelcnn.bench.BenchConfig;
import org.pixelcnn.model.ModelConfig;

/**
 * The tensor sizes of one named configuration ({@link BenchConfig}) as the operations see them:
 * batch n, image h x w with {@code channels} channels, f = nr_filters, nrMix = nr_logistic_mix.
 * "D" is the default model's (batch 16, 32x32x3, 160 filters, 10 components), "S" the small
 * configuration's (batch 16, 32x32x3, 32 filters, 5 components).
 */
public record OpShapes(String name, int n, int h, int w, int f, int channels, int nrMix) {

    /** @throws IllegalArgumentException for an unknown name */
    public static OpShapes of(String name) {
        BenchConfig bc = BenchConfig.named(name, null);
        ModelConfig m = bc.model();
        return new OpShapes(bc.name(), bc.batch(), m.height(), m.width(), m.nrFilters(), m.channels(), m.nrLogisticMix());
    }

    /** n*h*w: the rows of an NHWC activation. */
    public long rows() {
        return (long) n * h * w;
    }

    /** Mixture parameters per pixel: 10 M (RGB) or 3 M (grayscale). */
    public int outChannels() {
        return (channels == 3 ? 10 : 3) * nrMix;
    }
}
