package org.pixelcnn.backend.cuda;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.ConvGeom;
import org.pixelcnn.backend.AdamPolyak;

/**
 * The CUDA backend: one replica on one GPU, with its own stream, its own device memory arena
 * ({@link DeviceArena}: one cudaMalloc at construction, nothing allocated later), cuDNN convolutions
 * ({@link CudnnConv}), cuBLAS matrix products ({@link CublasGemm}) and our kernels ({@link Kernels}) for
 * everything else. Each operation computes what its twin in {@link org.pixelcnn.backend.cpu.CpuBackend}
 * computes (same formulas, transcendentals in float64, no fused multiply-adds where the CPU has none);
 * convolutions and products follow {@link Precision}. Work is queued on the stream; {@link #download},
 * {@link #mixLogisticLoss} and {@link #synchronize} wait for it. In checking mode (the self-test) the stream
 * is synchronised after every call instead ({@link StreamCheck}). Not thread-safe; every operation first
 * binds its device on the calling thread when that thread last bound another one.
 */
public final class CudaBackend implements Backend {
    private final CudaContext ctx;
    private final Precision precision;
    private final CUstream_st stream;
    private final DeviceArena arena;
    private final Kernels k;
    private final CudnnConv conv;
    private final CublasGemm blas;
    private final CudaReductions red;
    private final MixLogisticLaunch mix;
    private final StreamCheck check;
    private FloatPointer staging = new FloatPointer(0);
    /**
     * Host copies of sumSquares' partial sums (native, then Java: one bulk copy, not one JNI call a value),
     * sized in {@link #alloc} for the largest buffer, so that no step allocates.
     */
    private DoublePointer squares = new DoublePointer(0);
    private double[] squaresHost = new double[0];
    private final float[] squaresTail = new float[CudaReductions.SQUARES_COLS];
    private boolean ownsContext;

    /**
     * @param ctx           the GPU (see {@link CudaContext#open})
     * @param precision     convolution and GEMM arithmetic
     * @param arenaBytes    device memory taken up front for all buffers and scratch
     * @param checkEveryCall checking mode: synchronise after every kernel launch, cuDNN and cuBLAS call and device
     *                      copy, so a fault names the call that made it (slow; the self-test)
     * @throws CudaException if a CUDA call fails (e.g. the arena does not fit)
     */
    public CudaBackend(CudaContext ctx, Precision precision, long arenaBytes, boolean checkEveryCall) {
        this.ctx = ctx;
        this.precision = precision;
        ctx.bind();
        this.stream = ctx.createStream();
        this.check = new StreamCheck(stream, checkEveryCall);
        this.arena = new DeviceArena(arenaBytes);
        this.k = new Kernels(stream, ctx.multiprocessors, check);
        this.conv = new CudnnConv(stream, precision, k, arena, check);
        this.blas = new CublasGemm(stream, precision, arena, check);
        this.red = new CudaReductions(k, arena);
        this.mix = new MixLogisticLaunch(k, stream, arena);
    }

    /**
     * Device bytes one backend needs besides its tensors: the cuDNN workspaces (forward and backward),
     * three explicitly padded convolution inputs and their gradients of {@code paddedTensorBytes} each,
     * the cuBLAS workspace and 64 MiB for reductions and small scratch.
     */
    public static long libraryMarginBytes(long paddedTensorBytes) {
        return 2 * CudnnConv.MAX_WORKSPACE + 3 * 2 * paddedTensorBytes + CublasGemm.WORKSPACE + (64L << 20);
    }

    /**
     * Makes {@link #close} also close the context (for backends made by {@link org.pixelcnn.backend.Backends},
     * which open one context per replica). Returns this.
     */
    public CudaBackend closingContext() {
        ownsContext = true;
        return this;
    }

    /** The GPU this backend runs on. */
    public CudaContext context() {
        return ctx;
    }

    /** The backend's stream (everything it queues runs there, in order). */
    CUstream_st stream() {
        return stream;
    }

    /** The kernel launcher on this backend's stream. */
    Kernels kernels() {
        return k;
    }

    /** The arena's high-water mark and capacity, on this backend's GPU. */
    @Override
    public Memory memory() {
        return new Memory(arena.peakBytes(), arena.capacityBytes(), ctx.name);
    }

    /**
     * Makes this backend's device and context current on the calling thread, if the thread's last bind was
     * to another device (so replicas on several GPUs can be driven from one thread).
     */
    void bind() {
        ctx.bindIfNeeded();
    }

    private static CudaBuf c(Buf b) {
        return CudaBuf.of(b);
    }

    @Override
    public String name() {
        return "cuda:" + ctx.device;
    }

    public Precision precision() {
        return precision;
    }

    /** The arena, for its peak usage and for {@link DeviceArena#mark} / {@link DeviceArena#release}. */
    public DeviceArena arena() {
        return arena;
    }

    // ---------------------------------------------------------------- memory

    @Override
    public Buf alloc(long n) {
        bind();
        CudaBuf b = new CudaBuf(arena.allocate(4L * n), n);
        if (n > 0) {
            CudaException.runtime(cudart.cudaMemsetAsync(new DevicePtr(b.address()), 0, 4L * n, stream), "cudaMemsetAsync(new buffer)");
            if (check.everyCall()) check.after("cudaMemsetAsync(new buffer of " + n + " floats)");
        }
        long partials = squaresPartials(n);
        if (squares.capacity() < partials) { // set-up: sumSquares of this buffer (or a view of it) then needs no allocation
            squares.close();
            squares = new DoublePointer(partials);
            squaresHost = new double[Math.toIntExact(partials)];
        }
        return b;
    }

    /** Doubles of partial sums {@link #sumSquares} copies back for a buffer of n floats. */
    private static long squaresPartials(long n) {
        long rows = n / CudaReductions.SQUARES_COLS;
        return rows > 0 ? (long) CudaReductions.chunks(rows) * CudaReductions.SQUARES_COLS : 0;
    }

    /**
     * After a failed call was caught (the self-test goes on to its next case): clears the runtime's last
     * error (cudaGetLastError) so that a later library call does not report it, and tells whether the
     * failure left a sticky error (illegal address, launch failure...: the context is unusable until the
     * process exits; {@link CudaException#isSticky}).
     *
     * @return the sticky error's text, or null when the device still works
     */
    public String stickyErrorAfterFailure() {
        bind();
        int last = cudart.cudaGetLastError();
        int sync = cudart.cudaStreamSynchronize(stream);
        cudart.cudaGetLastError();
        if (CudaException.isSticky(sync)) return "cudaStreamSynchronize: " + CudaException.runtimeText(sync);
        if (CudaException.isSticky(last)) return "cudaGetLastError: " + CudaException.runtimeText(last);
        return null;
    }

    private FloatPointer staging(int n) {
        if (staging.capacity() < n) {
            staging.close();
            staging = new FloatPointer(Math.max(n, 1024));
        }
        return staging;
    }

    @Override
    public void upload(float[] src, int srcOff, Buf dst, long dstOff, int n) {
        bind();
        CudaBuf d = c(dst);
        if (dstOff < 0 || dstOff + n > d.size()) throw new IndexOutOfBoundsException("upload [" + dstOff + ", +" + n + ") into " + d.size());
        if (n == 0) return;
        FloatPointer s = staging(n);
        s.put(src, srcOff, n);
        CudaException.runtime(cudart.cudaMemcpyAsync(new DevicePtr(d.at(dstOff)), s, 4L * n, cudart.cudaMemcpyHostToDevice, stream),
                "cudaMemcpyAsync(upload " + n + " floats)");
        CudaException.runtime(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize(after upload)");
    }

    @Override
    public void download(Buf src, long srcOff, float[] dst, int dstOff, int n) {
        bind();
        CudaBuf s = c(src);
        if (srcOff < 0 || srcOff + n > s.size()) throw new IndexOutOfBoundsException("download [" + srcOff + ", +" + n + ") from " + s.size());
        if (n == 0) {
            CudaException.runtime(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize(download of 0 floats)");
            return;
        }
        FloatPointer h = staging(n);
        CudaException.runtime(cudart.cudaMemcpyAsync(h, new DevicePtr(s.at(srcOff)), 4L * n, cudart.cudaMemcpyDeviceToHost, stream),
                "cudaMemcpyAsync(download " + n + " floats)");
        CudaException.runtime(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize(after download)");
        h.get(dst, dstOff, n);
    }

    @Override
    public double sumSquares(Buf b) {
        bind();
        CudaBuf x = c(b);
        long rows = x.size() / CudaReductions.SQUARES_COLS;
        double sum = 0;
        if (rows > 0) {
            long count = squaresPartials(x.size());
            if (squares.capacity() < count) // a buffer not made by alloc: cannot happen with CudaBufs, kept as a guard
                throw new IllegalStateException("sumSquares of " + x.size() + " floats: larger than any buffer allocated");
            long parts = red.sumSquaresPartials(x, rows);
            CudaException.runtime(cudart.cudaMemcpyAsync(squares, new DevicePtr(parts), 8L * count, cudart.cudaMemcpyDeviceToHost, stream),
                    "cudaMemcpyAsync(sumSquares partials)");
            CudaException.runtime(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize(after sumSquares)");
            squares.get(squaresHost, 0, (int) count);
            for (int i = 0; i < count; i++) sum += squaresHost[i];
        }
        int tail = (int) (x.size() - rows * CudaReductions.SQUARES_COLS);
        if (tail > 0) {
            download(b, rows * CudaReductions.SQUARES_COLS, squaresTail, 0, tail);
            for (int i = 0; i < tail; i++) sum += (double) squaresTail[i] * squaresTail[i];
        }
        return sum;
    }

    @Override
    public void fill(Buf b, float v) {
        bind();
        long n = b.size();
        if (n > 0) k.grid1d(Kernel.FILL, n).p(b).l(n).f(v).go();
    }

    @Override
    public void copy(Buf src, Buf dst) {
        bind();
        sameSize(src, dst);
        if (src.size() > 0) {
            CudaException.runtime(cudart.cudaMemcpyAsync(new DevicePtr(c(dst).address()), new DevicePtr(c(src).address()), 4L * src.size(),
                    cudart.cudaMemcpyDeviceToDevice, stream), "cudaMemcpyAsync(copy)");
            if (check.everyCall()) check.after("cudaMemcpyAsync(copy of " + src.size() + " floats)");
        }
    }

    @Override
    public void axpy(float alpha, Buf src, Buf dst) {
        bind();
        sameSize(src, dst);
        long n = src.size();
        if (n > 0) k.grid1d(Kernel.AXPY, n).p(dst).p(src).l(n).f(alpha).go();
    }

    @Override
    public void synchronize() {
        bind();
        CudaException.runtime(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    }

    private static void sameSize(Buf a, Buf b) {
        if (a.size() != b.size()) throw new IllegalArgumentException("buffer sizes differ: " + a.size() + " vs " + b.size());
    }

    // ---------------------------------------------------------------- dense algebra

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int kk, float alpha, Buf a, Buf b, float beta, Buf cc) {
        bind();
        blas.gemm(transA, transB, m, n, kk, alpha, c(a), c(b), beta, c(cc));
    }

    @Override
    public void convForward(ConvGeom g, Buf x, Buf w, Buf bias, Buf y) {
        bind();
        conv.forward(g, c(x), c(w), c(y));
        if (bias != null) addBias(y, bias, (long) g.n() * g.ho() * g.wo(), g.cout());
    }

    @Override
    public void convBackwardData(ConvGeom g, Buf dy, Buf w, Buf dx) {
        bind();
        conv.backwardData(g, c(dy), c(w), c(dx));
    }

    @Override
    public void convBackwardFilter(ConvGeom g, Buf x, Buf dy, Buf dw) {
        bind();
        conv.backwardFilter(g, c(x), c(dy), c(dw));
    }

    @Override
    public void addBias(Buf y, Buf bias, long rows, int channels) {
        bind();
        if (rows > 0) k.grid1d(Kernel.ADD_BIAS, rows * channels).p(y).p(bias).l(rows).i(channels).go();
    }

    @Override
    public void biasBackward(Buf dy, long rows, int channels, Buf db) {
        bind();
        red.biasBackward(c(dy), rows, channels, c(db));
    }

    // ---------------------------------------------------------------- position-major windows

    private static void checkPositions(int p0, int count, int positions, String op) {
        if (p0 < 0 || count < 0 || p0 + count > positions)
            throw new IndexOutOfBoundsException(op + ": positions [" + p0 + ", " + (p0 + count) + ") outside [0, " + positions + ")");
    }

    @Override
    public void gatherWindows(ConvGeom g, Buf x, int p0, int count, Buf col) {
        bind();
        checkPositions(p0, count, g.ho() * g.wo(), "gatherWindows");
        long total = (long) count * g.n() * g.fh() * g.fw() * g.cin();
        if (total > 0)
            k.grid1d(Kernel.GATHER_WINDOWS, total).p(x).p(col).i(g.n()).i(g.h()).i(g.w()).i(g.cin()).i(g.wo()).i(g.fh()).i(g.fw())
                    .i(g.stride()).i(g.padTop()).i(g.padLeft()).i(p0).i(count).go();
    }

    @Override
    public void gatherWindowsTransposed(ConvGeom g, Buf x, int p0, int count, Buf col) {
        bind();
        checkPositions(p0, count, g.h() * g.w(), "gatherWindowsTransposed");
        long total = (long) count * g.n() * g.fh() * g.fw() * g.cout();
        if (total > 0)
            k.grid1d(Kernel.GATHER_WINDOWS_TRANSPOSED, total).p(x).p(col).i(g.n()).i(g.w()).i(g.ho()).i(g.wo()).i(g.cout()).i(g.fh())
                    .i(g.fw()).i(g.stride()).i(g.padTop()).i(g.padLeft()).i(p0).i(count).go();
    }

    @Override
    public void transposeTaps(Buf w, Buf wt, int taps, int rows, int cols) {
        bind();
        long total = (long) taps * rows * cols;
        if (w.size() < total || wt.size() < total)
            throw new IllegalArgumentException("transposeTaps of " + taps + "x" + rows + "x" + cols + " on buffers of " + w.size() + " and " + wt.size());
        if (total > 0) k.grid1d(Kernel.TRANSPOSE_TAPS, total).p(w).p(wt).i(taps).i(rows).i(cols).go();
    }

    // ---------------------------------------------------------------- weight norm

    @Override
    public void weightNormForward(Buf v, Buf g, Buf w, Buf norm, int outer, int channels, int inner) {
        bind();
        red.weightNormForward(c(v), c(g), c(w), c(norm), outer, channels, inner);
    }

    @Override
    public void weightNormBackward(Buf v, Buf g, Buf norm, Buf dw, Buf dv, Buf dg, int outer, int channels, int inner) {
        bind();
        red.weightNormBackward(c(v), c(g), c(norm), c(dw), c(dv), c(dg), outer, channels, inner);
    }

    @Override
    public void channelMoments(Buf y, long rows, int channels, Buf mean, Buf var) {
        bind();
        red.channelMoments(c(y), rows, channels, c(mean), c(var));
    }

    // ---------------------------------------------------------------- nonlinearities

    @Override
    public void concatEluForward(Buf x, Buf y, long rows, int ch) {
        bind();
        if (rows > 0) k.grid1d(Kernel.CONCAT_ELU_FORWARD, rows * ch).p(y).p(x).l(rows).i(ch).go();
    }

    @Override
    public void concatEluBackward(Buf y, Buf dy, Buf dx, long rows, int ch) {
        bind();
        if (rows > 0) k.grid1d(Kernel.CONCAT_ELU_BACKWARD, rows * ch).p(dx).p(y).p(dy).l(rows).i(ch).go();
    }

    private void unary(Kernel kernel, Buf x, Buf y) {
        bind();
        long n = x.size();
        if (n > 0) k.grid1d(kernel, n).p(y).p(x).l(n).go();
    }

    /** dx += dy * f'(input), computed from the forward output y. */
    private void unaryBackward(Kernel kernel, Buf y, Buf dy, Buf dx) {
        bind();
        long n = y.size();
        if (n > 0) k.grid1d(kernel, n).p(dx).p(y).p(dy).l(n).go();
    }

    @Override
    public void eluForward(Buf x, Buf y) {
        unary(Kernel.ELU_FORWARD, x, y);
    }

    @Override
    public void eluBackward(Buf y, Buf dy, Buf dx) {
        unaryBackward(Kernel.ELU_BACKWARD, y, dy, dx);
    }

    @Override
    public void reluForward(Buf x, Buf y) {
        unary(Kernel.RELU_FORWARD, x, y);
    }

    @Override
    public void reluBackward(Buf y, Buf dy, Buf dx) {
        unaryBackward(Kernel.RELU_BACKWARD, y, dy, dx);
    }

    // ---------------------------------------------------------------- shifts, concat, sums

    private void shift(Kernel kernel, Buf in, Buf out, int n, int h, int w, int ch) {
        bind();
        long total = (long) n * h * w * ch;
        if (total > 0) k.grid1d(kernel, total).p(out).p(in).i(n).i(h).i(w).i(ch).go();
    }

    @Override
    public void downShiftForward(Buf x, Buf y, int n, int h, int w, int ch) {
        shift(Kernel.DOWN_SHIFT_FORWARD, x, y, n, h, w, ch);
    }

    @Override
    public void downShiftBackward(Buf dy, Buf dx, int n, int h, int w, int ch) {
        shift(Kernel.DOWN_SHIFT_BACKWARD, dy, dx, n, h, w, ch);
    }

    @Override
    public void rightShiftForward(Buf x, Buf y, int n, int h, int w, int ch) {
        shift(Kernel.RIGHT_SHIFT_FORWARD, x, y, n, h, w, ch);
    }

    @Override
    public void rightShiftBackward(Buf dy, Buf dx, int n, int h, int w, int ch) {
        shift(Kernel.RIGHT_SHIFT_BACKWARD, dy, dx, n, h, w, ch);
    }

    @Override
    public void concatChannelsForward(Buf a, int ca, Buf b, int cb, Buf y, long rows) {
        bind();
        if (rows > 0) k.grid1d(Kernel.CONCAT_CHANNELS_FORWARD, rows * (ca + cb)).p(y).p(a).i(ca).p(b).i(cb).l(rows).go();
    }

    @Override
    public void concatChannelsBackward(Buf dy, Buf da, int ca, Buf db, int cb, long rows) {
        bind();
        if (rows > 0) k.grid1d(Kernel.CONCAT_CHANNELS_BACKWARD, rows * (ca + cb)).p(dy).p(da).i(ca).p(db).i(cb).l(rows).go();
    }

    @Override
    public void add(Buf a, Buf b, Buf y) {
        bind();
        long n = y.size();
        if (n > 0) k.grid1d(Kernel.ADD, n).p(y).p(a).p(b).l(n).go();
    }

    @Override
    public void addPerImage(Buf y, Buf v, int n, long pixels, int ch) {
        bind();
        long total = n * pixels * ch;
        if (total > 0) k.grid1d(Kernel.ADD_PER_IMAGE, total).p(y).p(v).i(n).l(pixels).i(ch).go();
    }

    @Override
    public void sumPerImage(Buf dy, Buf s, int n, long pixels, int ch) {
        bind();
        red.sumPerImage(c(dy), c(s), n, pixels, ch);
    }

    // ---------------------------------------------------------------- gated resnet pieces

    @Override
    public void gateForward(Buf x, Buf c2, Buf out, long rows, int f) {
        bind();
        if (rows > 0) k.grid1d(Kernel.GATE_FORWARD, rows * f).p(x).p(c2).p(out).l(rows).i(f).go();
    }

    @Override
    public void gateBackward(Buf c2, Buf dout, Buf dx, Buf dc2, long rows, int f) {
        bind();
        if (rows > 0) k.grid1d(Kernel.GATE_BACKWARD, rows * f).p(c2).p(dout).p(dx).p(dc2).l(rows).i(f).go();
    }

    @Override
    public void dropoutForward(Buf x, Buf y, float p, long key) {
        bind();
        long n = x.size();
        if (n > 0) k.grid1d(Kernel.DROPOUT_FORWARD, n).p(x).p(y).l(n).f(p).f(1f / (1f - p)).l(key).go();
    }

    @Override
    public void dropoutBackward(Buf dy, Buf dx, float p, long key) {
        bind();
        long n = dy.size();
        if (n > 0) k.grid1d(Kernel.DROPOUT_BACKWARD, n).p(dy).p(dx).l(n).f(p).f(1f / (1f - p)).l(key).go();
    }

    // ---------------------------------------------------------------- likelihood, sampling, optimiser

    @Override
    public double mixLogisticLoss(Buf l, Buf x, Buf dl, float gradScale, double[] perImage, int n, int h, int w, int ch, int nrMix) {
        bind();
        return mix.loss(c(l), c(x), CudaBuf.of(dl), gradScale, perImage, n, h, w, ch, nrMix);
    }

    @Override
    public void mixLogisticSubpixelNll(Buf l, Buf x, Buf out, int n, int h, int w, int ch, int nrMix) {
        bind();
        mix.subpixelNll(c(l), c(x), c(out), n, h, w, ch, nrMix);
    }

    @Override
    public void mixLogisticSample(Buf l, Buf uMix, Buf u, Buf x, int n, int h, int w, int ch, int nrMix, int row, int col) {
        bind();
        mix.sample(c(l), c(uMix), c(u), c(x), n, h, w, ch, nrMix, row, col);
    }

    @Override
    public void adamPolyak(AdamPolyak.Scalars s, Buf p, Buf grad, Buf m, Buf v, Buf ema) {
        bind();
        long n = p.size();
        if (n == 0) return;
        k.grid1d(Kernel.ADAM_POLYAK_UPDATE, n).p(p).p(grad).p(m).p(v).p(ema).l(n)
                .f(s.lr()).f(s.beta1()).f(s.oneMinusBeta1()).f(s.beta2()).f(s.oneMinusBeta2())
                .f(s.biasCorrection1()).f(s.biasCorrection2()).f(s.epsilon()).f(s.polyak()).f(s.oneMinusPolyak()).go();
    }

    /**
     * Waits for queued work, then frees the handles, module, stream and arena (the context only after
     * {@link #closingContext}). After a sticky error nothing can be freed (every call fails the same way until
     * the process exits): then only the host-side memory is released, and nothing is thrown.
     */
    @Override
    public void close() {
        bind();
        int err = cudart.cudaStreamSynchronize(stream);
        if (CudaException.isSticky(err)) {
            staging.close();
            squares.close();
            return;
        }
        mix.close();
        conv.close();
        blas.close();
        k.close();
        arena.close();
        staging.close();
        squares.close();
        CudaException.runtime(cudart.cudaStreamDestroy(stream), "cudaStreamDestroy");
        if (ownsContext) ctx.close();
    }
}
