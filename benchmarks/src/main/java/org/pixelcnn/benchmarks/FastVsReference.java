package org.pixelcnn.benchmarks;

import java.nio.FloatBuffer;
import java.util.SplittableRandom;
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
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.DropoutMask;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.backend.cpu.CpuBuf;
import org.pixelcnn.backend.cpu.ReferenceOps;
import org.pixelcnn.backend.cpu.VecMath;

/**
 * The CPU backend's fast elementwise path against its element-at-a-time control, on the same buffers:
 * {@code fast*} is the backend ({@code CpuElementwise}: tiles, {@code VecMath}, all cores), {@code reference*}
 * is {@link ReferenceOps} (one element at a time, exp in double, one thread), and {@code expm1Tile} /
 * {@code expm1MathExp} compare the vectorised expm1 with Math.exp in double over one tile on one thread
 * (time per call; divide by {@code TILE_FLOATS} for ns per element). Shapes: the gated resnet's activation
 * at {@code shapes} (rows = n*h*w, f = nr_filters; concat_elu and dropout act on 2f channels).
 * Why the fast path is what it is: `-p shapes=S` shows the ratios; keep both sides when changing either.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dorg.bytedeco.javacpp.maxBytes=0", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"})
public class FastVsReference {
    @Param({"S", "D"})
    public String shapes;

    /** Floats in the one-thread exp comparison. */
    public static final int TILE_FLOATS = 1024;

    private CpuBackend be;
    private long rows;
    private int f;
    private Buf x, y2, dy2, dx, c2, out, dc2;
    private FloatBuffer fx, fy2, fdy2, fdx, fc2, fout, fdc2;
    private final float[] tileIn = new float[TILE_FLOATS], tileOut = new float[TILE_FLOATS];
    private final float[] tileM = new float[TILE_FLOATS], tileS = new float[TILE_FLOATS];
    private final long key = DropoutMask.key(1, 2, 0, 3);

    @Setup(Level.Trial)
    public void setup() {
        OpShapes s = OpShapes.of(shapes);
        rows = s.rows();
        f = s.f();
        be = new CpuBackend();
        x = BenchBackend.random(be, rows * f, -3, 3, 1);
        y2 = BenchBackend.random(be, 2 * rows * f, -1, 3, 2);
        dy2 = BenchBackend.random(be, 2 * rows * f, -1, 1, 3);
        dx = BenchBackend.random(be, rows * f, -1, 1, 4);
        c2 = BenchBackend.random(be, 2 * rows * f, -4, 4, 5);
        out = be.alloc(rows * f);
        dc2 = be.alloc(2 * rows * f);
        fx = CpuBuf.of(x);
        fy2 = CpuBuf.of(y2);
        fdy2 = CpuBuf.of(dy2);
        fdx = CpuBuf.of(dx);
        fc2 = CpuBuf.of(c2);
        fout = CpuBuf.of(out);
        fdc2 = CpuBuf.of(dc2);
        SplittableRandom r = new SplittableRandom(9);
        for (int i = 0; i < TILE_FLOATS; i++) tileIn[i] = (float) (-8 * r.nextDouble());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        be.close();
    }

    @Benchmark
    public void fastConcatEluForward() { be.concatEluForward(x, y2, rows, f); }

    @Benchmark
    public void referenceConcatEluForward() { ReferenceOps.concatEluForward(fx, fy2, rows, f); }

    @Benchmark
    public void fastConcatEluBackward() { be.concatEluBackward(y2, dy2, dx, rows, f); }

    @Benchmark
    public void referenceConcatEluBackward() { ReferenceOps.concatEluBackward(fy2, fdy2, fdx, rows, f); }

    @Benchmark
    public void fastGateForward() { be.gateForward(x, c2, out, rows, f); }

    @Benchmark
    public void referenceGateForward() { ReferenceOps.gateForward(fx, fc2, fout, rows, f); }

    @Benchmark
    public void fastGateBackward() { be.gateBackward(c2, x, dx, dc2, rows, f); }

    @Benchmark
    public void referenceGateBackward() { ReferenceOps.gateBackward(fc2, fx, fdx, fdc2, rows, f); }

    @Benchmark
    public void fastDropoutForward() { be.dropoutForward(y2, dy2, 0.5f, key); }

    @Benchmark
    public void referenceDropoutForward() { ReferenceOps.dropoutForward(fy2, fdy2, 0.5f, key); }

    @Benchmark
    public float[] expm1Tile() {
        VecMath.expm1(tileIn, tileOut, tileM, tileS, TILE_FLOATS);
        return tileOut;
    }

    @Benchmark
    public float[] expm1MathExp() {
        for (int i = 0; i < TILE_FLOATS; i++) tileOut[i] = (float) (Math.exp(tileIn[i]) - 1.0);
        return tileOut;
    }
}
