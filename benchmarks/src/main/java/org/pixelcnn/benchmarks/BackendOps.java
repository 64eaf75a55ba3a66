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

/**
 * Every {@link Backend} operation except the convolutions ({@link ConvOps}) and the optimiser
 * ({@link OptimizerOps}), at the sizes the model uses it for {@code shapes} (rows = n*h*w activations of
 * f = nr_filters channels, 2f after concat_elu, 3f for the concatenations of the down pass; the nin layer
 * as a GEMM; weight norm of a 2x3 convolution 2f -&gt; 2f). Time per call, after a synchronisation, so GPU
 * work is timed to its end. Inputs are random (never zeros); accumulating outputs keep accumulating
 * across calls, which does not change the work. Not benchmarked: alloc (set-up only) and name/close.
 *
 * <p>Parameters: {@code backend} cpu, cuda (TF32) or cuda-fp32 ({@link BenchBackend}; without a GPU the
 * CUDA runs return at once); {@code shapes} D (the default model) or S ({@link OpShapes}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dorg.bytedeco.javacpp.maxBytes=0", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"})
public class BackendOps {
    @Param({"cpu", "cuda"})
    public String backend;

    @Param({"D", "S"})
    public String shapes;

    private Backend be;
    private OpShapes s;
    private long r;
    private int n, h, w, f, c;
    private Buf xF, yF, dyF, dxF, x2F, y2F, dy2F, dx2F, y3F, dy3F;
    private Buf ninW, ninDW, bias2F, dBias2F, mean, var;
    private Buf wnV, wnG, wnW, wnNorm, wnDW, wnDV, wnDG;
    private Buf img, imgPad, dImg, dImgPad, perImage, sums;
    private Buf l, dl, xPix, xSample, uMix, u, subpixelNats;
    private float[] hostImg;
    private int wnOuter;
    private final long key = 0x5DEECE66DL;

    @Setup(Level.Trial)
    public void setup() {
        s = OpShapes.of(shapes);
        n = s.n();
        h = s.h();
        w = s.w();
        f = s.f();
        c = s.channels();
        r = s.rows();
        int p = s.outChannels();
        wnOuter = 2 * 3 * 2 * f;
        long floats = r * f * 20 + r * p * 2 + r * (c + 1) * 7 + (long) wnOuter * 2 * f * 4 + (long) n * 2 * f * 2;
        be = BenchBackend.open(backend, 4 * floats + (512L << 20));
        if (be == null) return;
        long rf = r * f;
        xF = BenchBackend.random(be, rf, -3, 3, 1);
        yF = BenchBackend.random(be, rf, -1, 3, 2);
        dyF = BenchBackend.random(be, rf, -1, 1, 3);
        dxF = BenchBackend.random(be, rf, -1, 1, 4);
        x2F = BenchBackend.random(be, 2 * rf, -4, 4, 5);
        y2F = BenchBackend.random(be, 2 * rf, -1, 3, 6);
        dy2F = BenchBackend.random(be, 2 * rf, -1, 1, 7);
        dx2F = BenchBackend.random(be, 2 * rf, -1, 1, 8);
        y3F = BenchBackend.random(be, 3 * rf, -1, 1, 9);
        dy3F = BenchBackend.random(be, 3 * rf, -1, 1, 10);
        ninW = BenchBackend.random(be, 2L * f * f, -0.3, 0.3, 11);
        ninDW = BenchBackend.random(be, 2L * f * f, -1, 1, 12);
        bias2F = BenchBackend.random(be, 2L * f, -1, 1, 13);
        dBias2F = BenchBackend.random(be, 2L * f, -1, 1, 14);
        mean = be.alloc(2L * f);
        var = be.alloc(2L * f);
        long wn = (long) wnOuter * 2 * f;
        wnV = BenchBackend.random(be, wn, -0.3, 0.3, 15);
        wnG = BenchBackend.random(be, 2L * f, 0.5, 1.5, 16);
        wnW = be.alloc(wn);
        wnNorm = BenchBackend.random(be, 2L * f, 0.5, 2, 17);
        wnDW = BenchBackend.random(be, wn, -1, 1, 18);
        wnDV = BenchBackend.random(be, wn, -1, 1, 19);
        wnDG = BenchBackend.random(be, 2L * f, -1, 1, 20);
        img = BenchBackend.pixels(be, r * c, 21);
        imgPad = be.alloc(r * (c + 1));
        dImg = BenchBackend.random(be, r * c, -1, 1, 22);
        dImgPad = BenchBackend.random(be, r * (c + 1), -1, 1, 23);
        perImage = BenchBackend.random(be, (long) n * 2 * f, -1, 1, 24);
        sums = be.alloc((long) n * 2 * f);
        l = BenchBackend.random(be, r * p, -2, 2, 25);
        dl = be.alloc(r * p);
        xPix = BenchBackend.pixels(be, r * c, 26);
        subpixelNats = be.alloc(r * c);
        xSample = BenchBackend.pixels(be, r * c, 27);
        uMix = BenchBackend.random(be, (long) n * s.nrMix(), 1e-5, 1 - 1e-5, 28);
        u = BenchBackend.random(be, (long) n * c, 1e-5, 1 - 1e-5, 29);
        hostImg = new float[Math.toIntExact(r * c)];
        be.download(img, 0, hostImg, 0, hostImg.length);
        be.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (be != null) be.close();
    }

    // ------------------------------------------------------------ memory

    /** The input batch, host to backend (once per training step and per sampling position). */
    @Benchmark
    public void upload() {
        if (be == null) return;
        be.upload(hostImg, 0, img, 0, hostImg.length);
        be.synchronize();
    }

    /** The input batch, backend to host (the sampler's final read). */
    @Benchmark
    public void download() {
        if (be == null) return;
        be.download(img, 0, hostImg, 0, hostImg.length);
    }

    @Benchmark
    public void fill() {
        if (be == null) return;
        be.fill(yF, 0.25f);
        be.synchronize();
    }

    @Benchmark
    public void copy() {
        if (be == null) return;
        be.copy(xF, yF);
        be.synchronize();
    }

    @Benchmark
    public void axpy() {
        if (be == null) return;
        be.axpy(1e-3f, xF, dxF);
        be.synchronize();
    }

    @Benchmark
    public void add() {
        if (be == null) return;
        be.add(xF, dxF, yF);
        be.synchronize();
    }

    // ------------------------------------------------------------ dense algebra (nin = 1x1 conv 2f -> f)

    @Benchmark
    public void gemmNinForward() {
        if (be == null) return;
        be.gemm(false, false, (int) r, f, 2 * f, 1f, x2F, ninW, 0f, yF);
        be.synchronize();
    }

    @Benchmark
    public void gemmNinWeightGrad() {
        if (be == null) return;
        be.gemm(true, false, 2 * f, f, (int) r, 1f, x2F, dyF, 1f, ninDW);
        be.synchronize();
    }

    @Benchmark
    public void gemmNinInputGrad() {
        if (be == null) return;
        be.gemm(false, true, (int) r, 2 * f, f, 1f, dyF, ninW, 1f, dx2F);
        be.synchronize();
    }

    @Benchmark
    public void addBias() {
        if (be == null) return;
        be.addBias(y2F, bias2F, r, 2 * f);
        be.synchronize();
    }

    @Benchmark
    public void biasBackward() {
        if (be == null) return;
        be.biasBackward(dy2F, r, 2 * f, dBias2F);
        be.synchronize();
    }

    // ------------------------------------------------------------ weight norm (2x3 conv, 2f -> 2f)

    @Benchmark
    public void weightNormForward() {
        if (be == null) return;
        be.weightNormForward(wnV, wnG, wnW, wnNorm, wnOuter, 2 * f, 1);
        be.synchronize();
    }

    @Benchmark
    public void weightNormBackward() {
        if (be == null) return;
        be.weightNormBackward(wnV, wnG, wnNorm, wnDW, wnDV, wnDG, wnOuter, 2 * f, 1);
        be.synchronize();
    }

    @Benchmark
    public void channelMoments() {
        if (be == null) return;
        be.channelMoments(y2F, r, 2 * f, mean, var);
        be.synchronize();
    }

    // ------------------------------------------------------------ nonlinearities

    @Benchmark
    public void concatEluForward() {
        if (be == null) return;
        be.concatEluForward(xF, y2F, r, f);
        be.synchronize();
    }

    @Benchmark
    public void concatEluBackward() {
        if (be == null) return;
        be.concatEluBackward(y2F, dy2F, dxF, r, f);
        be.synchronize();
    }

    @Benchmark
    public void eluForward() {
        if (be == null) return;
        be.eluForward(xF, yF);
        be.synchronize();
    }

    @Benchmark
    public void eluBackward() {
        if (be == null) return;
        be.eluBackward(yF, dyF, dxF);
        be.synchronize();
    }

    @Benchmark
    public void reluForward() {
        if (be == null) return;
        be.reluForward(xF, yF);
        be.synchronize();
    }

    @Benchmark
    public void reluBackward() {
        if (be == null) return;
        be.reluBackward(yF, dyF, dxF);
        be.synchronize();
    }

    // ------------------------------------------------------------ shifts, concatenations, per-image sums

    @Benchmark
    public void downShiftForward() {
        if (be == null) return;
        be.downShiftForward(xF, yF, n, h, w, f);
        be.synchronize();
    }

    @Benchmark
    public void downShiftBackward() {
        if (be == null) return;
        be.downShiftBackward(dyF, dxF, n, h, w, f);
        be.synchronize();
    }

    @Benchmark
    public void rightShiftForward() {
        if (be == null) return;
        be.rightShiftForward(xF, yF, n, h, w, f);
        be.synchronize();
    }

    @Benchmark
    public void rightShiftBackward() {
        if (be == null) return;
        be.rightShiftBackward(dyF, dxF, n, h, w, f);
        be.synchronize();
    }

    /** f + 2f channels, as the down pass concatenates a stream with a skip connection. */
    @Benchmark
    public void concatChannelsForward() {
        if (be == null) return;
        be.concatChannelsForward(xF, f, x2F, 2 * f, y3F, r);
        be.synchronize();
    }

    @Benchmark
    public void concatChannelsBackward() {
        if (be == null) return;
        be.concatChannelsBackward(dy3F, dxF, f, dx2F, 2 * f, r);
        be.synchronize();
    }

    /** The image padded with a channel of ones (the network's first operation). */
    @Benchmark
    public void concatOnesForward() {
        if (be == null) return;
        be.concatChannelsForward(img, c, null, 1, imgPad, r);
        be.synchronize();
    }

    @Benchmark
    public void concatOnesBackward() {
        if (be == null) return;
        be.concatChannelsBackward(dImgPad, dImg, c, null, 1, r);
        be.synchronize();
    }

    @Benchmark
    public void addPerImage() {
        if (be == null) return;
        be.addPerImage(y2F, perImage, n, (long) h * w, 2 * f);
        be.synchronize();
    }

    @Benchmark
    public void sumPerImage() {
        if (be == null) return;
        be.sumPerImage(dy2F, sums, n, (long) h * w, 2 * f);
        be.synchronize();
    }

    // ------------------------------------------------------------ gated resnet pieces

    @Benchmark
    public void gateForward() {
        if (be == null) return;
        be.gateForward(xF, x2F, yF, r, f);
        be.synchronize();
    }

    @Benchmark
    public void gateBackward() {
        if (be == null) return;
        be.gateBackward(x2F, dyF, dxF, dx2F, r, f);
        be.synchronize();
    }

    @Benchmark
    public void dropoutForward() {
        if (be == null) return;
        be.dropoutForward(xF, yF, 0.5f, key);
        be.synchronize();
    }

    @Benchmark
    public void dropoutBackward() {
        if (be == null) return;
        be.dropoutBackward(dyF, dxF, 0.5f, key);
        be.synchronize();
    }

    // ------------------------------------------------------------ likelihood and sampling

    /** Loss of the whole batch and its gradient (synchronises: returns the nats). */
    @Benchmark
    public double mixLogisticLoss() {
        if (be == null) return 0;
        return be.mixLogisticLoss(l, xPix, dl, 1f, null, n, h, w, c, s.nrMix());
    }

    /** Loss and per-image nats of the batch without the gradient: what eval and score run per batch. */
    @Benchmark
    public double mixLogisticLossNoGrad() {
        if (be == null) return 0;
        return be.mixLogisticLoss(l, xPix, null, 1f, null, n, h, w, c, s.nrMix());
    }

    /** Nats of every sub-pixel of the batch (score --per_pixel / --heatmap, on top of the loss). */
    @Benchmark
    public void mixLogisticSubpixelNll() {
        if (be == null) return;
        be.mixLogisticSubpixelNll(l, xPix, subpixelNats, n, h, w, c, s.nrMix());
        be.synchronize();
    }

    /** One position of every image (the sampler's per-position work after the forward pass). */
    @Benchmark
    public void mixLogisticSample() {
        if (be == null) return;
        be.mixLogisticSample(l, uMix, u, xSample, n, h, w, c, s.nrMix(), h / 2, w / 2);
        be.synchronize();
    }
}
