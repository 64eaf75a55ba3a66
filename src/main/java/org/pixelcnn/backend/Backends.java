package org.pixelcnn.backend;

import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.backend.cpu.CpuGradientAllReduce;
import org.pixelcnn.backend.cuda.ArenaPlan;
import org.pixelcnn.backend.cuda.CudaBackend;
import org.pixelcnn.backend.cuda.CudaContext;
import org.pixelcnn.backend.cuda.CudaException;
import org.pixelcnn.backend.cuda.CudaProbe;
import org.pixelcnn.backend.cuda.CudaRingAllReduce;
import org.pixelcnn.backend.cuda.Precision;
import org.pixelcnn.io.BadInputException;

import java.util.List;
import java.util.concurrent.ExecutorService;

/**
 * Chooses and creates backends for {@code --backend auto|cpu|cuda}: auto takes CUDA when a usable GPU
 * is present (and says so), the CPU otherwise.
 */
public final class Backends {
    private Backends() {}

    /** The backend a flag value means here: "cpu" or "cuda". @throws BadInputException for cuda without a usable GPU or an unknown name */
    public static String resolve(String flag) {
        return switch (flag) {
            case "cpu" -> "cpu";
            case "cuda" -> {
                CudaProbe p = CudaProbe.probe();
                if (!p.available()) throw new BadInputException("--backend cuda: CUDA is not usable here: " + p.reason());
                yield "cuda";
            }
            case "auto" -> CudaProbe.probe().available() ? "cuda" : "cpu";
            default -> throw new BadInputException("--backend must be auto, cpu or cuda, not '" + flag + "'");
        };
    }

    /**
     * A CPU backend for replica {@code replica} of {@code replicas}: cores / replicas worker threads (at
     * least one). A CUDA backend needs its arena sized: {@link #create(String, Precision, ArenaPlan, String)}
     * for one backend, {@link #create(String, int, int, Precision, long)} with a training plan's size.
     *
     * @throws IllegalArgumentException for "cuda" (no arena size given)
     */
    public static Backend create(String resolved, int replica, int replicas) {
        if (!resolved.equals("cpu"))
            throw new IllegalArgumentException("a " + resolved + " backend needs its device arena sized from a memory plan (Backends.create with an ArenaPlan)");
        return create(resolved, replica, replicas, Precision.FP32, 0);
    }

    /**
     * One backend (eval, sample, bench): the CPU backend with every core, or CUDA on GPU 0 with an arena of
     * {@link ArenaPlan#arenaBytes} for the GPU's free memory (cudaMemGetInfo once its context is open).
     *
     * @param advice what the user can change when the GPU is too small, e.g. "use a smaller --batch"
     * @throws BadInputException when the GPU's free memory cannot hold the plan (one line,
     *                           {@link ArenaPlan#outOfMemory}), or the CUDA backend cannot start
     */
    public static Backend create(String resolved, Precision precision, ArenaPlan plan, String advice) {
        if (resolved.equals("cpu")) return create(resolved, 0, 1, precision, 0);
        CudaContext ctx = CudaContext.open(0);
        try {
            long free = ctx.memory()[0];
            if (!plan.fits(free)) throw plan.outOfMemory(0, ctx.name, free, advice);
            try {
                return new CudaBackend(ctx, precision, plan.arenaBytes(free), false).closingContext();
            } catch (CudaException e) {
                if (!e.outOfMemory()) throw e;
                BadInputException b = plan.outOfMemory(0, ctx.name, free, advice);
                b.initCause(e);
                throw b;
            }
        } catch (RuntimeException e) {
            ctx.close();
            throw e;
        }
    }

    /**
     * As {@link #create(String, int, int)}; for CUDA, replica r runs on GPU r mod (visible GPUs) with a
     * device arena of arenaBytes (allocated once, up front) and the given convolution/GEMM precision.
     */
    public static Backend create(String resolved, int replica, int replicas, Precision precision, long arenaBytes) {
        if (resolved.equals("cpu")) {
            int cores = Runtime.getRuntime().availableProcessors();
            return new CpuBackend(Math.max(1, cores / Math.max(1, replicas)));
        }
        int gpus = Math.max(1, CudaProbe.probe().gpus().size());
        CudaContext ctx = CudaContext.open(replica % gpus);
        try {
            return new CudaBackend(ctx, precision, arenaBytes, false).closingContext();
        } catch (RuntimeException e) {
            ctx.close();
            throw e;
        }
    }

    /**
     * The all-reduce for these replica backends: {@link CpuGradientAllReduce} when they are all CPU backends
     * (run on {@code pool}, one task per replica), {@link CudaRingAllReduce} when they are all CUDA backends.
     *
     * @param length floats in each gradient block
     * @throws IllegalArgumentException for a mix of backends, or another kind
     */
    public static GradientAllReduce allReduce(List<Backend> backends, long length, ExecutorService pool) {
        if (backends.stream().allMatch(b -> b instanceof CpuBackend)) return new CpuGradientAllReduce(backends.size(), pool);
        if (backends.stream().allMatch(b -> b instanceof CudaBackend))
            return new CudaRingAllReduce(backends.stream().map(b -> (CudaBackend) b).toList(), length);
        throw new IllegalArgumentException("replicas must all use the CPU backend or all the CUDA backend: "
                + backends.stream().map(Backend::name).toList());
    }

    /**
     * The default --precision: tf32 when every visible GPU has tensor cores for it (compute capability
     * 8.0 or newer), else fp32; fp32 when no GPU is usable.
     */
    public static Precision defaultPrecision() {
        CudaProbe p = CudaProbe.probe();
        if (!p.available() || p.gpus().isEmpty()) return Precision.FP32;
        return p.gpus().stream().allMatch(g -> g.major() >= 8) ? Precision.TF32 : Precision.FP32;
    }
}
