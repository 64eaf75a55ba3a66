package org.pixelcnn.bench;

import org.pixelcnn.backend.cuda.Precision;
import org.pixelcnn.model.ModelConfig;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code bench} command's output for one {@link StepBench.Result}: a small text table or one JSON
 * object (as a map for gson). Units: seconds, images per second, GFLOP (1e9 FLOPs), bytes. Training
 * FLOPs count 3x the forward FLOPs per image (forward + backward data + backward filter).
 *
 * @param result       the measurement
 * @param device       GPU product name, or null on the CPU
 * @param precision    the CUDA backend's precision, or null on the CPU
 * @param cpuThreads   worker threads of the CPU backend, or 0 on a GPU
 * @param arenaPeak    device arena bytes in use at the peak, or -1 when not known
 * @param arenaBytes   device arena capacity in bytes, or -1 when not known
 * @param gemmPeak     this machine's SGEMM rate on the backend's threads in FLOP/s ({@link GemmPeak}), or NaN
 *                     when not measured
 */
public record BenchReport(StepBench.Result result, String device, Precision precision, int cpuThreads,
                          long arenaPeak, long arenaBytes, double gemmPeak) {

    /** Training FLOP/s as a fraction of {@link #gemmPeak}, or empty when it was not measured. */
    public Optional<Double> trainFractionOfGemmPeak() {
        return Double.isFinite(gemmPeak) && gemmPeak > 0 ? Optional.of(result.trainFlops() / gemmPeak) : Optional.empty();
    }

    /** The datasheet peak for the device and precision, if the device is in {@link PeakFlops}. */
    public Optional<Double> peakFlops() {
        if (device == null || precision == null) return Optional.empty();
        return PeakFlops.of(device).map(p -> p.flops(precision));
    }

    /** One JSON object: the field names are part of the interface (tools/peer_bench.sh reads them). */
    public Map<String, Object> json() {
        StepBench.Result r = result;
        ModelConfig m = r.config().model();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("config", r.config().name());
        j.put("nr_resnet", m.nrResnet());
        j.put("nr_filters", m.nrFilters());
        j.put("nr_logistic_mix", m.nrLogisticMix());
        j.put("image", m.channels() + "x" + m.height() + "x" + m.width());
        j.put("batch", r.config().batch());
        j.put("backend", r.backend());
        j.put("device", device);
        j.put("precision", precision == null ? null : precision.flag());
        j.put("cpu_threads", cpuThreads > 0 ? cpuThreads : null);
        j.put("cpu_gemm", cpuThreads > 0 ? org.pixelcnn.backend.cpu.CpuBackend.gemmEngine() : null);
        j.put("cpu_conv", cpuThreads > 0 ? org.pixelcnn.backend.cpu.CpuBackend.convEngine() : null);
        j.put("params", r.params());
        j.put("forward_gflop_per_image", r.forwardFlops() / 1e9);
        j.put("train_images_per_s", r.trainImagesPerSecond());
        j.put("sample_images_per_s", r.sampleImagesPerSecond());
        j.put("sample_naive_images_per_s", r.sampleNaiveImagesPerSecond());
        j.put("sample_cached_over_naive", r.sampleImagesPerSecond() / r.sampleNaiveImagesPerSecond());
        j.put("train_gflop_per_s", r.trainFlops() / 1e9);
        j.put("forward_gflop_per_s", r.forwardFlopsPerSecond() / 1e9);
        j.put("step_seconds_median", r.trainStepSeconds());
        j.put("forward_seconds_median", r.forwardSeconds());
        j.put("sample_step_seconds_median", r.sampleStepSeconds());
        j.put("sample_batch_seconds_median", r.cachedBatchSeconds());
        j.put("sample_naive_batch_seconds", r.naiveBatchSeconds());
        j.put("sample_batches", r.samplerBatches());
        j.put("steps", r.steps());
        j.put("warmup", r.warmup());
        Optional<Double> peak = peakFlops();
        j.put("peak_tflop_per_s", peak.map(p -> p / 1e12).orElse(null));
        j.put("train_fraction_of_peak", peak.map(p -> r.trainFlops() / p).orElse(null));
        j.put("gemm_peak_gflops", Double.isFinite(gemmPeak) ? gemmPeak / 1e9 : null);
        j.put("train_fraction_of_gemm_peak", trainFractionOfGemmPeak().orElse(null));
        j.put("forward_fraction_of_gemm_peak", Double.isFinite(gemmPeak) && gemmPeak > 0 ? r.forwardFlopsPerSecond() / gemmPeak : null);
        j.put("arena_peak_bytes", arenaPeak >= 0 ? arenaPeak : null);
        j.put("arena_bytes", arenaBytes >= 0 ? arenaBytes : null);
        if (r.trainProfile() != null) {
            j.put("profile_train_ms_per_step", profileJson(r.trainProfile()));
            j.put("profile_sample_ms_per_step", profileJson(r.sampleProfile()));
            j.put("profile_sample_cached_ms_per_batch", profileJson(r.cachedProfile()));
        }
        return j;
    }

    private static Map<String, Object> profileJson(Map<String, double[]> p) {
        Map<String, Object> out = new LinkedHashMap<>();
        p.forEach((op, v) -> {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("ms", v[0]);
            o.put("calls", v[1]);
            o.put("gflop_per_s", v[2] > 0 ? v[2] / (v[0] / 1e3) : null);
            out.put(op, o);
        });
        return out;
    }

    /** The text table (and, with profiling, the per-operation tables). */
    public void print(PrintWriter out) {
        StepBench.Result r = result;
        ModelConfig m = r.config().model();
        String where = device == null ? r.backend() + " (" + cpuThreads + " threads)"
                : r.backend() + " (" + device + ", " + precision.flag() + ")";
        out.printf("bench: config %s (nr_resnet %d, nr_filters %d, nr_logistic_mix %d, %dx%dx%d), batch %d, %s%n",
                r.config().name(), m.nrResnet(), m.nrFilters(), m.nrLogisticMix(), m.channels(), m.height(), m.width(),
                r.config().batch(), where);
        out.printf("params %,d; forward %.3f GFLOP/image (training counted as 3x); median of %d steps after %d warm-up%n",
                r.params(), r.forwardFlops() / 1e9, r.steps(), r.warmup());
        Optional<Double> peak = peakFlops();
        Optional<Double> gemm = Double.isFinite(gemmPeak) && gemmPeak > 0 ? Optional.of(gemmPeak) : Optional.empty();
        out.printf("%-32s %12s %12s %10s %9s %9s%n", "", "seconds", "images/s", "GFLOP/s", "of peak", "of SGEMM");
        out.printf("%-32s %12.4f %12.3f %10.1f %9s %9s%n", "train step (fwd+loss+bwd+adam)", r.trainStepSeconds(),
                r.trainImagesPerSecond(), r.trainFlops() / 1e9, fraction(r.trainFlops(), peak), fraction(r.trainFlops(), gemm));
        out.printf("%-32s %12.4f %12s %10.1f %9s %9s%n", "forward (eval, whole batch)", r.forwardSeconds(), "",
                r.forwardFlopsPerSecond() / 1e9, fraction(r.forwardFlopsPerSecond(), peak), fraction(r.forwardFlopsPerSecond(), gemm));
        out.printf("%-32s %12.4f %12.4f %10s %9s%n", "full network at 1 position", r.sampleStepSeconds(),
                r.sampleFullNetworkImagesPerSecond(), "", "");
        out.printf("%-32s %12.4f %12.4f %10s %9s%n", "sample naive (1 batch, est.)", r.naiveBatchSeconds(), r.sampleNaiveImagesPerSecond(), "", "");
        out.printf("%-32s %12.4f %12.4f %10.1f %9s%n", "sample cached (1 batch)", r.cachedBatchSeconds(), r.sampleImagesPerSecond(),
                r.forwardFlops() * (double) r.config().batch() / r.cachedBatchSeconds() / 1e9, "");
        out.printf("cached sampler: %.1fx the naive one (naive: %d positions per band of 4 rows, median times the band's positions; "
                + "cached: median of %d batches)%n", r.sampleImagesPerSecond() / r.sampleNaiveImagesPerSecond(), r.samplerBatches(), r.samplerBatches());
        gemm.ifPresent(g -> out.printf("SGEMM peak of this machine on these threads (" + (cpuThreads > 0 ? org.pixelcnn.backend.cpu.CpuBackend.gemmEngine() : "cuBLAS")
                + "): %.1f GFLOP/s (one %dx%d product, best of %d)%n",
                g / 1e9, GemmPeak.SIZE, GemmPeak.SIZE, GemmPeak.REPS));
        if (device != null) {
            out.printf("peak %s; arena %s%n", peak.map(p -> String.format("%.1f TFLOP/s (%s, %s, dense)", p / 1e12,
                            PeakFlops.of(device).get().label(), precision.flag())).orElse("n/a (device not in the table)"),
                    arenaPeak < 0 ? "peak n/a" : String.format("peak %.2f GiB of %.2f GiB", arenaPeak / GIB, arenaBytes / GIB));
        }
        if (r.trainProfile() != null) {
            profile(out, "training step", r.trainProfile(), r.trainStepSeconds());
            profile(out, "sampling step (full network)", r.sampleProfile(), r.sampleStepSeconds());
            profile(out, "cached sampler batch", r.cachedProfile(), r.cachedBatchSeconds());
        }
    }

    private static final double GIB = 1L << 30;

    private static String fraction(double flops, Optional<Double> peak) {
        return peak.map(p -> String.format("%.1f%%", 100 * flops / p)).orElse("n/a");
    }

    private static void profile(PrintWriter out, String what, Map<String, double[]> p, double stepSeconds) {
        double total = p.values().stream().mapToDouble(v -> v[0]).sum();
        out.printf("%nper operation, %s (synchronised after each call: %.2f ms in all vs %.2f ms timed plainly)%n",
                what, total, stepSeconds * 1e3);
        out.printf("%-36s %10s %8s %7s %9s%n", "operation", "ms/step", "calls", "share", "GFLOP/s");
        p.forEach((op, v) -> out.printf("%-36s %10.3f %8.0f %6.1f%% %9s%n", op, v[0], v[1], total > 0 ? 100 * v[0] / total : 0,
                v[2] > 0 ? String.format("%.1f", v[2] / (v[0] / 1e3)) : "-"));
    }
}
