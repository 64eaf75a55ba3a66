package org.pixelcnn.backend.cuda;

import java.util.Locale;
import org.pixelcnn.io.BadInputException;

/**
 * The device arena of one CUDA backend that is not a training replica ({@code eval}, {@code sample},
 * {@code bench}), sized from a count of what it will hold (pure arithmetic; no CUDA):
 * <ul>
 *   <li>{@code tensorBytes}: the networks and buffers the command builds, counted exactly on the planning
 *       backend by the layers above (the model's allocation count, arena alignment included);</li>
 *   <li>{@code marginBytes}: cuDNN and cuBLAS workspaces, padded-copy scratch and reduction partials
 *       ({@link CudaBackend#libraryMarginBytes}).</li>
 * </ul>
 * The GPU must also hold {@link #BACKEND_OVERHEAD} outside the arena. With the GPU's free memory known, the
 * arena gets up to twice the estimate where there is room ({@link #headroom}), as headroom for an estimate
 * on the low side; a GPU whose free memory is below {@link #deviceBytes} gets the one-line error of
 * {@link #outOfMemory} instead of a failed cudaMalloc.
 *
 * @param purpose     what the arena is for, for messages, e.g. "sample at batch 16"
 * @param tensorBytes counted bytes of the command's buffers
 * @param marginBytes library workspace and scratch margin
 */
public record ArenaPlan(String purpose, long tensorBytes, long marginBytes) {
    private static final double GIB = 1L << 30;
    /** Device memory a backend takes outside its arena (module, cuDNN and cuBLAS handles), assumed. */
    public static final long BACKEND_OVERHEAD = 256L << 20;

    /** The arena's estimate: tensors plus margin, bytes. */
    public long estimateBytes() {
        return tensorBytes + marginBytes;
    }

    /** What the GPU must have free: the estimate plus {@link #BACKEND_OVERHEAD}, bytes. */
    public long deviceBytes() {
        return estimateBytes() + BACKEND_OVERHEAD;
    }

    /** Whether a GPU with {@code freeBytes} free can hold it (true when unknown, -1). */
    public boolean fits(long freeBytes) {
        return freeBytes < 0 || deviceBytes() <= freeBytes;
    }

    /** The arena to allocate: the estimate times {@link #headroom}(free, {@link #deviceBytes}). */
    public long arenaBytes(long freeBytes) {
        return (long) (estimateBytes() * headroom(freeBytes, deviceBytes()));
    }

    /**
     * The factor an arena estimate is grown by when a GPU holding {@code neededBytes} (arenas plus overheads)
     * has {@code freeBytes} free: min(2, usable / needed), at least 1, with usable = 90% of the free memory
     * less 1 GiB (left to the driver and the libraries' own allocations); 1 when the free memory is unknown (-1).
     */
    public static double headroom(long freeBytes, long neededBytes) {
        if (freeBytes < 0 || neededBytes <= 0) return 1.0;
        double usable = freeBytes * 0.9 - GIB;
        return Math.min(2.0, Math.max(1.0, usable / neededBytes));
    }

    /**
     * The one-line error for a GPU without room: "GPU 0 (NAME): out of memory for PURPOSE: it needs about X GiB,
     * Y GiB free; ADVICE".
     *
     * @param freeBytes free device memory before anything was allocated (-1: unknown)
     * @param advice    what the user can change, e.g. "use a smaller --batch"
     */
    public BadInputException outOfMemory(int device, String name, long freeBytes, String advice) {
        return new BadInputException(String.format(Locale.ROOT, "GPU %d (%s): out of memory for %s: it needs about %.1f GiB, %s free; %s",
                device, name, purpose, deviceBytes() / GIB, freeBytes < 0 ? "unknown" : String.format(Locale.ROOT, "%.1f GiB", freeBytes / GIB),
                advice));
    }
}
