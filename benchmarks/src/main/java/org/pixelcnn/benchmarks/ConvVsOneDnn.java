package org.pixelcnn.benchmarks;

import java.nio.FloatBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.ConvGeom;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.backend.cpu.CpuBuf;
import org.pixelcnn.backend.cpu.OneDnnConv;
import org.pixelcnn.backend.cpu.Parallel;

/**
 * The CPU backend's two convolution paths on every convolution geometry of a training step of S, M and D
 * ({@link ConvLayers}), forward (with bias), backward-data and backward-filter, with the engine's semantics
 * (forward overwrites, the backward operations accumulate): im2col + SGEMM ({@code path=im2col}, a
 * {@code CpuBackend} with oneDNN's convolutions off) against oneDNN's convolution primitives ({@code path=onednn},
 * {@link OneDnnConv} as the backend runs it, the weights' reorder from HWIO included in forward and
 * backward-data). Sample-time mode: the summary table ({@link ConvCompareTable}) reads each one's median. These
 * figures chose the rule of {@code OneDnnConvs} (README Performance).
 *
 * <p>Threads: both sides use all cores. im2col splits its products over the backend's threads; oneDNN, whose
 * OpenMP the engine limits to one thread per call ({@code OMP_NUM_THREADS=1}), gets one contiguous range of
 * images per thread, each thread running its own primitives on its images (what the engine does). {@code
 * path=onednn-omp} instead runs one primitive over the whole batch on the calling thread, so oneDNN's own OpenMP
 * team splits it: meaningful only with {@code OMP_NUM_THREADS} = the core count in the environment of the JMH run
 * (which then also gives the engine's products OpenMP teams: compare that run's oneDNN figures only).
 *
 * <p>{@link #weightReorders} times the two reorders of W alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dorg.bytedeco.javacpp.maxBytes=0", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"})
public class ConvVsOneDnn {
    @Param({"D", "M", "S"})
    public String shapes;

    @Param({"u_2x3_2f_f.32", "u_2x3_2f_2f.32", "ul_2x2_2f_f.32", "ul_2x2_2f_2f.32",
            "u_2x3_2f_f.16", "u_2x3_2f_2f.16", "ul_2x2_2f_f.16", "ul_2x2_2f_2f.16",
            "u_2x3_2f_f.8", "u_2x3_2f_2f.8", "ul_2x2_2f_f.8", "ul_2x2_2f_2f.8",
            "in_2x3.32", "in_1x3.32", "in_2x1.32",
            "down_2x3_s2.32", "downright_2x2_s2.32", "down_2x3_s2.16", "downright_2x2_s2.16",
            "deconv_2x3_s2.16", "deconvright_2x2_s2.16", "deconv_2x3_s2.32", "deconvright_2x2_s2.32"})
    public String layer;

    @Param({"im2col", "onednn"})
    public String path;

    /** Images per call; 0: the configuration's batch for {@code bench --backend cpu} (S 16, M 8, D 2). */
    @Param({"0"})
    public int batch;

    private Backend be;
    private ConvGeom g;
    private Buf x, wt, bias, y, dy, dx, dw;
    private OneDnnConv dnn;
    private FloatBuffer fx, fwt, fbias, fy, fdy, fdx, fdw;

    @Setup(Level.Trial)
    public void setup() {
        OpShapes s = ConvLayers.cpuShapes(shapes, batch);
        g = ConvLayers.geometry(layer, s);
        long[] calls = ConvLayers.stepCalls(s).getOrDefault(layer, new long[3]);
        be = new CpuBackend(Runtime.getRuntime().availableProcessors(), false);
        System.out.printf("%n# %s at %s: %s, %.4f GFLOP per call; per training step %d forward, %d backward-data, %d backward-filter; products on %s%n",
                layer, shapes, g, 2.0 * g.macs() / 1e9, calls[0], calls[1], calls[2], CpuBackend.gemmEngine());
        if (!path.equals("im2col") && !CpuBackend.convEngine().startsWith("oneDNN"))
            throw new IllegalStateException("no oneDNN convolutions here: " + CpuBackend.convEngine());
        x = BenchBackend.random(be, g.inSize(), -1, 1, 1);
        wt = BenchBackend.random(be, g.weightSize(), -0.3, 0.3, 2);
        bias = BenchBackend.random(be, g.cout(), -1, 1, 3);
        y = be.alloc(g.outSize());
        dy = BenchBackend.random(be, g.outSize(), -1, 1, 4);
        dx = BenchBackend.random(be, g.inSize(), -1, 1, 5);
        dw = BenchBackend.random(be, g.weightSize(), -1, 1, 6);
        fx = CpuBuf.of(x);
        fwt = CpuBuf.of(wt);
        fbias = CpuBuf.of(bias);
        fy = CpuBuf.of(y);
        fdy = CpuBuf.of(dy);
        fdx = CpuBuf.of(dx);
        fdw = CpuBuf.of(dw);
        switch (path) {
            case "im2col" -> { }
            case "onednn", "onednn-omp" -> {
                int threads = Runtime.getRuntime().availableProcessors();
                dnn = new OneDnnConv(g, new Parallel(threads), path.equals("onednn"));
                System.out.printf("# oneDNN %s: %d chunk(s) of the batch; forward / backward-data / backward-weights: %s%n",
                        path, dnn.chunks(), dnn.implementations());
                verify();
            }
            default -> throw new IllegalArgumentException("path must be im2col, onednn or onednn-omp, not '" + path + "'");
        }
    }

    /**
     * Set-up's guard that oneDNN computes what the engine does: each of the three operations on both paths from
     * the same inputs, within 1e-4 of the largest magnitude of the engine's result (two float32 orders of summing
     * differ by far less; a wrong tap, flip or position by whole terms, about 1e-1 of it).
     *
     * @throws IllegalStateException when a result differs by more
     */
    private void verify() {
        Buf y2 = be.alloc(g.outSize()), dxA = be.alloc(g.inSize()), dxB = be.alloc(g.inSize());
        Buf dwA = be.alloc(g.weightSize()), dwB = be.alloc(g.weightSize());
        be.copy(dx, dxA);
        be.copy(dx, dxB);
        be.copy(dw, dwA);
        be.copy(dw, dwB);
        be.convForward(g, x, wt, bias, y);
        dnn.forward(fx, fwt, fbias, CpuBuf.of(y2));
        be.convBackwardData(g, dy, wt, dxA);
        dnn.backwardData(fdy, fwt, CpuBuf.of(dxB));
        be.convBackwardFilter(g, x, dy, dwA);
        dnn.backwardFilter(fx, fdy, CpuBuf.of(dwB));
        same("forward", y, y2);
        same("backward-data", dxA, dxB);
        same("backward-filter", dwA, dwB);
    }

    private void same(String what, Buf want, Buf got) {
        float[] a = new float[Math.toIntExact(want.size())], b = new float[a.length];
        be.download(want, 0, a, 0, a.length);
        be.download(got, 0, b, 0, b.length);
        double max = 0, err = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i]));
            err = Math.max(err, Math.abs((double) a[i] - b[i]));
        }
        System.out.printf("# check %s: largest difference %.2e of largest magnitude %.3g%n", what, err, max);
        if (!(err <= 1e-4 * max)) throw new IllegalStateException("oneDNN " + what + " of " + g + " differs from the engine's by " + err + " (largest magnitude " + max + ")");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (dnn != null) dnn.close();
        be.close();
    }

    @Benchmark
    public void forward() {
        if (dnn != null) dnn.forward(fx, fwt, fbias, fy);
        else be.convForward(g, x, wt, bias, y);
    }

    @Benchmark
    public void backwardData() {
        if (dnn != null) dnn.backwardData(fdy, fwt, fdx);
        else be.convBackwardData(g, dy, wt, dx);
    }

    @Benchmark
    public void backwardFilter() {
        if (dnn != null) dnn.backwardFilter(fx, fdy, fdw);
        else be.convBackwardFilter(g, x, dy, dw);
    }

    /** oneDNN only: the reorders of W from HWIO into the forward's and backward-data's layouts alone (im2col: nothing). */
    @Benchmark
    public void weightReorders() {
        if (dnn != null) dnn.setWeights(fwt);
    }

    /** Prints every layer's geometry and step calls for S, M and D (java -cp benchmarks.jar org.pixelcnn.benchmarks.ConvVsOneDnn). */
    public static void main(String[] args) {
        for (String name : args.length > 0 ? args : new String[]{"S", "M", "D"}) {
            OpShapes s = ConvLayers.cpuShapes(name, 0);
            Map<String, long[]> calls = ConvLayers.stepCalls(s);
            System.out.println(name + ":");
            for (Map.Entry<String, long[]> e : calls.entrySet())
                System.out.printf("  %-22s %s  fwd %d, bwd-data %d, bwd-filter %d%n", e.getKey(), ConvLayers.geometry(e.getKey(), s),
                        e.getValue()[0], e.getValue()[1], e.getValue()[2]);
        }
    }
}
