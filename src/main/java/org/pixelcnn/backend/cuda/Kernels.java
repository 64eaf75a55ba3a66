package org.pixelcnn.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.util.EnumMap;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;

/**
 * Our kernels on one stream: loads the fatbin resource ({@link FatbinInfo#RESOURCE}) with
 * cuModuleLoadData, looks up every {@link Kernel} once (cuModuleGetFunction), and launches with
 * cuLaunchKernel through a small builder that checks the arguments against the kernel's signature:
 * <pre>
 *   k.grid1d(Kernel.AXPY, n).p(dst).p(src).l(n).f(alpha).go();
 * </pre>
 * Every return code is checked and a failure names the kernel. In checking mode ({@link StreamCheck}) the
 * stream is synchronised after each launch, so an asynchronous fault (illegal address...) is reported against
 * the kernel that caused it (the self-test runs this way). Not thread-safe: one instance per backend.
 */
final class Kernels implements AutoCloseable {
    /** Threads per block of the 1-D grid-stride kernels. */
    static final int BLOCK = 256;
    private static final int MAX_ARGS = 32;

    private final CUstream_st stream;
    private final StreamCheck check;
    private final int maxBlocks;
    private final CUmod_st module = new CUmod_st();
    private final Map<Kernel, CUfunc_st> functions = new EnumMap<>(Kernel.class);
    private final BytePointer argData = new BytePointer(8L * MAX_ARGS);
    private final PointerPointer<Pointer> argPointers = new PointerPointer<>(MAX_ARGS);
    private final StringBuilder codes = new StringBuilder(MAX_ARGS);
    private Kernel current;
    private int gx, gy, gz, bx, by, bz;

    /**
     * @param multiprocessors the GPU's SM count (sizes the grid-stride grids)
     * @param check           the stream's checking mode
     * @throws CudaException if the jar has no kernels, the module does not load, or a kernel is missing
     */
    Kernels(CUstream_st stream, int multiprocessors, StreamCheck check) {
        this.stream = stream;
        this.check = check;
        this.maxBlocks = Math.max(1, multiprocessors) * 32;
        byte[] image = readFatbin();
        try (BytePointer img = new BytePointer(image)) {
            CudaException.driver(cudart.cuModuleLoadData(module, img), "cuModuleLoadData(" + FatbinInfo.RESOURCE + ", " + image.length + " bytes)");
        }
        for (Kernel k : Kernel.values()) {
            CUfunc_st f = new CUfunc_st();
            CudaException.driver(cudart.cuModuleGetFunction(f, module, k.cname), "cuModuleGetFunction(" + k.cname + ")");
            functions.put(k, f);
        }
        for (int i = 0; i < MAX_ARGS; i++) argPointers.put(i, new DevicePtr(argData.address() + 8L * i));
    }

    private static byte[] readFatbin() {
        try (InputStream in = Kernels.class.getResourceAsStream(FatbinInfo.RESOURCE)) {
            if (in == null) throw new CudaException("the jar has no GPU kernels (" + FatbinInfo.RESOURCE + "; built without nvcc)");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new CudaException("cannot read " + FatbinInfo.RESOURCE + ": " + e.getMessage());
        }
    }

    /** Starts a launch of a grid-stride kernel over n elements: 256 threads a block, at most 32 blocks per SM. */
    Kernels grid1d(Kernel k, long n) {
        long blocks = Math.max(1, Math.min((n + BLOCK - 1) / BLOCK, maxBlocks));
        return grid(k, (int) blocks, 1, 1, BLOCK, 1, 1);
    }

    /** Starts a launch with an explicit grid and block. */
    Kernels grid(Kernel k, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ) {
        if (current != null) throw new IllegalStateException("launch of " + current.cname + " not finished with go()");
        current = k;
        gx = gridX; gy = gridY; gz = gridZ; bx = blockX; by = blockY; bz = blockZ;
        codes.setLength(0);
        return this;
    }

    private int slot(char code) {
        if (current == null) throw new IllegalStateException("argument before grid()");
        int i = codes.length();
        if (i >= current.signature.length() || current.signature.charAt(i) != code) {
            Kernel k = current;
            current = null; // the builder is free again: the next launch does not inherit this failure
            throw new IllegalArgumentException(k.cname + ": argument " + i + " is " + code + " but the signature is " + k.signature);
        }
        codes.append(code);
        return i;
    }

    /** A device pointer argument (0 for NULL). */
    Kernels p(long address) {
        argData.putLong(8L * slot('P'), address);
        return this;
    }

    /** A buffer argument (null for NULL). */
    Kernels p(org.pixelcnn.backend.Buf b) {
        long address;
        try {
            address = CudaBuf.addr(b);
        } catch (RuntimeException e) {
            current = null; // as in slot(): a bad argument abandons this launch only
            throw e;
        }
        return p(address);
    }

    Kernels i(int v) {
        argData.putInt(8L * slot('I'), v);
        return this;
    }

    Kernels l(long v) {
        argData.putLong(8L * slot('L'), v);
        return this;
    }

    Kernels f(float v) {
        argData.putFloat(8L * slot('F'), v);
        return this;
    }

    /** Launches (the arguments are copied by cuLaunchKernel, so the builder is free again on return). */
    void go() {
        Kernel k = current;
        current = null;
        if (codes.length() != k.signature.length())
            throw new IllegalArgumentException(k.cname + ": " + codes.length() + " arguments given, signature " + k.signature);
        CudaException.driver(cudart.cuLaunchKernel(functions.get(k), gx, gy, gz, bx, by, bz, 0, stream, argPointers, null),
                "cuLaunchKernel(" + k.cname + ", grid " + gx + "x" + gy + "x" + gz + ", block " + bx + "x" + by + "x" + bz + ")");
        if (check.everyCall()) check.after("kernel " + k.cname);
    }

    @Override
    public void close() {
        CudaException.driver(cudart.cuModuleUnload(module), "cuModuleUnload");
        argPointers.close();
        argData.close();
    }
}
