package org.pixelcnn.cli;

import org.pixelcnn.cli.options.BackendOptions;
import org.pixelcnn.cli.options.CommonOptions;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.backend.cuda.CudaBackend;
import org.pixelcnn.backend.cuda.CudaContext;
import org.pixelcnn.backend.cuda.CudaProbe;
import org.pixelcnn.backend.cuda.Precision;
import org.pixelcnn.selftest.ModelParity;
import org.pixelcnn.selftest.OpCases;
import org.pixelcnn.selftest.Parity;
import org.pixelcnn.selftest.Parity.Result;
import org.pixelcnn.selftest.SamplerParity;
import org.pixelcnn.selftest.Shapes;
import org.pixelcnn.selftest.StickyGuard;
import org.pixelcnn.selftest.TrainingParity;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.layers.Nonlinearity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code selftest --backend cuda [--precision fp32|tf32]}: every Backend operation, forward and backward,
 * on fresh random inputs at the default model's shapes (batch 16, 32x32, 160 filters) and at odd shapes,
 * on the GPU against the CPU backend; then whole small models (data-dependent init, forward, backward,
 * loss, three training steps) on both, and the autoregressive property on the GPU; the cached sampler on
 * the GPU against a teacher-forced pass there (model bound) and, in fp32, its images against the naive
 * sampler on the GPU and the cached sampler on the CPU ({@link SamplerParity}); then data-parallel
 * training with three GPU replicas (device contexts) sharing the GPU ({@link TrainingParity}): the device
 * ring all-reduce of 1, 2 and 3 replicas against a float64 sum (bound 1e-6) and bit-identical across
 * replicas and to the CPU ring (bound 0), one step of 2 replicas of batch 4 against 1 replica of batch 8
 * (dropout off, the model bound), and a checkpoint written from a GPU replica evaluated on the CPU (test
 * bits/dim on a fixed batch within 1e-4 in fp32, 1e-2 in tf32). One line per check:
 * op, shape, ||gpu - cpu|| / ||cpu||, bound, ok/FAIL. Bounds: per operation 1e-5 (fp32) or 5e-3 (tf32);
 * whole models, where rounding differences compound through some 40 layers and 3 optimiser steps, ten
 * times that (1e-4, 5e-2). Outputs are poisoned with NaN first, so an unwritten element fails. The backend
 * runs in checking mode: the stream is synchronised after every kernel launch, cuDNN and cuBLAS call, so a
 * fault names the call that made it; after a caught failure the runtime's last error is cleared, and the
 * first sticky error (illegal address...) stops the self-test ({@link StickyGuard}) rather than failing every
 * later check. {@code --verbose} also logs each convolution's cuDNN algorithm choice (once per geometry).
 *
 * <p>Last line {@code selftest: PASS} (exit 0) or {@code selftest: FAIL (<count> failures)} (exit 1).
 * Without a usable GPU it prints CudaProbe's one-line reason and exits 1.
 */
@Command(name = "selftest", mixinStandardHelpOptions = true,
        description = "Check every CUDA backend operation and a small model against the CPU backend, and causality on the GPU.")
public final class SelftestCommand implements Callable<Integer> {

    @Mixin
    BackendOptions backend;

    @Option(names = "--device", defaultValue = "0", description = "CUDA device ordinal (default 0).")
    int device;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the random inputs (default 1).")
    long seed;

    @Option(names = "--arena_gib", defaultValue = "6", description = "GPU memory taken for the test, GiB (default 6).")
    double arenaGib;

    /** The old spelling of --arena_gib, still accepted. */
    @Option(names = "--arena-gib", hidden = true)
    void arenaGibOldSpelling(double gib) {
        arenaGib = gib;
    }

    @Option(names = "--quick", description = "Odd shapes and small models only (skips the default-size operations).")
    boolean quick;

    @Mixin(name = CommonOptions.NAME)
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (backend.flag().equals("cpu")) throw new BadInputException("selftest: --backend must be cuda or auto (the CPU backend is the reference), not 'cpu'");
        Precision p = backend.precision();
        PrintWriter out = spec.commandLine().getOut();
        CudaProbe probe = CudaProbe.probe();
        if (!probe.available()) {
            out.println("selftest: CUDA not usable: " + probe.reason());
            out.flush();
            return 1;
        }
        double opBound = p == Precision.FP32 ? 1e-5 : 5e-3, modelBound = 10 * opBound;
        List<Result> results = new ArrayList<>();
        try (CudaContext ctx = CudaContext.open(device);
             CudaBackend gpu = new CudaBackend(ctx, p, (long) (arenaGib * (1L << 30)), true);
             CpuBackend cpu = new CpuBackend()) {
            out.println("selftest: " + ctx + ", " + probe.summary() + ", precision " + p.flag() + ", seed " + seed);
            StickyGuard guard = StickyGuard.of(List.of(gpu));
            Parity parity = new Parity(cpu, gpu, seed, guard);
            List<Shapes> shapes = quick ? List.of(Shapes.ODD) : List.of(Shapes.DEFAULT, Shapes.ODD);
            for (Shapes s : shapes) parity.runAll(OpCases.all(s), opBound, r -> report(out, results, r));
            ModelParity mp = new ModelParity(cpu, gpu, seed, guard);
            for (Result r : mp.compare(new ModelConfig(1, 32, 5, Nonlinearity.CONCAT_ELU, 16, 16, 3, 10, 0.5f), 4, modelBound)) report(out, results, r);
            for (Result r : mp.compare(new ModelConfig(1, 16, 3, Nonlinearity.ELU, 8, 12, 1, 0, 0.3f), 3, modelBound)) report(out, results, r);
            Result causal = mp.causality(new ModelConfig(1, 16, 2, Nonlinearity.CONCAT_ELU, 16, 16, 3, 0, 0.5f));
            if (causal != null) report(out, results, causal);
            SamplerParity sp = new SamplerParity(cpu, gpu, seed, guard);
            for (Result r : sp.compare(new ModelConfig(1, 32, 5, Nonlinearity.CONCAT_ELU, 16, 16, 3, 10, 0.5f), 4, modelBound, p == Precision.FP32))
                report(out, results, r);
            for (Result r : sp.compare(new ModelConfig(2, 16, 3, Nonlinearity.ELU, 12, 8, 1, 0, 0.5f), 3, modelBound, p == Precision.FP32))
                report(out, results, r);
            if (guard.stopped()) {
                stoppedAtStickyError(out, guard);
            } else {
                out.printf("selftest: device arena peak %.1f MiB of %.1f MiB%n", gpu.arena().peakBytes() / 1048576.0, gpu.arena().capacityBytes() / 1048576.0);
                replicaChecks(out, results, cpu, p, modelBound);
            }
        } catch (RuntimeException | Error e) {
            out.println("selftest: stopped: " + Parity.describe(e));
            if (common.verbose()) e.printStackTrace(out);
            results.add(new Result("selftest", "", Double.NaN, 0, Parity.describe(e)));
        }
        long failures = results.stream().filter(r -> !r.ok()).count();
        out.println(failures == 0 ? "selftest: PASS" : "selftest: FAIL (" + failures + " failures)");
        out.flush();
        return failures == 0 ? 0 : 1;
    }

    /** The line that says why the remaining checks did not run. */
    private static void stoppedAtStickyError(PrintWriter out, StickyGuard guard) {
        out.println("selftest: stopped at the first sticky CUDA error (" + guard.reason()
                + "): every later CUDA call in this process would fail the same way, so the remaining checks did not run");
    }

    /** The data-parallel checks on three replica backends (1 GiB arenas) sharing GPU --device. */
    private void replicaChecks(PrintWriter out, List<Result> results, CpuBackend cpu, Precision p, double modelBound) {
        List<CudaContext> ctxs = new ArrayList<>();
        List<CudaBackend> reps = new ArrayList<>();
        java.nio.file.Path tmp = null;
        try {
            for (int r = 0; r < 3; r++) {
                CudaContext c = CudaContext.open(device);
                ctxs.add(c);
                reps.add(new CudaBackend(c, p, 1L << 30, true));
            }
            tmp = java.nio.file.Files.createTempDirectory("pixelcnn-selftest");
            StickyGuard guard = StickyGuard.of(reps);
            TrainingParity tp = new TrainingParity(cpu, reps, seed, guard);
            for (Result r : tp.allReduce(1_000_003, 1e-6)) report(out, results, r);
            for (Result r : tp.allReduce(2, 1e-6)) report(out, results, r);
            ModelConfig cfg = new ModelConfig(1, 16, 3, Nonlinearity.CONCAT_ELU, 16, 16, 3, 10, 0f);
            for (Result r : tp.trainingStep(cfg, 4, modelBound, p == Precision.FP32 ? 1e-4 : 1e-2, tmp)) report(out, results, r);
            if (guard.stopped()) stoppedAtStickyError(out, guard);
        } catch (java.io.IOException e) {
            report(out, results, new Result("replicas setup", "", Double.NaN, 0, "cannot make a temporary directory: " + e.getMessage()));
        } finally {
            for (CudaBackend b : reps) b.close();
            for (CudaContext c : ctxs) c.close();
            if (tmp != null) tmp.toFile().delete();
        }
    }

    private static void report(PrintWriter out, List<Result> results, Result r) {
        results.add(r);
        out.println(r.line());
        out.flush();
    }
}
