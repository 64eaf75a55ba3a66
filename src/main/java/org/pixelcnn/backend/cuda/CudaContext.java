package org.pixelcnn.backend.cuda;

import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.pixelcnn.io.BadInputException;

/**
 * One GPU for the CUDA backend: the device ordinal, its retained primary context (shared by the
 * runtime API, cuDNN, cuBLAS and our driver-API module) and the streams made on it (one per replica).
 * {@link #bind} makes the device and context current on the calling thread.
 */
public final class CudaContext implements AutoCloseable {
    public final int device;
    public final String name;
    public final int multiprocessors;
    private final int cuDevice;
    private final CUctx_st primary;
    private boolean closed;
    /** The device each thread last bound through a CudaContext (-1: none), so that bindIfNeeded is cheap. */
    private static final ThreadLocal<int[]> BOUND = ThreadLocal.withInitial(() -> new int[]{-1});

    private CudaContext(int device, String name, int multiprocessors, int cuDevice, CUctx_st primary) {
        this.device = device;
        this.name = name;
        this.multiprocessors = multiprocessors;
        this.cuDevice = cuDevice;
        this.primary = primary;
    }

    /**
     * Opens GPU {@code device}: checks {@link CudaProbe} first, then retains the primary context and makes it
     * current on this thread.
     *
     * @throws BadInputException if CUDA is not usable here (the probe's one-line reason) or no such GPU
     * @throws CudaException     if a CUDA call fails
     */
    public static CudaContext open(int device) {
        CudaProbe probe = CudaProbe.probe();
        if (!probe.available()) throw new BadInputException("CUDA backend not usable: " + probe.reason());
        if (device < 0 || device >= probe.gpus().size())
            throw new BadInputException("no GPU " + device + ": " + probe.gpus().size() + " visible");
        CudaException.runtime(cudart.cudaSetDevice(device), "cudaSetDevice(" + device + ")");
        CudaException.driver(cudart.cuInit(0), "cuInit");
        int[] dev = new int[1];
        CudaException.driver(cudart.cuDeviceGet(dev, device), "cuDeviceGet(" + device + ")");
        CUctx_st ctx = new CUctx_st();
        CudaException.driver(cudart.cuDevicePrimaryCtxRetain(ctx, dev[0]), "cuDevicePrimaryCtxRetain(" + device + ")");
        CudaException.driver(cudart.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
        BOUND.get()[0] = device;
        CudaProbe.Gpu g = probe.gpus().get(device);
        return new CudaContext(device, g.name(), g.sms(), dev[0], ctx);
    }

    /** Makes this device and its primary context current on the calling thread. */
    public void bind() {
        CudaException.runtime(cudart.cudaSetDevice(device), "cudaSetDevice(" + device + ")");
        CudaException.driver(cudart.cuCtxSetCurrent(primary), "cuCtxSetCurrent");
        BOUND.get()[0] = device;
    }

    /**
     * {@link #bind} unless the calling thread's last bind (through any CudaContext) was to this device: the
     * primary context is one per device, so contexts of the same device need no switch. Backends on
     * several GPUs driven from one thread call this before every operation.
     */
    public void bindIfNeeded() {
        if (BOUND.get()[0] != device) bind();
    }

    /** A new non-blocking stream on this device (no implicit synchronisation with the legacy default stream). */
    public CUstream_st createStream() {
        bind();
        CUstream_st s = new CUstream_st();
        CudaException.runtime(cudart.cudaStreamCreateWithFlags(s, cudart.cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
        return s;
    }

    /** Free and total device memory in bytes (cudaMemGetInfo). */
    public long[] memory() {
        bind();
        try (org.bytedeco.javacpp.SizeTPointer f = new org.bytedeco.javacpp.SizeTPointer(1);
             org.bytedeco.javacpp.SizeTPointer t = new org.bytedeco.javacpp.SizeTPointer(1)) {
            CudaException.runtime(cudart.cudaMemGetInfo(f, t), "cudaMemGetInfo");
            return new long[]{f.get(), t.get()};
        }
    }

    /** Releases the primary context (the backends on it must be closed first); quietly nothing after a sticky error. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        int err = cudart.cuDevicePrimaryCtxRelease(cuDevice);
        if (!CudaException.isSticky(err)) // after a sticky error the context cannot be released; the process exit does it
            CudaException.driver(err, "cuDevicePrimaryCtxRelease(" + device + ")");
    }

    @Override
    public String toString() {
        return "cuda:" + device + " (" + name + ", " + multiprocessors + " SMs)";
    }
}
