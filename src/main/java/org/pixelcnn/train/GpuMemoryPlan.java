package org.pixelcnn.train;

import org.pixelcnn.backend.cuda.ArenaPlan;
import org.pixelcnn.backend.cuda.CudaProbe;
import org.pixelcnn.backend.cuda.CudaBackend;
import java.util.List;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.model.AllocationCount;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.ModelStats;
import org.pixelcnn.model.PixelCnnPP;
import org.pixelcnn.sample.CachedSampler;
import org.pixelcnn.sample.Sampler;

/**
 * Device memory of a training run's replicas, sized up front from {@link ModelStats} (pure arithmetic; no
 * CUDA): replica r runs on GPU {@code r mod gpus} and gets one arena of {@link #replicaBytes} bytes:
 * <ul>
 * <li>activations, their gradients and layer scratch: trainingFloats * batch * 4 bytes, times 1.25;</li>
 * <li>the flat blocks: parameters, gradients, Adam m and v, Polyak average, and one more (the ring
 *     all-reduce's two receive slots of at most half the block each): params * 4 * 6;</li>
 * <li>a margin for cuDNN and cuBLAS: the convolution workspace (at most {@link CudnnConv#MAX_WORKSPACE},
 *     grown by doubling, so twice that), the padded-copy scratches of the largest convolution input
 *     ((H+2)(W+2) * 4 nr_filters floats an image, three regions, doubling), the cuBLAS workspace and 64 MiB
 *     for reductions;</li>
 * <li>replica 0 only: what the trainer builds there besides the replica, counted exactly on the planning
 *     backend ({@link AllocationCount}): the data-dependent-init network (init batch images), the evaluation
 *     network (batch images) and the cached sampler's caches for the samples of each save (batch images).</li>
 * </ul>
 * A GPU must hold its replicas' arenas plus {@link #BACKEND_OVERHEAD} each (context, module, library
 * handles outside the arena); {@link #arenaBytes} then gives each arena up to twice its estimate where the
 * free memory allows ({@link ArenaPlan#headroom}), as headroom for an estimate on the low side.
 * {@link #outOfMemory} writes the one-line error for a GPU that cannot hold it. {@link #eval},
 * {@link #evaluation} and {@link #sampling} plan the single backends of {@code eval}, {@code score} and
 * {@code sample} the same way.
 */
public final class GpuMemoryPlan {
    private static final double GIB = 1L << 30;
    /** Device memory a backend takes outside its arena (module, cuDNN and cuBLAS handles), assumed. */
    public static final long BACKEND_OVERHEAD = ArenaPlan.BACKEND_OVERHEAD;

    private final ModelConfig cfg;
    private final ModelStats stats;
    private final int batch, initBatch, replicas, gpus;
    private final long replicaZeroExtras;

    /**
     * @param batch     images per replica (--batch_size)
     * @param initBatch images of the data-dependent init (--init_batch_size)
     * @param replicas  --nr_gpu
     * @param gpus      visible GPUs (at least 1)
     */
    public GpuMemoryPlan(ModelConfig cfg, ModelStats stats, int batch, int initBatch, int replicas, int gpus) {
        this.cfg = cfg;
        this.stats = stats;
        this.batch = batch;
        this.initBatch = initBatch;
        this.replicas = replicas;
        this.gpus = Math.max(1, gpus);
        this.replicaZeroExtras = AllocationCount.of(be -> {
            new PixelCnnPP(be, cfg, initBatch, false);
            new CachedSampler(be, new Evaluator(be, cfg, batch).model(), batch);
        }).arenaBytes();
    }

    /**
     * The single backend of {@code eval}: the evaluation network of batch images ({@link Evaluator}), counted,
     * plus the library margin.
     */
    public static ArenaPlan eval(ModelConfig cfg, int batch) {
        return evaluation("eval", cfg, batch, false);
    }

    /**
     * The single backend of a command that runs an {@link Evaluator} ({@code eval}, {@code score}): its network
     * of batch images and, with {@code subpixels}, its per-sub-pixel buffer, counted, plus the library margin.
     *
     * @param command the command's name, for the out-of-memory message
     */
    public static ArenaPlan evaluation(String command, ModelConfig cfg, int batch, boolean subpixels) {
        AllocationCount c = AllocationCount.of(be -> new Evaluator(be, cfg, batch, subpixels));
        return new ArenaPlan(command + " at batch " + batch, c.arenaBytes(), libraryMarginBytes(cfg, batch));
    }

    /**
     * The single backend of {@code sample}, counted, plus the library margin: with {@code cached}, the
     * {@link CachedSampler}'s caches for batch images and the network of one image that holds its graph and
     * parameters; otherwise the evaluation network of batch images and the naive {@link Sampler}'s top-rows
     * networks on it (one shared parameter block).
     */
    public static ArenaPlan sampling(ModelConfig cfg, int batch, boolean cached) {
        AllocationCount c = AllocationCount.of(be -> {
            if (cached) new CachedSampler(be, new PixelCnnPP(be, cfg, 1, false), batch);
            else new Sampler(be, new PixelCnnPP(be, cfg, batch, false));
        });
        return new ArenaPlan("sample --method " + (cached ? "cached" : "naive") + " at batch " + batch, c.arenaBytes(), libraryMarginBytes(cfg, batch));
    }

    /**
     * The cuDNN / cuBLAS / reduction margin of one backend running cfg on {@code images} images, in bytes: the
     * padded copies are bounded by the largest convolution input, (H+2)(W+2) * 4 nr_filters floats an image.
     */
    public static long libraryMarginBytes(ModelConfig cfg, int images) {
        long padded = (long) (cfg.height() + 2) * (cfg.width() + 2) * 4L * cfg.nrFilters() * 4L * images;
        return CudaBackend.libraryMarginBytes(padded);
    }

    /** The GPU of replica r: r mod gpus. */
    public int device(int replica) {
        return replica % gpus;
    }

    /** Replicas placed on a GPU. */
    public int replicasOn(int device) {
        int k = 0;
        for (int r = 0; r < replicas; r++) if (device(r) == device) k++;
        return k;
    }

    /** The cuDNN / cuBLAS / reduction margin of one backend, in bytes. */
    public long libraryMarginBytes(int images) {
        return libraryMarginBytes(cfg, images);
    }

    /** The arena of replica r, in bytes. */
    public long replicaBytes(int replica) {
        long act = (long) Math.ceil(stats.trainingFloats() * (double) batch * 4 * 1.25);
        long blocks = stats.params() * 4L * 6;
        long bytes = act + blocks + libraryMarginBytes(Math.max(batch, replica == 0 ? initBatch : 0));
        if (replica == 0) bytes += replicaZeroExtras;
        return bytes;
    }

    /** Bytes the replicas on one GPU take together: their arenas' estimates plus {@link #BACKEND_OVERHEAD} each. */
    public long deviceBytes(int device) {
        long b = 0;
        for (int r = 0; r < replicas; r++) if (device(r) == device) b += replicaBytes(r) + BACKEND_OVERHEAD;
        return b;
    }

    /**
     * The arena to allocate for replica r: its estimate times f = min(2, usable / deviceBytes) (at least 1),
     * usable = 90% of the GPU's free memory less 1 GiB; the estimate alone when free memory is unknown (-1).
     */
    public long arenaBytes(int replica, long freeBytes) {
        return (long) (replicaBytes(replica) * ArenaPlan.headroom(freeBytes, deviceBytes(device(replica))));
    }

    /**
     * The one-line error for a GPU without room: "GPU 0 (NAME): out of memory for batch size B: the model
     * needs about X GiB, Y GiB free; use a smaller --batch_size" (X: the replicas on that GPU together,
     * with their count when more than one).
     *
     * @param neededBytes what was needed (at least {@link #deviceBytes})
     * @param freeBytes   free device memory before the run allocated anything (-1: unknown)
     */
    public BadInputException outOfMemory(int device, String name, long neededBytes, long freeBytes) {
        int on = replicasOn(device);
        return new BadInputException(String.format("GPU %d (%s): out of memory for batch size %d: the model needs about %.1f GiB%s, %s free; use a smaller --batch_size",
                device, name, batch, neededBytes / GIB, on > 1 ? " (" + on + " replicas on this GPU)" : "",
                freeBytes < 0 ? "unknown" : String.format("%.1f GiB", freeBytes / GIB)));
    }

    /**
     * The GPU that cannot hold its replicas given each GPU's free memory, or -1 when all fit.
     *
     * @param gpuList the probe's GPUs (free memory as found at the probe, before this run allocated)
     */
    public int firstTooSmall(List<CudaProbe.Gpu> gpuList) {
        for (int d = 0; d < Math.min(gpus, gpuList.size()); d++) {
            long free = gpuList.get(d).freeBytes();
            if (free >= 0 && replicasOn(d) > 0 && deviceBytes(d) > free) return d;
        }
        return -1;
    }
}
