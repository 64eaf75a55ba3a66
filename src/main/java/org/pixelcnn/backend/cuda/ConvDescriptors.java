package org.pixelcnn.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdDataAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdFilterAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionFwdAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionStruct;
import org.bytedeco.cuda.cudnn.cudnnFilterStruct;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.pixelcnn.backend.ConvGeom;
import org.pixelcnn.backend.cuda.ConvAlgoChoice.Perf;
import org.pixelcnn.backend.cuda.ConvAlgoChoice.Stage;

import static org.bytedeco.cuda.global.cudnn.*;

/**
 * The cuDNN descriptors of one {@link ConvPlan}: input x [n, cin, he, we] NHWC, output grid y
 * [n, cout, hoC, woC] NHWC, filter W [cout, cin, fh, fw] in NHWC (KRSC) layout, and one convolution
 * descriptor per direction (pads padH/padW, stride s, cross-correlation, float32 compute) so each can carry
 * the math type of the algorithm chosen for it. Algorithms are chosen on first use of a direction by the
 * stages of {@link ConvAlgoChoice} (heuristics, then cudnnFind*Ex, then the fallback math) and cached;
 * each choice is logged once (logger {@code org.pixelcnn.backend.cuda}: FINE for the choice, WARNING for a
 * fallback). On creation the output size cuDNN computes is checked against the plan.
 */
// cuDNN 9 marks its legacy convolution API deprecated; it is used on purpose (long-standing, in every
// cuDNN 8 and 9 release, so the 13.1/9.19 presets run against the CUDA 13.0 machine's cuDNN).
@SuppressWarnings("deprecation")
final class ConvDescriptors implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("org.pixelcnn.backend.cuda");

    /** The three directions of a convolution. */
    enum Direction {
        FORWARD("forward"), BACKWARD_DATA("backward-data"), BACKWARD_FILTER("backward-filter");

        final String label;

        Direction(String label) {
            this.label = label;
        }
    }

    /**
     * Device buffers a cudnnFind*AlgorithmEx call may run on: the direction's two inputs, an output it may
     * overwrite (never a tensor the real call accumulates into) and a workspace.
     * Forward: (x, W, y); backward data: (W, dy, dx scratch); backward filter: (x, dy, dW scratch).
     */
    record FindBuffers(long inA, long inB, long out, long workspace, long workspaceBytes) {
    }

    final ConvPlan plan;
    final cudnnTensorStruct x = new cudnnTensorStruct(), y = new cudnnTensorStruct();
    final cudnnFilterStruct w = new cudnnFilterStruct();
    final cudnnConvolutionStruct convFwd = new cudnnConvolutionStruct(), convBwdData = new cudnnConvolutionStruct(),
            convBwdFilter = new cudnnConvolutionStruct();
    private final cudnnContext handle;
    private final Precision precision;
    private final StreamCheck check;
    private final SizeTPointer size = new SizeTPointer(1);
    private final ConvAlgoChoice.Choice[] chosen = new ConvAlgoChoice.Choice[Direction.values().length];

    ConvDescriptors(cudnnContext handle, ConvPlan plan, Precision precision, StreamCheck check) {
        this.handle = handle;
        this.plan = plan;
        this.precision = precision;
        this.check = check;
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
        int first = ConvAlgoChoice.stages(precision).get(0).math();
        for (cudnnConvolutionStruct c : new cudnnConvolutionStruct[]{convFwd, convBwdData, convBwdFilter}) {
            CudaException.cudnn(cudnnCreateConvolutionDescriptor(c), "cudnnCreateConvolutionDescriptor" + what);
            CudaException.cudnn(cudnnSetConvolution2dDescriptor(c, plan.padH(), plan.padW(), g.stride(), g.stride(), 1, 1,
                    CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT), "cudnnSetConvolution2dDescriptor" + what);
            CudaException.cudnn(cudnnSetConvolutionMathType(c, first), "cudnnSetConvolutionMathType" + what);
        }
        int[] n = new int[1], c = new int[1], h = new int[1], wo = new int[1];
        CudaException.cudnn(cudnnGetConvolution2dForwardOutputDim(convFwd, x, w, n, c, h, wo), "cudnnGetConvolution2dForwardOutputDim" + what);
        if (n[0] != g.n() || c[0] != g.cout() || h[0] != plan.hoC() || wo[0] != plan.woC())
            throw new CudaException("cuDNN output " + n[0] + "x" + c[0] + "x" + h[0] + "x" + wo[0] + " differs from the plan's "
                    + g.n() + "x" + g.cout() + "x" + plan.hoC() + "x" + plan.woC() + what);
    }

    private cudnnConvolutionStruct conv(Direction d) {
        return switch (d) {
            case FORWARD -> convFwd;
            case BACKWARD_DATA -> convBwdData;
            case BACKWARD_FILTER -> convBwdFilter;
        };
    }

    /**
     * The algorithm of direction d, chosen on the first call (then cached, the descriptor left at its math
     * type) by {@link ConvAlgoChoice#choose}: for each stage the descriptor is set to the stage's math and the
     * records fetched (heuristics, or cudnnFind*Ex on {@code find}'s buffers); each candidate's workspace is
     * re-read with the descriptor at the math type it will run at. Logged once.
     *
     * @param families the accepted algorithm values of this direction
     * @param find     the buffers cudnnFind*Ex may use (asked for only when a Find stage runs)
     * @throws CudaException naming every stage and record seen when no stage yields an algorithm
     */
    ConvAlgoChoice.Choice choose(Direction d, Set<Integer> families, Supplier<FindBuffers> find) {
        ConvAlgoChoice.Choice a = chosen[d.ordinal()];
        if (a != null) return a;
        cudnnConvolutionStruct conv = conv(d);
        a = ConvAlgoChoice.choose(precision, families, CudnnConv.MAX_WORKSPACE, new ConvAlgoChoice.Cudnn() {
            @Override
            public List<Perf> records(Stage s) {
                setMath(conv, s.math(), d);
                return s.source() == ConvAlgoChoice.Source.HEURISTICS ? heuristics(d) : find(d, find.get());
            }

            @Override
            public long workspace(int algo, int runMath) {
                setMath(conv, runMath, d);
                return workspaceSize(d, algo);
            }
        }, d.label + " algorithm for " + plan.g());
        setMath(conv, a.math(), d); // a later candidate may have been tried after it: leave the descriptor at the choice
        log(d, a);
        chosen[d.ordinal()] = a;
        return a;
    }

    private void setMath(cudnnConvolutionStruct conv, int math, Direction d) {
        CudaException.cudnn(cudnnSetConvolutionMathType(conv, math),
                "cudnnSetConvolutionMathType(" + d.label + ", " + ConvAlgoChoice.mathName(math) + ") for " + plan.g());
    }

    /** The once-per-geometry log line of a choice; a fallback (or fp32 run at a math that may use TF32) also warns. */
    private void log(Direction d, ConvAlgoChoice.Choice a) {
        boolean unasked = ConvAlgoChoice.mayUseTf32Unasked(precision, a.math());
        Level level = a.stage().fallback() || unasked ? Level.WARNING : Level.FINE;
        if (!LOG.isLoggable(level)) return;
        LOG.log(level, String.format("cuDNN %s %s: algo %d (%s), math %s, workspace %d bytes, %s; from %s, precision %s%s",
                d.label, plan.g(), a.algo(), algoName(d, a.algo()), ConvAlgoChoice.mathName(a.math()), a.workspace(),
                a.deterministic() ? "deterministic" : "non-deterministic", ConvAlgoChoice.describe(a.stage()), precision.flag(),
                a.stage().fallback() ? " (fallback: no algorithm at the requested math)" : "")
                + (unasked ? "; fp32 was asked but cuDNN's default math may use TF32 here" : ""));
    }

    /** cuDNN's name of an algorithm, for logs. */
    static String algoName(Direction d, int algo) {
        return switch (d) {
            case FORWARD -> switch (algo) {
                case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM -> "IMPLICIT_GEMM";
                case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM -> "IMPLICIT_PRECOMP_GEMM";
                case CUDNN_CONVOLUTION_FWD_ALGO_GEMM -> "GEMM";
                case CUDNN_CONVOLUTION_FWD_ALGO_DIRECT -> "DIRECT";
                default -> "algo " + algo;
            };
            case BACKWARD_DATA -> algo == CUDNN_CONVOLUTION_BWD_DATA_ALGO_0 ? "ALGO_0" : algo == CUDNN_CONVOLUTION_BWD_DATA_ALGO_1 ? "ALGO_1" : "algo " + algo;
            case BACKWARD_FILTER -> algo == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0 ? "ALGO_0" : algo == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1 ? "ALGO_1"
                    : algo == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3 ? "ALGO_3" : "algo " + algo;
        };
    }

    /** The v7 heuristics' records for direction d at the descriptor's current math type. */
    private List<Perf> heuristics(Direction d) {
        int[] got = new int[1];
        String what = "cudnnGetConvolution" + switch (d) {
            case FORWARD -> "Forward";
            case BACKWARD_DATA -> "BackwardData";
            case BACKWARD_FILTER -> "BackwardFilter";
        } + "Algorithm_v7(" + plan.g() + ")";
        switch (d) {
            case FORWARD -> {
                try (cudnnConvolutionFwdAlgoPerf_t perf = new cudnnConvolutionFwdAlgoPerf_t(CUDNN_CONVOLUTION_FWD_ALGO_COUNT)) {
                    CudaException.cudnn(cudnnGetConvolutionForwardAlgorithm_v7(handle, x, w, convFwd, y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, got, perf), what);
                    return records(perf, got[0]);
                }
            }
            case BACKWARD_DATA -> {
                try (cudnnConvolutionBwdDataAlgoPerf_t perf = new cudnnConvolutionBwdDataAlgoPerf_t(CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT)) {
                    CudaException.cudnn(cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, w, y, convBwdData, x, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,
                            got, perf), what);
                    return records(perf, got[0]);
                }
            }
            default -> {
                try (cudnnConvolutionBwdFilterAlgoPerf_t perf = new cudnnConvolutionBwdFilterAlgoPerf_t(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT)) {
                    CudaException.cudnn(cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, x, y, convBwdFilter, w,
                            CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, got, perf), what);
                    return records(perf, got[0]);
                }
            }
        }
    }

    /** cudnnFind*AlgorithmEx's records for direction d at the descriptor's current math type (timed runs on b). */
    private List<Perf> find(Direction d, FindBuffers b) {
        int[] got = new int[1];
        DevicePtr a = new DevicePtr(b.inA()), bb = new DevicePtr(b.inB()), out = new DevicePtr(b.out()), ws = new DevicePtr(b.workspace());
        List<Perf> r;
        switch (d) {
            case FORWARD -> {
                try (cudnnConvolutionFwdAlgoPerf_t perf = new cudnnConvolutionFwdAlgoPerf_t(CUDNN_CONVOLUTION_FWD_ALGO_COUNT)) {
                    CudaException.cudnn(cudnnFindConvolutionForwardAlgorithmEx(handle, x, a, w, bb, convFwd, y, out, CUDNN_CONVOLUTION_FWD_ALGO_COUNT,
                            got, perf, ws, b.workspaceBytes()), "cudnnFindConvolutionForwardAlgorithmEx(" + plan.g() + ")");
                    r = records(perf, got[0]);
                }
            }
            case BACKWARD_DATA -> {
                try (cudnnConvolutionBwdDataAlgoPerf_t perf = new cudnnConvolutionBwdDataAlgoPerf_t(CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT)) {
                    CudaException.cudnn(cudnnFindConvolutionBackwardDataAlgorithmEx(handle, w, a, y, bb, convBwdData, x, out,
                            CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, got, perf, ws, b.workspaceBytes()), "cudnnFindConvolutionBackwardDataAlgorithmEx(" + plan.g() + ")");
                    r = records(perf, got[0]);
                }
            }
            default -> {
                try (cudnnConvolutionBwdFilterAlgoPerf_t perf = new cudnnConvolutionBwdFilterAlgoPerf_t(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT)) {
                    CudaException.cudnn(cudnnFindConvolutionBackwardFilterAlgorithmEx(handle, x, a, y, bb, convBwdFilter, w, out,
                            CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, got, perf, ws, b.workspaceBytes()),
                            "cudnnFindConvolutionBackwardFilterAlgorithmEx(" + plan.g() + ")");
                    r = records(perf, got[0]);
                }
            }
        }
        check.after("cudnnFind " + d.label + " for " + plan.g());
        return r;
    }

    private static List<Perf> records(cudnnConvolutionFwdAlgoPerf_t perf, int count) {
        List<Perf> r = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            cudnnConvolutionFwdAlgoPerf_t p = perf.getPointer(i);
            r.add(new Perf(p.algo(), p.status(), p.memory(), p.determinism(), p.mathType()));
        }
        return r;
    }

    private static List<Perf> records(cudnnConvolutionBwdDataAlgoPerf_t perf, int count) {
        List<Perf> r = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            cudnnConvolutionBwdDataAlgoPerf_t p = perf.getPointer(i);
            r.add(new Perf(p.algo(), p.status(), p.memory(), p.determinism(), p.mathType()));
        }
        return r;
    }

    private static List<Perf> records(cudnnConvolutionBwdFilterAlgoPerf_t perf, int count) {
        List<Perf> r = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            cudnnConvolutionBwdFilterAlgoPerf_t p = perf.getPointer(i);
            r.add(new Perf(p.algo(), p.status(), p.memory(), p.determinism(), p.mathType()));
        }
        return r;
    }

    /** The workspace of algo in direction d under the descriptor's current math type, in bytes; -1 when cuDNN refuses. */
    private long workspaceSize(Direction d, int algo) {
        int status = switch (d) {
            case FORWARD -> cudnnGetConvolutionForwardWorkspaceSize(handle, x, w, convFwd, y, algo, size);
            case BACKWARD_DATA -> cudnnGetConvolutionBackwardDataWorkspaceSize(handle, w, y, convBwdData, x, algo, size);
            case BACKWARD_FILTER -> cudnnGetConvolutionBackwardFilterWorkspaceSize(handle, x, y, convBwdFilter, w, algo, size);
        };
        return status == CUDNN_STATUS_SUCCESS ? size.get() : -1;
    }

    @Override
    public void close() {
        cudnnDestroyTensorDescriptor(x);
        cudnnDestroyTensorDescriptor(y);
        cudnnDestroyFilterDescriptor(w);
        cudnnDestroyConvolutionDescriptor(convFwd);
        cudnnDestroyConvolutionDescriptor(convBwdData);
        cudnnDestroyConvolutionDescriptor(convBwdFilter);
        size.close();
    }
}
