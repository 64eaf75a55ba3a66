package org.pixelcnn.backend.cuda;

import static org.bytedeco.cuda.global.cudnn.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.pixelcnn.backend.cuda.ConvAlgoChoice.Candidate;
import org.pixelcnn.backend.cuda.ConvAlgoChoice.Choice;
import org.pixelcnn.backend.cuda.ConvAlgoChoice.Perf;
import org.pixelcnn.backend.cuda.ConvAlgoChoice.Source;
import org.pixelcnn.backend.cuda.ConvAlgoChoice.Stage;

/**
 * The cuDNN algorithm choice as pure rules ({@link ConvAlgoChoice}), fed with records such as cuDNN reports:
 * the stage order per precision (heuristics, Find, then the fallback math), the ranking within a stage
 * (families, status, workspace limit, never ALLOW_CONVERSION, determinism and preferred math first), the
 * fallbacks when a geometry gets nothing usable, and the workspace re-read under the math type the algorithm
 * will run at (a candidate whose re-read size is over the limit or refused is passed over).
 */
class ConvAlgoChoiceTest {
    private static final Set<Integer> FWD = Set.of(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM,
            CUDNN_CONVOLUTION_FWD_ALGO_GEMM, CUDNN_CONVOLUTION_FWD_ALGO_DIRECT);
    private static final long MAX = 1000;
    private static final int OK = CUDNN_STATUS_SUCCESS, DET = CUDNN_DETERMINISTIC, NONDET = CUDNN_NON_DETERMINISTIC;

    private static Perf perf(int algo, int status, long ws, int det, int math) {
        return new Perf(algo, status, ws, det, math);
    }

    private static List<Integer> algos(List<Candidate> c) {
        return c.stream().map(x -> x.perf().algo()).toList();
    }

    @Test
    void stagesTryTheRequestedMathThenTheFallback() {
        assertEquals(List.of(new Stage(Source.HEURISTICS, CUDNN_FMA_MATH, false), new Stage(Source.FIND, CUDNN_FMA_MATH, false),
                new Stage(Source.HEURISTICS, CUDNN_DEFAULT_MATH, true), new Stage(Source.FIND, CUDNN_DEFAULT_MATH, true)),
                ConvAlgoChoice.stages(Precision.FP32));
        assertEquals(List.of(new Stage(Source.HEURISTICS, CUDNN_TENSOR_OP_MATH, false), new Stage(Source.FIND, CUDNN_TENSOR_OP_MATH, false),
                new Stage(Source.HEURISTICS, CUDNN_FMA_MATH, true), new Stage(Source.FIND, CUDNN_FMA_MATH, true)),
                ConvAlgoChoice.stages(Precision.TF32));
    }

    @Test
    void fp32KeepsAcceptedFamiliesWithinTheWorkspaceDeterministicAndFmaFirst() {
        List<Perf> recs = List.of(
                perf(CUDNN_CONVOLUTION_FWD_ALGO_FFT, OK, 0, DET, CUDNN_FMA_MATH),                      // FFT: never
                perf(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, OK, 10, NONDET, CUDNN_FMA_MATH),
                perf(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, OK, 10, DET, CUDNN_DEFAULT_MATH),
                perf(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, OK, MAX + 1, DET, CUDNN_FMA_MATH),              // workspace too big
                perf(CUDNN_CONVOLUTION_FWD_ALGO_DIRECT, CUDNN_STATUS_NOT_SUPPORTED, 0, DET, CUDNN_FMA_MATH),
                perf(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, OK, 20, DET, CUDNN_TENSOR_OP_MATH));             // TF32 math: not in fp32
        List<Candidate> c = ConvAlgoChoice.order(recs, FWD, Precision.FP32, CUDNN_FMA_MATH, MAX);
        assertEquals(List.of(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM), algos(c));
        assertTrue(c.stream().allMatch(x -> x.runMath() == CUDNN_FMA_MATH), "fp32 at FMA runs every candidate at FMA math: " + c);
    }

    @Test
    void tf32PrefersDeterminismNeverAllowsConversionAndRunsAtTheRecordsMath() {
        List<Perf> recs = List.of(
                perf(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, OK, 0, NONDET, CUDNN_TENSOR_OP_MATH),
                perf(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, OK, 0, DET, CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION),
                perf(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, OK, 0, DET, CUDNN_FMA_MATH),
                perf(CUDNN_CONVOLUTION_FWD_ALGO_DIRECT, OK, 0, DET, CUDNN_TENSOR_OP_MATH));
        List<Candidate> c = ConvAlgoChoice.order(recs, FWD, Precision.TF32, CUDNN_TENSOR_OP_MATH, MAX);
        assertEquals(List.of(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, CUDNN_CONVOLUTION_FWD_ALGO_DIRECT, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM), algos(c));
        assertEquals(List.of(CUDNN_FMA_MATH, CUDNN_TENSOR_OP_MATH, CUDNN_TENSOR_OP_MATH), c.stream().map(Candidate::runMath).toList());
    }

    @Test
    void theFallbackMathsAreRunAsTheirStageSays() {
        Perf def = perf(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, OK, 0, DET, CUDNN_DEFAULT_MATH);
        // fp32 fallback: cuDNN's default math, run as it is (it may use TF32: warned)
        List<Candidate> fp32 = ConvAlgoChoice.order(List.of(def), FWD, Precision.FP32, CUDNN_DEFAULT_MATH, MAX);
        assertEquals(CUDNN_DEFAULT_MATH, fp32.get(0).runMath());
        assertTrue(ConvAlgoChoice.mayUseTf32Unasked(Precision.FP32, fp32.get(0).runMath()));
        // tf32 fallback: plain float32, a default-math record run at FMA
        List<Candidate> tf32 = ConvAlgoChoice.order(List.of(def), FWD, Precision.TF32, CUDNN_FMA_MATH, MAX);
        assertEquals(CUDNN_FMA_MATH, tf32.get(0).runMath());
        assertFalse(ConvAlgoChoice.mayUseTf32Unasked(Precision.TF32, CUDNN_TENSOR_OP_MATH));
        assertFalse(ConvAlgoChoice.mayUseTf32Unasked(Precision.FP32, CUDNN_FMA_MATH));
    }

    /** A fake cuDNN: records per stage, workspace re-reads per (algo, math), and the calls made, in order. */
    private static final class FakeCudnn implements ConvAlgoChoice.Cudnn {
        final Function<Stage, List<Perf>> records;
        final Map<List<Integer>, Long> reread;
        final List<String> calls = new ArrayList<>();

        FakeCudnn(Function<Stage, List<Perf>> records, Map<List<Integer>, Long> reread) {
            this.records = records;
            this.reread = reread;
        }

        @Override
        public List<Perf> records(Stage s) {
            calls.add(ConvAlgoChoice.describe(s));
            return records.apply(s);
        }

        @Override
        public long workspace(int algo, int runMath) {
            calls.add("workspace " + algo + " " + ConvAlgoChoice.mathName(runMath));
            return reread.getOrDefault(List.of(algo, runMath), 0L);
        }
    }

    @Test
    void anOddGeometryWithOnlyFftFromTheHeuristicsFallsBackToFind() {
        // e.g. 3 input channels in tf32: the heuristics offer FFT and Winograd only; Find offers implicit GEMM
        FakeCudnn f = new FakeCudnn(s -> s.source() == Source.HEURISTICS
                ? List.of(perf(CUDNN_CONVOLUTION_FWD_ALGO_FFT, OK, 0, DET, CUDNN_TENSOR_OP_MATH), perf(CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD, OK, 0, DET, CUDNN_TENSOR_OP_MATH))
                : List.of(perf(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, OK, 64, DET, CUDNN_TENSOR_OP_MATH)), Map.of());
        Choice c = ConvAlgoChoice.choose(Precision.TF32, FWD, MAX, f, "forward");
        assertEquals(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, c.algo());
        assertEquals(new Stage(Source.FIND, CUDNN_TENSOR_OP_MATH, false), c.stage());
        assertEquals(List.of("heuristics at TENSOR_OP", "find at TENSOR_OP", "workspace 0 TENSOR_OP"), f.calls);
        assertEquals(0, c.workspace(), "the re-read size, not the record's 64");
    }

    @Test
    void nothingAtTheRequestedMathFallsBackToTheOtherMathHeuristicsBeforeItsFind() {
        FakeCudnn f = new FakeCudnn(s -> s.math() == CUDNN_FMA_MATH
                ? List.of(perf(CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED, OK, 0, DET, CUDNN_FMA_MATH))
                : List.of(perf(CUDNN_CONVOLUTION_FWD_ALGO_DIRECT, OK, 0, NONDET, CUDNN_DEFAULT_MATH)), Map.of());
        Choice c = ConvAlgoChoice.choose(Precision.FP32, FWD, MAX, f, "forward");
        assertEquals(CUDNN_CONVOLUTION_FWD_ALGO_DIRECT, c.algo());
        assertEquals(CUDNN_DEFAULT_MATH, c.math());
        assertFalse(c.deterministic());
        assertTrue(c.stage().fallback());
        assertEquals(List.of("heuristics at FMA", "find at FMA", "heuristics at DEFAULT", "workspace 3 DEFAULT"), f.calls);
    }

    @Test
    void theWorkspaceIsReReadUnderTheRunMathAndAnOversizedOrRefusedOneIsPassedOver() {
        // the record says 0 bytes (reported under another math type); re-read at FMA it needs more than the limit
        List<Perf> recs = List.of(perf(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, OK, 0, DET, CUDNN_DEFAULT_MATH),
                perf(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, OK, 0, DET, CUDNN_DEFAULT_MATH),
                perf(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, OK, 0, NONDET, CUDNN_DEFAULT_MATH));
        FakeCudnn f = new FakeCudnn(s -> s.source() == Source.HEURISTICS && s.math() == CUDNN_FMA_MATH ? recs : List.of(),
                Map.of(List.of(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, CUDNN_FMA_MATH), MAX + 1,
                        List.of(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, CUDNN_FMA_MATH), -1L,
                        List.of(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, CUDNN_FMA_MATH), 512L));
        Choice c = ConvAlgoChoice.choose(Precision.FP32, FWD, MAX, f, "forward");
        assertEquals(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, c.algo());
        assertEquals(CUDNN_FMA_MATH, c.math());
        assertEquals(512, c.workspace());
        assertEquals(List.of("heuristics at FMA", "workspace 1 FMA", "workspace 2 FMA", "workspace 0 FMA"), f.calls);
    }

    @Test
    void aFailingQueryIsSkippedAStickyOneStopsAndNothingUsableFailsNamingEverything() {
        FakeCudnn failingFind = new FakeCudnn(s -> {
            if (s.source() == Source.FIND) throw new CudaException("cudnnFindConvolutionForwardAlgorithmEx failed: cuDNN status 3000");
            return s.fallback() ? List.of(perf(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, OK, 0, DET, CUDNN_FMA_MATH)) : List.of();
        }, Map.of());
        assertEquals(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, ConvAlgoChoice.choose(Precision.TF32, FWD, MAX, failingFind, "forward").algo());

        FakeCudnn sticky = new FakeCudnn(s -> {
            throw new CudaException("cudnnFind (cudaStreamSynchronize after the call) failed", CUDA_ILLEGAL_ADDRESS, false, 0);
        }, Map.of());
        CudaException e = assertThrows(CudaException.class, () -> ConvAlgoChoice.choose(Precision.FP32, FWD, MAX, sticky, "forward"));
        assertTrue(e.sticky());
        assertEquals(1, sticky.calls.size(), "a sticky error stops the search at once");

        FakeCudnn none = new FakeCudnn(s -> List.of(perf(CUDNN_CONVOLUTION_FWD_ALGO_FFT, OK, 0, DET, s.math())), Map.of());
        CudaException nothing = assertThrows(CudaException.class,
                () -> ConvAlgoChoice.choose(Precision.FP32, FWD, MAX, none, "forward algorithm for G"));
        assertTrue(nothing.getMessage().startsWith("cuDNN offers no usable forward algorithm for G (fp32): heuristics at FMA: [[algo 4 status 0 math FMA"),
                nothing.getMessage());
        assertTrue(nothing.getMessage().contains("find at DEFAULT: [[algo 4"), nothing.getMessage());
        assertFalse(nothing.sticky());
    }

    /** cudaErrorIllegalAddress. */
    private static final int CUDA_ILLEGAL_ADDRESS = 700;
}
