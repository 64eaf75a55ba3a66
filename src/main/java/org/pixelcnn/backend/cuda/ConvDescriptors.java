package org.pixelcnn.backend.cuda;

import java.util.Set;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdDataAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdFilterAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionFwdAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionStruct;
import org.bytedeco.cuda.cudnn.cudnnFilterStruct;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.pixelcnn.backend.ConvGeom;

import static org.bytedeco.cuda.global.cudnn.*;

/**
 * The cuDNN descriptors of one {@link ConvPlan}: input x [n, cin, he, we] NHWC, output grid y
 * [n, cout, hoC, woC] NHWC, filter W [cout, cin, fh, fw] in NHWC (KRSC) layout, and one convolution
 * descriptor per direction (pads padH/padW, stride s, cross-correlation, float32 compute) so each can carry
 * the math type of the algorithm chosen for it. Algorithms are chosen on first use by the v7 heuristics
 * (see {@link CudnnConv} for the rules) and cached. On creation the output size cuDNN computes is checked
 * against the plan.
 */
// cuDNN 9 marks its legacy convolution API deprecated; it is used on purpose (long-standing, in every
// cuDNN 8 and 9 release, so the 13.1/9.19 presets run against the CUDA 13.0 machine's cuDNN).
@SuppressWarnings("deprecation")
final class ConvDescriptors implements AutoCloseable {
    /** A chosen algorithm and the workspace it needs in bytes. */
    record Algo(int algo, long workspace) {
    }

    final ConvPlan plan;
    final cudnnTensorStruct x = new cudnnTensorStruct(), y = new cudnnTensorStruct();
    final cudnnFilterStruct w = new cudnnFilterStruct();
    final cudnnConvolutionStruct convFwd = new cudnnConvolutionStruct(), convBwdData = new cudnnConvolutionStruct(),
            convBwdFilter = new cudnnConvolutionStruct();
    private final cudnnContext handle;
    private final Precision precision;
    private Algo fwd, bwdData, bwdFilter;

    ConvDescriptors(cudnnContext handle, ConvPlan plan, Precision precision) {
        this.handle = handle;
        this.plan = plan;
        this.precision = precision;
        ConvGeom g = plan.g();
        String what = " for " + g;
        CudaException.cudnn(cudnnCreateTensorDescriptor(x), "cudnnCreateTensorDescriptor" + what);
        CudaException.cudnn(cudnnCreateTensorDescriptor(y), "cudnnCreateTensorDescriptor" + what);
        CudaException.cudnn(cudnnCreateFilterDescriptor(w), "cudnnCreateFilterDescriptor" + what);
        CudaException.cudnn(cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, g.n(), g.cin(), plan.he(), plan.we()),
                "cudnnSetTensor4dDescriptor(x)" + what);
        CudaException.cudnn(cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, g.n(), g.cout(), plan.hoC(), plan.woC()),
                "cudnnSetTensor4dDescriptor(y)" + what);
        CudaException.cudnn(cudnnSetFilter4dDescriptor(w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NHWC, g.cout(), g.cin(), g.fh(), g.fw()),
                "cudnnSetFilter4dDescriptor" + what);
        for (cudnnConvolutionStruct c : new cudnnConvolutionStruct[]{convFwd, convBwdData, convBwdFilter}) {
            CudaException.cudnn(cudnnCreateConvolutionDescriptor(c), "cudnnCreateConvolutionDescriptor" + what);
            CudaException.cudnn(cudnnSetConvolution2dDescriptor(c, plan.padH(), plan.padW(), g.stride(), g.stride(), 1, 1,
                    CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT), "cudnnSetConvolution2dDescriptor" + what);
            CudaException.cudnn(cudnnSetConvolutionMathType(c, requestedMath()), "cudnnSetConvolutionMathType" + what);
        }
        int[] n = new int[1], c = new int[1], h = new int[1], wo = new int[1];
        CudaException.cudnn(cudnnGetConvolution2dForwardOutputDim(convFwd, x, w, n, c, h, wo), "cudnnGetConvolution2dForwardOutputDim" + what);
        if (n[0] != g.n() || c[0] != g.cout() || h[0] != plan.hoC() || wo[0] != plan.woC())
            throw new CudaException("cuDNN output " + n[0] + "x" + c[0] + "x" + h[0] + "x" + wo[0] + " differs from the plan's "
                    + g.n() + "x" + g.cout() + "x" + plan.hoC() + "x" + plan.woC() + what);
    }

    private int requestedMath() {
        return precision == Precision.FP32 ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH;
    }

    /**
     * Whether results of this math type may run. FP32: CUDNN_FMA_MATH; when relaxed also CUDNN_DEFAULT_MATH
     * (run with the descriptor kept at CUDNN_FMA_MATH, so still without TF32). TF32: anything but
     * CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION.
     */
    private boolean mathAllowed(int math, boolean relaxed) {
        if (precision == Precision.TF32) return math != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
        return math == CUDNN_FMA_MATH || (relaxed && math == CUDNN_DEFAULT_MATH);
    }

    /**
     * Picks from heuristic results, keeping the heuristics' order within each round: (1) deterministic,
     * strict math; (2) any determinism, strict math; (3), (4) the same with relaxed math. Always an allowed
     * algorithm family and a workspace within {@link CudnnConv#MAX_WORKSPACE}.
     */
    private Algo pick(String direction, int count, int[] algo, int[] status, long[] memory, int[] determinism, int[] math,
                      Set<Integer> allowed, cudnnConvolutionStruct conv) {
        int chosen = -1;
        for (int round = 0; round < 4 && chosen < 0; round++) {
            boolean needDeterministic = round % 2 == 0, relaxed = round >= 2;
            for (int i = 0; i < count && chosen < 0; i++) {
                boolean ok = status[i] == CUDNN_STATUS_SUCCESS && allowed.contains(algo[i]) && mathAllowed(math[i], relaxed)
                        && memory[i] <= CudnnConv.MAX_WORKSPACE && (!needDeterministic || determinism[i] == CUDNN_DETERMINISTIC);
                if (ok) chosen = i;
            }
        }
        if (chosen < 0) {
            StringBuilder seen = new StringBuilder();
            for (int i = 0; i < count; i++)
                seen.append(String.format(" [algo %d status %d math %d ws %d det %d]", algo[i], status[i], math[i], memory[i], determinism[i]));
            throw new CudaException("cuDNN offers no usable " + direction + " algorithm (" + precision.flag() + ") for " + plan.g() + ":" + seen);
        }
        if (determinism[chosen] != CUDNN_DETERMINISTIC)
            System.err.println("note: cuDNN " + direction + " for " + plan.g() + " uses non-deterministic algorithm " + algo[chosen]);
        int runMath = precision == Precision.FP32 ? CUDNN_FMA_MATH : math[chosen];
        CudaException.cudnn(cudnnSetConvolutionMathType(conv, runMath), "cudnnSetConvolutionMathType(" + direction + ")");
        return new Algo(algo[chosen], memory[chosen]);
    }

    Algo forward(Set<Integer> allowed) {
        if (fwd != null) return fwd;
        int max = CUDNN_CONVOLUTION_FWD_ALGO_COUNT;
        int[] got = new int[1];
        try (cudnnConvolutionFwdAlgoPerf_t perf = new cudnnConvolutionFwdAlgoPerf_t(max)) {
            CudaException.cudnn(cudnnGetConvolutionForwardAlgorithm_v7(handle, x, w, convFwd, y, max, got, perf),
                    "cudnnGetConvolutionForwardAlgorithm_v7(" + plan.g() + ")");
            int c = got[0];
            int[] a = new int[c], s = new int[c], d = new int[c], m = new int[c];
            long[] mem = new long[c];
            for (int i = 0; i < c; i++) {
                cudnnConvolutionFwdAlgoPerf_t r = perf.getPointer(i);
                a[i] = r.algo(); s[i] = r.status(); mem[i] = r.memory(); d[i] = r.determinism(); m[i] = r.mathType();
            }
            fwd = pick("forward", c, a, s, mem, d, m, allowed, convFwd);
        }
        return fwd;
    }

    Algo backwardData(Set<Integer> allowed) {
        if (bwdData != null) return bwdData;
        int max = CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT;
        int[] got = new int[1];
        try (cudnnConvolutionBwdDataAlgoPerf_t perf = new cudnnConvolutionBwdDataAlgoPerf_t(max)) {
            CudaException.cudnn(cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, w, y, convBwdData, x, max, got, perf),
                    "cudnnGetConvolutionBackwardDataAlgorithm_v7(" + plan.g() + ")");
            int c = got[0];
            int[] a = new int[c], s = new int[c], d = new int[c], m = new int[c];
            long[] mem = new long[c];
            for (int i = 0; i < c; i++) {
                cudnnConvolutionBwdDataAlgoPerf_t r = perf.getPointer(i);
                a[i] = r.algo(); s[i] = r.status(); mem[i] = r.memory(); d[i] = r.determinism(); m[i] = r.mathType();
            }
            bwdData = pick("backward-data", c, a, s, mem, d, m, allowed, convBwdData);
        }
        return bwdData;
    }

    Algo backwardFilter(Set<Integer> allowed) {
        if (bwdFilter != null) return bwdFilter;
        int max = CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT;
        int[] got = new int[1];
        try (cudnnConvolutionBwdFilterAlgoPerf_t perf = new cudnnConvolutionBwdFilterAlgoPerf_t(max)) {
            CudaException.cudnn(cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, x, y, convBwdFilter, w, max, got, perf),
                    "cudnnGetConvolutionBackwardFilterAlgorithm_v7(" + plan.g() + ")");
            int c = got[0];
            int[] a = new int[c], s = new int[c], d = new int[c], m = new int[c];
            long[] mem = new long[c];
            for (int i = 0; i < c; i++) {
                cudnnConvolutionBwdFilterAlgoPerf_t r = perf.getPointer(i);
                a[i] = r.algo(); s[i] = r.status(); mem[i] = r.memory(); d[i] = r.determinism(); m[i] = r.mathType();
            }
            bwdFilter = pick("backward-filter", c, a, s, mem, d, m, allowed, convBwdFilter);
        }
        return bwdFilter;
    }

    @Override
    public void close() {
        cudnnDestroyTensorDescriptor(x);
        cudnnDestroyTensorDescriptor(y);
        cudnnDestroyFilterDescriptor(w);
        cudnnDestroyConvolutionDescriptor(convFwd);
        cudnnDestroyConvolutionDescriptor(convBwdData);
        cudnnDestroyConvolutionDescriptor(convBwdFilter);
    }
}
