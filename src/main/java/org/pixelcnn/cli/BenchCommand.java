package org.pixelcnn.cli;

import org.pixelcnn.cli.options.BackendOptions;
import org.pixelcnn.cli.options.CommonOptions;

import com.google.gson.GsonBuilder;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Backends;
import org.pixelcnn.backend.cuda.Precision;
import org.pixelcnn.bench.BenchConfig;
import org.pixelcnn.bench.BenchReport;
import org.pixelcnn.bench.GemmPeak;
import org.pixelcnn.bench.StepBench;
import org.pixelcnn.bench.StepRig;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.model.ModelStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench}: how fast this machine trains and samples a named model configuration
 * ({@link BenchConfig}: S, S1, M, D = the default model), on random data: training images/s (median
 * training step: forward, loss, backward, Adam + Polyak), sampling images/s of the cached sampler
 * (median over whole batches: {@code sample_images_per_s}) and of the naive one (its cropped networks
 * timed band by band: {@code sample_naive_images_per_s}) for the same model and batch, the full network
 * at one position, forward FLOPs per image ({@link ModelStats}), achieved GFLOP/s (training counted as 3x forward) and, on a GPU in the
 * {@link org.pixelcnn.bench.PeakFlops} table, the fraction of the device's datasheet peak for the
 * precision, and the fraction of this machine's SGEMM rate on the same threads ({@link GemmPeak}: one large
 * square product, best of a few; {@code train_fraction_of_gemm_peak} in the JSON). {@code --json} prints one
 * JSON object; {@code --profile} adds the time, share and GFLOP/s of every Backend operation, forward,
 * backward and update separately.
 *
 * <p>Errors: an unknown config, bad numbers, or {@code --backend cuda} without a usable GPU are one line
 * and exit code 2 ({@link BadInputException}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure training and sampling (cached and naive sampler) images/s of a named model configuration on this machine.")
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--config", defaultValue = "D", description = "S, S1, M or D (the default model: 5/160/10 at 3x32x32); default ${DEFAULT-VALUE}.")
    String config;

    @Option(names = "--batch", description = "Batch size (default: the config's, S 16, S1 16, M 8, D 16; on the CPU D runs at 2, as the PyTorch peer's CPU script).")
    Integer batch;

    @Option(names = "--steps", description = "Timed steps, medians reported (default 10 on the CPU, 20 on a GPU).")
    Integer steps;

    @Option(names = "--warmup", description = "Untimed steps first (default 2 on the CPU, 5 on a GPU).")
    Integer warmup;

    @Mixin
    BackendOptions backend;

    @Option(names = "--profile", description = "Also print the time per Backend operation of a training step, a full-network sampling step and a cached sampler batch.")
    boolean profile;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Mixin(name = CommonOptions.NAME)
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        String resolved = backend.resolve();
        boolean cpu = resolved.equals("cpu");
        BenchConfig bc;
        try {
            bc = BenchConfig.named(config, batch, cpu);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("bench --config: " + e.getMessage());
        }
        if (bc.batch() < 1) throw new BadInputException("bench --batch must be >= 1, not " + bc.batch());
        int nSteps = steps != null ? steps : cpu ? 10 : 20, nWarmup = warmup != null ? warmup : cpu ? 2 : 5;
        if (nSteps < 1) throw new BadInputException("bench --steps must be >= 1, not " + nSteps);
        if (nWarmup < 0) throw new BadInputException("bench --warmup must be >= 0, not " + nWarmup);
        Precision p = backend.precision();
        BenchReport report = cpu ? runCpu(bc, nSteps, nWarmup) : runCuda(bc, p, nSteps, nWarmup);
        PrintWriter out = spec.commandLine().getOut();
        if (json) out.println(new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(report.json()));
        else report.print(out);
        out.flush();
        return 0;
    }

    private BenchReport runCpu(BenchConfig bc, int nSteps, int nWarmup) {
        try (Backend be = Backends.create("cpu", 0, 1)) {
            StepBench.Result r = StepBench.run(be, bc, nWarmup, nSteps, profile);
            double gemm = GemmPeak.measure(be, GemmPeak.SIZE, GemmPeak.REPS);
            return new BenchReport(r, null, null, Runtime.getRuntime().availableProcessors(), -1, -1, gemm);
        }
    }

    /** The arena is sized from the rig itself ({@link StepRig#arenaPlan}); GPU 0 of the visible ones. */
    private BenchReport runCuda(BenchConfig bc, Precision p, int nSteps, int nWarmup) {
        try (Backend be = Backends.create("cuda", p, StepRig.arenaPlan(bc), "use a smaller --batch")) {
            StepBench.Result r = StepBench.run(be, bc, nWarmup, nSteps, profile);
            Backend.Memory m = be.memory(); // before the SGEMM measurement's own buffers
            double gemm = GemmPeak.measure(be, GemmPeak.SIZE, GemmPeak.REPS);
            return new BenchReport(r, m.device(), p, 0, m.peakBytes(), m.capacityBytes(), gemm);
        }
    }
}
