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

/**
 * The Backend operations of the cached sampler at the model's convolutions ({@link ConvOps#geometry}
 * names; the {@code deconv*} ones gather the transposed convolution's windows): {@link #gatherWindows}
 * (the receptive windows of a run of output positions from a position-major cache, [h, w, n, c]),
 * {@link #cachedConv} (gather, one GEMM with W, the bias: what the cached sampler does per layer and run)
 * and {@link #transposeTaps} (once per batch, deconvs only). {@code run}: {@code position} = one output
 * position of all n images (the h-stream's step), {@code row} = one output row (the v-stream's run at the
 * start of a row). Time per call after a synchronisation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dorg.bytedeco.javacpp.maxBytes=0", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"})
public class CachedOps {
    @Param({"cpu", "cuda"})
    public String backend;

    @Param({"D", "S"})
    public String shapes;

    @Param({"u_2x3_2f_2f", "ul_2x2_2f_2f", "down_2x3_s2", "deconv_2x3_s2"})
    public String conv;

    @Param({"position", "row"})
    public String run;

    private Backend be;
    private ConvGeom g;
    private boolean transposed;
    private int p0, count, k, cout;
    private Buf x, w, wt, bias, col, y;

    @Setup(Level.Trial)
    public void setup() {
        g = ConvOps.geometry(conv, OpShapes.of(shapes));
        transposed = conv.startsWith("deconv");
        int outH = transposed ? g.h() : g.ho(), outW = transposed ? g.w() : g.wo();
        count = run.equals("row") ? outW : 1;
        p0 = (outH / 2) * outW + (count == 1 ? outW / 2 : 0); // mid-image: the windows are inside
        k = g.fh() * g.fw() * (transposed ? g.cout() : g.cin());
        cout = transposed ? g.cin() : g.cout();
        long floats = g.inSize() + g.outSize() + 2 * g.weightSize() + (long) count * g.n() * (k + cout) + cout;
        be = BenchBackend.open(backend, 4 * floats + (1L << 30));
        System.out.printf("%n# %s at %s, %d position(s) of %d images: col [%d, %d] x W [%d, %d], %.6f GFLOP per cachedConv%n", conv, shapes,
                count, g.n(), count * g.n(), k, k, cout, 2.0 * count * g.n() * k * cout / 1e9);
        if (be == null) return;
        x = BenchBackend.random(be, transposed ? g.outSize() : g.inSize(), -1, 1, 1);
        w = BenchBackend.random(be, g.weightSize(), -0.3, 0.3, 2);
        wt = be.alloc(g.weightSize());
        bias = BenchBackend.random(be, cout, -1, 1, 3);
        col = be.alloc((long) count * g.n() * k);
        y = be.alloc((long) count * g.n() * cout);
        be.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (be != null) be.close();
    }

    private void gather() {
        if (transposed) be.gatherWindowsTransposed(g, x, p0, count, col);
        else be.gatherWindows(g, x, p0, count, col);
    }

    @Benchmark
    public void gatherWindows() {
        if (be == null) return;
        gather();
        be.synchronize();
    }

    @Benchmark
    public void cachedConv() {
        if (be == null) return;
        gather();
        be.gemm(false, false, count * g.n(), cout, k, 1f, col, transposed ? wt : w, 0f, y);
        be.addBias(y, bias, (long) count * g.n(), cout);
        be.synchronize();
    }

    @Benchmark
    public void transposeTaps() {
        if (be == null) return;
        be.transposeTaps(w, wt, g.fh() * g.fw(), g.cin(), g.cout());
        be.synchronize();
    }
}
