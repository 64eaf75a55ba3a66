package org.pixelcnn.cli.options;

import org.pixelcnn.backend.Backends;
import org.pixelcnn.backend.cuda.Precision;
import org.pixelcnn.io.BadInputException;
import picocli.CommandLine.Option;

/**
 * Where a command computes: {@code --backend auto|cpu|cuda} (auto takes a usable GPU when there is one)
 * and {@code --precision fp32|tf32} for CUDA convolutions and matrix products, with one default for every
 * command: tf32 where every visible GPU has compute capability 8.0 or newer, else fp32 (ignored on the CPU).
 */
public final class BackendOptions {
    @Option(names = "--backend", defaultValue = "auto", paramLabel = "auto|cpu|cuda",
            description = "auto (a usable GPU, else the CPU), cpu or cuda (default ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--precision", paramLabel = "fp32|tf32",
            description = "CUDA convolutions and matrix products: fp32 or tf32 (default: tf32 where every GPU has compute capability 8.0 or newer, else fp32); ignored on the CPU")
    String precision;

    /** The value of --backend as given ("auto", "cpu" or "cuda"). */
    public String flag() {
        return backend;
    }

    /**
     * "cpu" or "cuda" for this machine ({@link Backends#resolve}).
     *
     * @throws BadInputException for an unknown value, or cuda without a usable GPU (with the reason)
     */
    public String resolve() {
        return Backends.resolve(backend);
    }

    /**
     * The CUDA precision: --precision when given, else the default above.
     *
     * @throws BadInputException naming --precision and its value when it is neither fp32 nor tf32
     */
    public Precision precision() {
        if (precision == null) return Backends.defaultPrecision();
        try {
            return Precision.parse(precision);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--" + e.getMessage());
        }
    }
}
