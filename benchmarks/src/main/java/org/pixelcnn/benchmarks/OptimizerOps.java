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
import org.pixelcnn.bench.BenchConfig;
import org.pixelcnn.model.ModelStats;
import org.pixelcnn.backend.AdamPolyak;

/**
 * The once-per-step operations over the flat parameter block of the model of {@code shapes} (D: the
 * default model's 53.7 M parameters; S: 0.58 M): the Adam + Polyak update ({@link Backend#adamPolyak},
 * five parameter-sized buffers) and the gradient finiteness check ({@link Backend#sumSquares}).
 * Parameters {@code backend} and {@code shapes} as in {@link BackendOps}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dorg.bytedeco.javacpp.maxBytes=0", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"})
public class OptimizerOps {
    @Param({"cpu", "cuda"})
    public String backend;

    @Param({"D", "S"})
    public String shapes;

    private Backend be;
    private Buf p, g, m, v, ema;
    private AdamPolyak adam;
    private long step;

    @Setup(Level.Trial)
    public void setup() {
        long np = ModelStats.of(BenchConfig.named(shapes, null).model()).params();
        be = BenchBackend.open(backend, 4 * 5 * np + (512L << 20));
        if (be == null) return;
        p = BenchBackend.random(be, np, -0.1, 0.1, 1);
        g = BenchBackend.random(be, np, -1, 1, 2);
        m = BenchBackend.random(be, np, -0.1, 0.1, 3);
        v = BenchBackend.random(be, np, 0, 0.01, 4);
        ema = BenchBackend.random(be, np, -0.1, 0.1, 5);
        adam = new AdamPolyak(AdamPolyak.DEFAULT_POLYAK_DECAY);
        be.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (be != null) be.close();
    }

    @Benchmark
    public void adamPolyak() {
        if (be == null) return;
        be.adamPolyak(adam.scalars(++step, 1e-3), p, g, m, v, ema);
        be.synchronize();
    }

    /** Synchronises: returns the sum. */
    @Benchmark
    public double sumSquares() {
        if (be == null) return 0;
        return be.sumSquares(g);
    }
}
