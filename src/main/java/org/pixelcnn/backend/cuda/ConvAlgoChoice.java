package org.pixelcnn.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.bytedeco.cuda.global.cudnn.CUDNN_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cudnn.CUDNN_DETERMINISTIC;
import static org.bytedeco.cuda.global.cudnn.CUDNN_FMA_MATH;
import static org.bytedeco.cuda.global.cudnn.CUDNN_STATUS_SUCCESS;
import static org.bytedeco.cuda.global.cudnn.CUDNN_TENSOR_OP_MATH;
import static org.bytedeco.cuda.global.cudnn.CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;

/**
 * How one direction of one convolution geometry gets its cuDNN algorithm: pure rules over the records cuDNN
 * reports (cudnnConvolution*AlgoPerf_t), so the order can be tested without a GPU; {@link ConvDescriptors}
 * runs them against cuDNN.
 *
 * <p>Stages, tried in this order until one yields an algorithm that runs:
 * <ol>
 *   <li>the v7 heuristics (cudnnGet*Algorithm_v7) with the descriptor at the requested math
 *       (FP32: CUDNN_FMA_MATH; TF32: CUDNN_TENSOR_OP_MATH);</li>
 *   <li>cudnnFind*AlgorithmEx (timed runs on the real tensors) at the same math;</li>
 *   <li>the heuristics at the fallback math: TF32 falls back to plain float32 (CUDNN_FMA_MATH); FP32 falls
 *       back to CUDNN_DEFAULT_MATH, which cuDNN may run on TF32 tensor cores on Ampere and newer (logged as
 *       a warning);</li>
 *   <li>cudnnFind*AlgorithmEx at the fallback math.</li>
 * </ol>
 * Odd channel counts (1, 3, 7, 13...) are where the heuristics are likeliest to offer nothing usable.
 *
 * <p>Within a stage, {@link #order} keeps only records with status CUDNN_STATUS_SUCCESS, an algorithm of
 * the accepted families (see {@link CudnnConv}: never FFT or Winograd), a workspace within the limit and an
 * allowed math type, and ranks them in four rounds, cuDNN's own order kept within a round: deterministic
 * with the stage's preferred math, any determinism with preferred math, deterministic with tolerated math,
 * any with tolerated math. Per stage (FP32 / TF32 as {@link Precision}):
 * <pre>
 *   FP32 at FMA     : preferred FMA;               tolerated DEFAULT, run at FMA (so still no TF32)
 *   FP32 at DEFAULT : preferred FMA, DEFAULT;      run at the record's math
 *   TF32 at TENSOR_OP: preferred TENSOR_OP, DEFAULT, FMA; run at the record's math
 *   TF32 at FMA     : preferred FMA;               tolerated DEFAULT, run at FMA
 * </pre>
 * CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION (float16 down-conversion) is never accepted. The caller then sets
 * the run math on the descriptor and re-reads the workspace size for that algorithm under it (a size
 * reported under another math type may be wrong), taking the first candidate whose re-read size is
 * within the limit. (cuDNN's enum values are compile-time constants: these rules run, and are tested, without
 * loading the native library.)
 */
final class ConvAlgoChoice {
    private ConvAlgoChoice() {}

    /** Where the records of a stage come from. */
    enum Source { HEURISTICS, FIND }

    /**
     * One stage: the source queried with the convolution descriptor at math type {@code math}.
     *
     * @param fallback whether this is a fallback math (logged with the choice)
     */
    record Stage(Source source, int math, boolean fallback) {
    }

    /** One record as cuDNN reports it (algo, status, time is not used, memory, determinism, mathType). */
    record Perf(int algo, int status, long workspace, int determinism, int math) {
        @Override
        public String toString() {
            return "[algo " + algo + " status " + status + " math " + mathName(math) + " ws " + workspace
                    + (determinism == CUDNN_DETERMINISTIC ? " det" : " nondet") + "]";
        }
    }

    /** A record accepted by a stage and the math type to run it with. */
    record Candidate(Perf perf, int runMath) {
    }

    /**
     * A choice: the algorithm, the math type it runs at, its workspace re-read under that math type (bytes),
     * whether cuDNN calls it deterministic, and the stage that found it.
     */
    record Choice(int algo, int math, long workspace, boolean deterministic, Stage stage) {
    }

    /** What {@link #choose} asks of cuDNN for one direction of one geometry. */
    interface Cudnn {
        /**
         * The records of stage s, with the convolution descriptor set to s's math first.
         *
         * @throws CudaException when the query fails (the stage is skipped, unless the error is sticky)
         */
        List<Perf> records(Stage s);

        /** The workspace of algo with the descriptor set to runMath, in bytes; -1 when cuDNN refuses. */
        long workspace(int algo, int runMath);
    }

    /**
     * Runs the stages in order (see the class comment) and returns the first candidate whose workspace,
     * re-read under the math type it runs at, is within maxWorkspace.
     *
     * @param families the accepted algorithm values of this direction
     * @param what     the direction and geometry, for the error message
     * @throws CudaException naming every stage and record seen when none yields an algorithm, or the first
     *                       sticky error
     */
    static Choice choose(Precision p, Set<Integer> families, long maxWorkspace, Cudnn cudnn, String what) {
        List<String> seen = new ArrayList<>();
        for (Stage s : stages(p)) {
            List<Perf> records;
            try {
                records = cudnn.records(s);
            } catch (CudaException e) {
                if (e.sticky()) throw e;
                seen.add(describe(s) + ": " + e.getMessage());
                continue;
            }
            seen.add(describe(s) + ": " + records);
            for (Candidate c : order(records, families, p, s.math(), maxWorkspace)) {
                long ws = cudnn.workspace(c.perf().algo(), c.runMath());
                if (ws < 0 || ws > maxWorkspace) {
                    seen.add("algo " + c.perf().algo() + " at " + mathName(c.runMath()) + ": workspace re-read " + (ws < 0 ? "refused" : ws + " bytes"));
                    continue;
                }
                return new Choice(c.perf().algo(), c.runMath(), ws, c.perf().determinism() == CUDNN_DETERMINISTIC, s);
            }
        }
        throw new CudaException("cuDNN offers no usable " + what + " (" + p.flag() + "): " + String.join("; ", seen));
    }

    /** "heuristics at FMA", for logs. */
    static String describe(Stage s) {
        return s.source().name().toLowerCase() + " at " + mathName(s.math());
    }

    /** The stages for a precision, in the order they are tried. */
    static List<Stage> stages(Precision p) {
        int first = p == Precision.FP32 ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH, second = p == Precision.FP32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
        return List.of(new Stage(Source.HEURISTICS, first, false), new Stage(Source.FIND, first, false),
                new Stage(Source.HEURISTICS, second, true), new Stage(Source.FIND, second, true));
    }

    /** Math types a stage prefers (rounds 1, 2). */
    private static Set<Integer> preferred(Precision p, int stageMath) {
        if (p == Precision.TF32 && stageMath == CUDNN_TENSOR_OP_MATH) return Set.of(CUDNN_TENSOR_OP_MATH, CUDNN_DEFAULT_MATH, CUDNN_FMA_MATH);
        if (p == Precision.FP32 && stageMath == CUDNN_DEFAULT_MATH) return Set.of(CUDNN_FMA_MATH, CUDNN_DEFAULT_MATH);
        return Set.of(CUDNN_FMA_MATH);
    }

    /** Math types a stage tolerates after the preferred ones (rounds 3, 4); they run at FMA math. */
    private static Set<Integer> tolerated(int stageMath) {
        return stageMath == CUDNN_FMA_MATH ? Set.of(CUDNN_DEFAULT_MATH) : Set.of();
    }

    /**
     * The acceptable records of one stage in the order to try them (see the class comment), each with the
     * math type to run it at.
     *
     * @param records      what cuDNN reported, in its order
     * @param families     the accepted algorithm values of this direction
     * @param maxWorkspace the largest workspace accepted, bytes
     */
    static List<Candidate> order(List<Perf> records, Set<Integer> families, Precision p, int stageMath, long maxWorkspace) {
        Set<Integer> pref = preferred(p, stageMath), tol = tolerated(stageMath);
        List<Candidate> out = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
            boolean deterministicOnly = round % 2 == 0, tolerant = round >= 2;
            Set<Integer> maths = tolerant ? tol : pref;
            for (Perf r : records) {
                boolean ok = r.status() == CUDNN_STATUS_SUCCESS && families.contains(r.algo()) && r.workspace() >= 0
                        && r.workspace() <= maxWorkspace && r.math() != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION && maths.contains(r.math())
                        && (!deterministicOnly || r.determinism() == CUDNN_DETERMINISTIC);
                boolean seen = out.stream().anyMatch(c -> c.perf().equals(r));
                if (ok && !seen) out.add(new Candidate(r, stageMath == CUDNN_FMA_MATH ? CUDNN_FMA_MATH : r.math()));
            }
        }
        return out;
    }

    /** Whether running at this math type under this precision deserves a warning (FP32 asked, TF32 possible). */
    static boolean mayUseTf32Unasked(Precision p, int runMath) {
        return p == Precision.FP32 && runMath != CUDNN_FMA_MATH;
    }

    /** "FMA", "TENSOR_OP", ... for logs. */
    static String mathName(int math) {
        return switch (math) {
            case CUDNN_DEFAULT_MATH -> "DEFAULT";
            case CUDNN_TENSOR_OP_MATH -> "TENSOR_OP";
            case CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION -> "TENSOR_OP_ALLOW_CONVERSION";
            case CUDNN_FMA_MATH -> "FMA";
            default -> "math " + math;
        };
    }
}
