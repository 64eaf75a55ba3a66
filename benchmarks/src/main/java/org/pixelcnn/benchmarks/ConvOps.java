package org.pixelcnn.benchmarks;

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
import org.pixelcnn.model.layers.Conv2d;
import org.pixelcnn.model.layers.Deconv2d;

/**
 * The three convolution operations of {@link Backend} (forward with bias, backward data, backward
 * filter) for the convolutions the model makes at {@code shapes} (f = nr_filters):
 * <ul>
 * <li>{@code u_2x3_2f_f}, {@code u_2x3_2f_2f}: the gated resnet's two down-shifted 2x3 convolutions
 *     (concat_elu doubles the input channels); {@code ul_2x2_2f_f}, {@code ul_2x2_2f_2f}: the
 *     down-right-shifted 2x2 ones. These carry nearly all of the model's FLOPs.</li>
 * <li>{@code in_2x3}: the first convolution, image channels + 1 -&gt; f (also accepted: {@code in_1x3}, {@code in_2x1}).</li>
 * <li>{@code down_2x3_s2}: stride-2 down-shifted f -&gt; f (also {@code downright_2x2_s2}).</li>
 * <li>{@code deconv_2x3_s2}: the transposed convolution back up, whose forward is convBackwardData of
 *     this geometry (also {@code deconvright_2x2_s2}).</li>
 * </ul>
 * Setup prints each geometry's FLOPs per call (2 per multiply-add; the three operations cost the same),
 * so GFLOP/s = that / time. Parameters {@code backend} and {@code shapes} as in {@link BackendOps}, plus
 * {@code M} (nr_filters 64, batch 8). On the CPU a stride-1 convBackwardData runs as the convolution of dy
 * with the flipped filter (no col2im); the strided ones ({@code down_*_s2}, and {@code deconv_*} forward) as
 * product then col2im.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dorg.bytedeco.javacpp.maxBytes=0", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"})
public class ConvOps {
    @Param({"cpu", "cuda"})
    public String backend;

    @Param({"D", "M", "S"})
    public String shapes;

    @Param({"u_2x3_2f_f", "u_2x3_2f_2f", "ul_2x2_2f_f", "ul_2x2_2f_2f", "in_2x3", "down_2x3_s2", "deconv_2x3_s2"})
    public String conv;

    private Backend be;
    private ConvGeom g;
    private Buf x, wt, bias, y, dy, dx, dw;

    /**
     * The named geometry at these shapes.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    static ConvGeom geometry(String name, OpShapes s) {
        int n = s.n(), h = s.h(), w = s.w(), f = s.f(), c1 = s.channels() + 1;
        return switch (name) {
            case "u_2x3_2f_f" -> Conv2d.downShifted(n, h, w, 2 * f, f, 2, 3, 1);
            case "u_2x3_2f_2f" -> Conv2d.downShifted(n, h, w, 2 * f, 2 * f, 2, 3, 1);
            case "ul_2x2_2f_f" -> Conv2d.downRightShifted(n, h, w, 2 * f, f, 2, 2, 1);
            case "ul_2x2_2f_2f" -> Conv2d.downRightShifted(n, h, w, 2 * f, 2 * f, 2, 2, 1);
            case "in_2x3" -> Conv2d.downShifted(n, h, w, c1, f, 2, 3, 1);
            case "in_1x3" -> Conv2d.downShifted(n, h, w, c1, f, 1, 3, 1);
            case "in_2x1" -> Conv2d.downRightShifted(n, h, w, c1, f, 2, 1, 1);
            case "down_2x3_s2" -> Conv2d.downShifted(n, h, w, f, f, 2, 3, 2);
            case "downright_2x2_s2" -> Conv2d.downRightShifted(n, h, w, f, f, 2, 2, 2);
            case "deconv_2x3_s2" -> Deconv2d.downShifted(n, h / 2, w / 2, f, f, 2, 3, 2);
            case "deconvright_2x2_s2" -> Deconv2d.downRightShifted(n, h / 2, w / 2, f, f, 2, 2, 2);
            default -> throw new IllegalArgumentException("unknown conv '" + name + "'");
        };
    }

    @Setup(Level.Trial)
    public void setup() {
        g = geometry(conv, OpShapes.of(shapes));
        long floats = 2 * g.inSize() + 2 * g.outSize() + 2 * g.weightSize() + g.cout();
        be = BenchBackend.open(backend, 4 * floats + (1L << 30));
        System.out.printf("%n# %s at %s: %s, %.4f GFLOP per call%n", conv, shapes, g, 2.0 * g.macs() / 1e9);
        if (be == null) return;
        x = BenchBackend.random(be, g.inSize(), -1, 1, 1);
        wt = BenchBackend.random(be, g.weightSize(), -0.3, 0.3, 2);
        bias = BenchBackend.random(be, g.cout(), -1, 1, 3);
        y = be.alloc(g.outSize());
        dy = BenchBackend.random(be, g.outSize(), -1, 1, 4);
        dx = BenchBackend.random(be, g.inSize(), -1, 1, 5);
        dw = BenchBackend.random(be, g.weightSize(), -1, 1, 6);
        be.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (be != null) be.close();
    }

    @Benchmark
    public void convForward() {
        if (be == null) return;
        be.convForward(g, x, wt, bias, y);
        be.synchronize();
    }

    @Benchmark
    public void convBackwardData() {
        if (be == null) return;
        be.convBackwardData(g, dy, wt, dx);
        be.synchronize();
    }

    @Benchmark
    public void convBackwardFilter() {
        if (be == null) return;
        be.convBackwardFilter(g, x, dy, dw);
        be.synchronize();
    }
}
