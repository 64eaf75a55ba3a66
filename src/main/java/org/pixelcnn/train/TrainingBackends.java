package org.pixelcnn.train;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Backends;
import org.pixelcnn.backend.cuda.CudaException;
import org.pixelcnn.backend.cuda.CudaProbe;
import org.pixelcnn.backend.cuda.Precision;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.ModelStats;

/**
 * Makes the backends of a training run's replicas and explains a GPU running out of memory.
 * For CUDA: replica r on GPU r mod (visible GPUs), one device context (stream, arena, handles) each, so
 * several replicas can share a GPU; arenas sized by {@link GpuMemoryPlan}.
 */
public final class TrainingBackends {
    private final String resolved;
    private final Precision precision;
    private final GpuMemoryPlan plan;
    private final int replicas;
    private boolean checked;

    /**
     * @param resolved  "cpu" or "cuda" ({@link Backends#resolve})
     * @param precision convolution / GEMM arithmetic on CUDA; null: {@link Backends#defaultPrecision()}
     * @param replicas  --nr_gpu
     */
    public TrainingBackends(String resolved, Precision precision, ModelConfig cfg, int batch, int initBatch, int replicas) {
        this.resolved = resolved;
        this.replicas = replicas;
        boolean cuda = resolved.equals("cuda");
        this.precision = precision != null ? precision : cuda ? Backends.defaultPrecision() : Precision.FP32;
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
        if (plan == null) return Backends.create(resolved, r, replicas);
        CudaProbe probe = CudaProbe.probe();
        if (!checked) {
            checked = true;
            int d = plan.firstTooSmall(probe.gpus());
            if (d >= 0) throw plan.outOfMemory(d, probe.gpus().get(d).name(), plan.deviceBytes(d), probe.gpus().get(d).freeBytes());
        }
        try {
            int d = plan.device(r);
            long free = d < probe.gpus().size() ? probe.gpus().get(d).freeBytes() : -1;
            return Backends.create(resolved, r, replicas, precision, plan.arenaBytes(r, free));
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
