package org.pixelcnn.backend.cuda;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.cuda.global.cudart;

/**
 * All device memory of one CUDA backend: one cudaMalloc up front, handed out by two bump pointers.
 * Buffers ({@link #allocate}) grow from the bottom and can be given back in bulk ({@link #mark} /
 * {@link #release}, used by tests and the self-test between cases); scratch ({@link #allocateScratch}:
 * convolution padding, workspaces, reduction partials) grows from the top and lives as long as the arena.
 * Every block is 256-byte aligned. Not thread-safe.
 */
public final class DeviceArena implements AutoCloseable {
    static final long ALIGN = 256;

    private final Pointer base;
    private final long capacity;
    private final int device;
    private long bottom, top, peak;

    /**
     * Allocates {@code bytes} of device memory on the current device.
     *
     * @throws CudaException if cudaMalloc fails (the message gives the size; {@link CudaException#outOfMemory}
     *                       when the GPU has not that much free)
     */
    public DeviceArena(long bytes) {
        this.capacity = bytes / ALIGN * ALIGN;
        this.device = CudaException.currentDevice();
        this.base = new Pointer();
        CudaException.runtime(cudart.cudaMalloc(base, capacity), "cudaMalloc(" + capacity + " bytes) for the device arena");
        this.top = capacity;
    }

    /** Device address of a new block of {@code bytes} at the bottom. @throws CudaException (out of memory) when the arena is full */
    public long allocate(long bytes) {
        long size = align(bytes);
        if (bottom + size > top) throw full(bytes);
        long at = bottom;
        bottom += size;
        peak = Math.max(peak, bottom + (capacity - top));
        return base.address() + at;
    }

    /** Device address of a new scratch block of {@code bytes} at the top (never released). */
    public long allocateScratch(long bytes) {
        long size = align(bytes);
        if (top - size < bottom) throw full(bytes);
        top -= size;
        peak = Math.max(peak, bottom + (capacity - top));
        return base.address() + top;
    }

    /** The current bottom, for {@link #release}. */
    public long mark() {
        return bottom;
    }

    /** Gives back every buffer allocated since {@code mark} (their CudaBufs must no longer be used). */
    public void release(long mark) {
        if (mark < 0 || mark > bottom) throw new IllegalArgumentException("bad arena mark " + mark + " (bottom " + bottom + ")");
        bottom = mark;
    }

    /** Bytes still free between the buffers and the scratch. */
    public long freeBytes() {
        return top - bottom;
    }

    /**
     * Bytes a block of {@code bytes} takes in an arena (rounded up to the 256-byte alignment, at least one
     * alignment unit), so that a count of allocations made on a planning backend (by the model's floor)
     * matches this arena's own accounting.
     */
    public static long blockBytes(long bytes) {
        return align(bytes);
    }

    /** Bytes in use now (buffers plus scratch). */
    public long usedBytes() {
        return bottom + (capacity - top);
    }

    /** Most bytes ever in use at once. */
    public long peakBytes() {
        return peak;
    }

    public long capacityBytes() {
        return capacity;
    }

    private static long align(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative allocation " + bytes);
        return Math.max(ALIGN, (bytes + ALIGN - 1) / ALIGN * ALIGN);
    }

    private CudaException full(long bytes) {
        return new CudaException("device arena exhausted: " + bytes + " more bytes wanted, " + (top - bottom) + " of "
                + capacity + " free (give the backend a larger arena)", true, device);
    }

    @Override
    public void close() {
        if (base.isNull()) return;
        CudaException.runtime(cudart.cudaFree(base), "cudaFree(device arena)");
        base.setNull();
    }
}
