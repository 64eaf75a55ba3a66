package org.pixelcnn.backend;

import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.backend.cuda.CudaBackend;
import org.pixelcnn.backend.cuda.CudaContext;
import org.pixelcnn.backend.cuda.CudaException;
import org.pixelcnn.backend.cuda.CudaProbe;
import org.pixelcnn.backend.cuda.GpuMemoryPlan;
import org.pixelcnn.backend.cuda.Precision;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.ModelStats;

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
     * A backend for replica {@code replica} of {@code replicas}. On the CPU each replica gets
     * cores / replicas worker threads (at least one).
     *
     * @throws BadInputException when the CUDA backend cannot start
     */
    public static Backend create(String resolved, int replica, int replicas) {
        return create(resolved, replica, replicas, Precision.TF32, 4L << 30);
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
     * The default --precision: tf32 when every visible GPU has tensor cores for it (compute capability
     * 8.0 or newer), else fp32; fp32 when no GPU is usable.
     */
    public static Precision defaultPrecision() {
        CudaProbe p = CudaProbe.probe();
        if (!p.available() || p.gpus().isEmpty()) return Precision.FP32;
        return p.gpus().stream().allMatch(g -> g.major() >= 8) ? Precision.TF32 : Precision.FP32;
    }

    /**
     * Makes the backends of a training run's replicas and explains a GPU running out of memory.
     * For CUDA: replica r on GPU r mod (visible GPUs), one device context (stream, arena, handles) each, so
     * several replicas can share a GPU; arenas sized by {@link GpuMemoryPlan}.
     */
    public static final class Training {
        private final String resolved;
        private final Precision precision;
        private final GpuMemoryPlan plan;
        private final int replicas;
        private boolean checked;

        /**
         * @param resolved  "cpu" or "cuda" ({@link #resolve})
         * @param precision convolution / GEMM arithmetic on CUDA; null: {@link #defaultPrecision()}
         * @param replicas  --nr_gpu
         */
        public Training(String resolved, Precision precision, ModelConfig cfg, int batch, int initBatch, int replicas) {
            this.resolved = resolved;
            this.replicas = replicas;
            boolean cuda = resolved.equals("cuda");
            this.precision = precision != null ? precision : cuda ? defaultPrecision() : Precision.FP32;
            this.plan = cuda ? new GpuMemoryPlan(cfg, ModelStats.of(cfg), batch, initBatch, replicas, CudaProbe.probe().gpus().size()) : null;
        }

        /** The CUDA arithmetic in use. */
        public Precision precision() {
            return precision;
        }

        /** The memory plan (null on the CPU). */
        public GpuMemoryPlan plan() {
            return plan;
        }

        /**
         * The backend of replica r.
         *
         * @throws BadInputException a GPU's free memory cannot hold its replicas ({@link GpuMemoryPlan#outOfMemory}),
         *                           or CUDA cannot start
         */
        public Backend replica(int r) {
            if (plan == null) return create(resolved, r, replicas);
            CudaProbe probe = CudaProbe.probe();
            if (!checked) {
                checked = true;
                int d = plan.firstTooSmall(probe.gpus());
                if (d >= 0) throw plan.outOfMemory(d, probe.gpus().get(d).name(), plan.deviceBytes(d), probe.gpus().get(d).freeBytes());
            }
            try {
                int d = plan.device(r);
                long free = d < probe.gpus().size() ? probe.gpus().get(d).freeBytes() : -1;
                return create(resolved, r, replicas, precision, plan.arenaBytes(r, free));
            } catch (CudaException e) {
                throw explain(e);
            }
        }

        /**
         * e as the one-line out-of-memory error when it is one (cudaErrorMemoryAllocation, device arena
         * exhausted), else e itself.
         */
        public RuntimeException explain(RuntimeException e) {
            if (plan == null || !(e instanceof CudaException ce) || !ce.outOfMemory()) return e;
            CudaProbe probe = CudaProbe.probe();
            int d = ce.device() >= 0 ? ce.device() : 0;
            String name = d < probe.gpus().size() ? probe.gpus().get(d).name() : "?";
            long free = d < probe.gpus().size() ? probe.gpus().get(d).freeBytes() : -1;
            BadInputException b = plan.outOfMemory(d, name, plan.deviceBytes(d), free);
            b.initCause(e);
            return b;
        }
    }
}
