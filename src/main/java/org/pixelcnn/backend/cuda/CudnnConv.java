package org.pixelcnn.backend.cuda;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.pixelcnn.backend.ConvGeom;

import static org.bytedeco.cuda.global.cudnn.*;

/**
 * The convolutions of the CUDA backend on cuDNN's legacy API, NHWC float32, with the engine's HWIO
 * weights transposed to cuDNN's KRSC filter layout in scratch, and asymmetric padding handled as
 * {@link ConvPlan} explains. Per {@link ConvGeom}: descriptors made once and cached; one algorithm per
 * direction chosen on first use and cached: cudnnGet*Algorithm_v7 heuristics, and only when they offer
 * nothing usable cudnnFind*AlgorithmEx (timed runs on the call's own tensors), then the fallback math
 * ({@link ConvAlgoChoice}); each choice is logged once per geometry.
 *
 * <p>Algorithms: only the direct / implicit-GEMM families are used (forward IMPLICIT_GEMM,
 * IMPLICIT_PRECOMP_GEMM, GEMM, DIRECT; backward data ALGO_0, ALGO_1; backward filter ALGO_0, ALGO_1,
 * ALGO_3), never FFT or Winograd: their transforms mix inputs that an output does not depend on, which
 * would break the bit-exact causality of the network (an output could change in its last bit when a later
 * pixel changes) and cost accuracy. Among those, deterministic algorithms (CUDNN_DETERMINISTIC) come first;
 * a non-deterministic one is taken only when no deterministic one is offered (the log says which).
 * In FP32 mode CUDNN_FMA_MATH is asked for; in TF32 mode anything but CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION
 * (see {@link Precision} and, for the fallbacks, {@link ConvAlgoChoice}). In checking mode ({@link StreamCheck})
 * the stream is synchronised after every cuDNN call.
 */
// cuDNN 9 marks its legacy convolution API deprecated; it is used on purpose (long-standing, in every
// cuDNN 8 and 9 release, so the 13.1/9.19 presets run against the CUDA 13.0 machine's cuDNN).
@SuppressWarnings("deprecation")
final class CudnnConv implements AutoCloseable {
    /** Largest cuDNN workspace accepted for one call. */
    static final long MAX_WORKSPACE = 512L << 20;

    private static final Set<Integer> FWD_OK = Set.of(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM,
            CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, CUDNN_CONVOLUTION_FWD_ALGO_GEMM, CUDNN_CONVOLUTION_FWD_ALGO_DIRECT);
    private static final Set<Integer> BWD_DATA_OK = Set.of(CUDNN_CONVOLUTION_BWD_DATA_ALGO_0, CUDNN_CONVOLUTION_BWD_DATA_ALGO_1);
    private static final Set<Integer> BWD_FILTER_OK = Set.of(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0,
            CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3);

    private final cudnnContext handle = new cudnnContext();
    private final Precision precision;
    private final Kernels k;
    private final StreamCheck check;
    private final DeviceArena arena;
    private final Scratch inSide, outSide, weights, workspace;
    private final FloatPointer one = new FloatPointer(1f), zero = new FloatPointer(0f);
    private final Map<ConvGeom, ConvDescriptors> cache = new HashMap<>();

    CudnnConv(CUstream_st stream, Precision precision, Kernels k, DeviceArena arena, StreamCheck check) {
        this.precision = precision;
        this.k = k;
        this.check = check;
        this.arena = arena;
        this.inSide = new Scratch(arena);
        this.outSide = new Scratch(arena);
        this.weights = new Scratch(arena);
        this.workspace = new Scratch(arena);
        CudaException.cudnn(cudnnCreate(handle), "cudnnCreate");
        CudaException.cudnn(cudnnSetStream(handle, stream), "cudnnSetStream");
    }

    private ConvDescriptors entry(ConvGeom g) {
        return cache.computeIfAbsent(g, geom -> new ConvDescriptors(handle, ConvPlan.of(geom), precision, check));
    }

    /**
     * A workspace for cudnnFind*AlgorithmEx: {@link #MAX_WORKSPACE} bytes, or half the arena's free room when
     * that is less (Find then skips algorithms that need more; they would be refused anyway).
     */
    private ConvDescriptors.FindBuffers findBuffers(long inA, long inB, long out) {
        long bytes = Math.min(MAX_WORKSPACE, arena.freeBytes() / 2 / DeviceArena.ALIGN * DeviceArena.ALIGN);
        return new ConvDescriptors.FindBuffers(inA, inB, out, workspace.bytes(bytes), bytes);
    }

    /** y = conv(x, W) (overwrite). */
    void forward(ConvGeom g, CudaBuf x, CudaBuf w, CudaBuf y) {
        ConvDescriptors e = entry(g);
        ConvPlan p = e.plan;
        long wk = toKrsc(g, w);
        long xin = p.padsInput() ? pad(p, x) : x.address();
        long yout = p.cropsOutput() ? outSide.floats(p.gridOutSize()) : y.address();
        ConvAlgoChoice.Choice a = e.choose(ConvDescriptors.Direction.FORWARD, FWD_OK, () -> findBuffers(xin, wk, yout));
        long ws = workspace.bytes(a.workspace());
        int status = cudnnConvolutionForward(handle, one, e.x, new DevicePtr(xin), e.w, new DevicePtr(wk), e.convFwd, a.algo(),
                new DevicePtr(ws), a.workspace(), zero, e.y, new DevicePtr(yout));
        after(status, "Forward", g, a);
        if (p.cropsOutput())
            k.grid1d(Kernel.CROP_NHWC, g.outSize()).p(yout).p(y.address()).i(g.n()).i(g.ho()).i(g.wo()).i(g.cout())
                    .i(p.hoC()).i(p.woC()).i(0).i(0).i(0).go();
    }

    /** dx += conv^T(dy, W). */
    void backwardData(ConvGeom g, CudaBuf dy, CudaBuf w, CudaBuf dx) {
        ConvDescriptors e = entry(g);
        ConvPlan p = e.plan;
        long wk = toKrsc(g, w);
        long dyin = p.cropsOutput() ? extend(p, dy) : dy.address();
        // cudnnFind may overwrite its output: it gets the input-side scratch, never dx (which this call accumulates into)
        ConvAlgoChoice.Choice a = e.choose(ConvDescriptors.Direction.BACKWARD_DATA, BWD_DATA_OK,
                () -> findBuffers(wk, dyin, inSide.floats(p.paddedInSize())));
        long ws = workspace.bytes(a.workspace());
        long dxout = p.padsInput() ? inSide.floats(p.paddedInSize()) : dx.address();
        int status = cudnnConvolutionBackwardData(handle, one, e.w, new DevicePtr(wk), e.y, new DevicePtr(dyin), e.convBwdData,
                a.algo(), new DevicePtr(ws), a.workspace(), p.padsInput() ? zero : one, e.x, new DevicePtr(dxout));
        after(status, "BackwardData", g, a);
        if (p.padsInput())
            k.grid1d(Kernel.CROP_NHWC, g.inSize()).p(dxout).p(dx.address()).i(g.n()).i(g.h()).i(g.w()).i(g.cin())
                    .i(p.he()).i(p.we()).i(p.extraTop()).i(p.extraLeft()).i(1).go();
    }

    /** dW += sum over positions of x-patch (x) dy. */
    void backwardFilter(ConvGeom g, CudaBuf x, CudaBuf dy, CudaBuf dw) {
        ConvDescriptors e = entry(g);
        ConvPlan p = e.plan;
        long xin = p.padsInput() ? pad(p, x) : x.address();
        long dyin = p.cropsOutput() ? extend(p, dy) : dy.address();
        long dwk = weights.floats(g.weightSize());
        ConvAlgoChoice.Choice a = e.choose(ConvDescriptors.Direction.BACKWARD_FILTER, BWD_FILTER_OK, () -> findBuffers(xin, dyin, dwk));
        long ws = workspace.bytes(a.workspace());
        int status = cudnnConvolutionBackwardFilter(handle, one, e.x, new DevicePtr(xin), e.y, new DevicePtr(dyin), e.convBwdFilter,
                a.algo(), new DevicePtr(ws), a.workspace(), zero, e.w, new DevicePtr(dwk));
        after(status, "BackwardFilter", g, a);
        k.grid1d(Kernel.KRSC_ADD_TO_HWIO, g.weightSize()).p(dwk).p(dw.address()).i(g.fh()).i(g.fw()).i(g.cin()).i(g.cout()).go();
    }

    /** Throws a failed cuDNN status; in checking mode waits for the call. The message is built only then. */
    private void after(int status, String direction, ConvGeom g, ConvAlgoChoice.Choice a) {
        if (status == CUDNN_STATUS_SUCCESS && !check.everyCall()) return;
        String call = "cudnnConvolution" + direction + "(" + g + ", algo " + a.algo() + ", math " + ConvAlgoChoice.mathName(a.math()) + ")";
        CudaException.cudnn(status, call);
        check.after(call);
    }

    /** W (HWIO) transposed to KRSC in the weight scratch; returns its address. */
    private long toKrsc(ConvGeom g, CudaBuf w) {
        long wk = weights.floats(g.weightSize());
        k.grid1d(Kernel.HWIO_TO_KRSC, g.weightSize()).p(w.address()).p(wk).i(g.fh()).i(g.fw()).i(g.cin()).i(g.cout()).go();
        return wk;
    }

    /** x zero-padded to [n, he, we, cin] in the input-side scratch. */
    private long pad(ConvPlan p, CudaBuf x) {
        ConvGeom g = p.g();
        long xe = inSide.floats(p.paddedInSize());
        k.grid1d(Kernel.PAD_NHWC, p.paddedInSize()).p(x.address()).p(xe).i(g.n()).i(g.h()).i(g.w()).i(g.cin())
                .i(p.he()).i(p.we()).i(p.extraTop()).i(p.extraLeft()).go();
        return xe;
    }

    /** dy zero-extended to cuDNN's output grid [n, hoC, woC, cout] in the output-side scratch. */
    private long extend(ConvPlan p, CudaBuf dy) {
        ConvGeom g = p.g();
        long dyc = outSide.floats(p.gridOutSize());
        k.grid1d(Kernel.PAD_NHWC, p.gridOutSize()).p(dy.address()).p(dyc).i(g.n()).i(g.ho()).i(g.wo()).i(g.cout())
                .i(p.hoC()).i(p.woC()).i(0).i(0).go();
        return dyc;
    }

    @Override
    public void close() {
        for (ConvDescriptors e : cache.values()) e.close();
        cache.clear();
        CudaException.cudnn(cudnnDestroy(handle), "cudnnDestroy");
        one.close();
        zero.close();
    }
}
