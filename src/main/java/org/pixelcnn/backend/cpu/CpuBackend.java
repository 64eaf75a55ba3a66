package org.pixelcnn.backend.cpu;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.ConvGeom;
import org.pixelcnn.backend.AdamPolyak;

import java.nio.FloatBuffer;

/**
 * The reference backend: convolutions on oneDNN's primitives ({@link OneDnnConvs}) or as im2col + SGEMM
 * ({@link CpuConv}), matrix products on oneDNN's or OpenBLAS's SGEMM, the elementwise
 * work in vectorised tiles split across a fork-join pool ({@link CpuElementwise}; its element-at-a-time
 * control is {@link ReferenceOps}), the rest as plain loops over direct buffers. Every other backend is
 * tested against this one. Not thread-safe: give each replica its own instance.
 */
public final class CpuBackend implements Backend {
    private static final long GRAIN = 1 << 14;

    private final Parallel par;
    private final CpuConv conv;
    private final OneDnnConvs onednn;
    private final CpuElementwise ew;
    private final CpuWeightNorm wn;

    /** @param threads worker threads for elementwise work (OpenBLAS keeps its own thread count) */
    public CpuBackend(int threads) {
        this(threads, true);
    }

    /**
     * @param threads    worker threads
     * @param oneDnnConv false: every convolution as im2col + SGEMM even where oneDNN's primitives would run it
     *                   (the tests check both paths in one process)
     */
    public CpuBackend(int threads, boolean oneDnnConv) {
        this.par = new Parallel(threads);
        this.conv = new CpuConv(par);
        this.onednn = new OneDnnConvs(par, oneDnnConv);
        this.ew = new CpuElementwise(par);
        this.wn = new CpuWeightNorm(par);
    }

    /**
     * The library doing the CPU backend's matrix products: "oneDNN" (its dnnl_sgemm, JIT kernels for this
     * CPU, each call on the calling thread) when the jar carries its natives, else "OpenBLAS" (its kernel
     * for this CPU, or the one OPENBLAS_CORETYPE names). {@code -Dpixelcnn.cpu.gemm=openblas} or
     * {@code PCE_CPU_GEMM=openblas} keeps OpenBLAS.
     */
    public static String gemmEngine() {
        return CpuConv.Blas.ENGINE;
    }

    /**
     * What runs the CPU backend's convolutions: oneDNN's convolution primitives where the jar carries oneDNN
     * (forward and backward-data always, backward-filter from two images per thread on; 1x1 layers are
     * products), else im2col + SGEMM. {@code PCE_CPU_CONV=im2col} (or {@code -Dpixelcnn.cpu.conv=im2col})
     * keeps im2col + SGEMM; so does {@code PCE_CPU_GEMM=openblas}.
     */
    public static String convEngine() {
        return OneDnnConvs.engine();
    }

    /** One worker per available processor. */
    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    Parallel parallel() {
        return par;
    }

    private static FloatBuffer f(Buf b) {
        return CpuBuf.of(b);
    }

    @Override
    public String name() {
        return "cpu";
    }

    // ---------------------------------------------------------------- memory

    /**
     * Every buffer {@link #alloc} handed out, held until {@link #close} (or {@link #release}) frees it. The
     * backend owns its buffers, as the CUDA backend's arena does: a FloatBuffer does not keep JavaCPP's
     * native memory alive, so without this a buffer whose last reference was a caller's local variable could
     * be freed by the garbage collector while an operation (an OpenBLAS call, a loop on another thread)
     * still reads it.
     */
    private final java.util.List<CpuBuf> allocations = new java.util.ArrayList<>();
    private long allocatedFloats, peakFloats;

    @Override
    public synchronized Buf alloc(long n) {
        CpuBuf b = CpuBuf.allocate(n);
        allocations.add(b);
        allocatedFloats += n;
        peakFloats = Math.max(peakFloats, allocatedFloats);
        return b;
    }

    @Override
    public synchronized Memory memory() {
        return new Memory(4 * peakFloats, -1, "host memory");
    }

    /** The number of buffers allocated so far: a mark for {@link #release}. */
    public synchronized int mark() {
        return allocations.size();
    }

    /**
     * Frees the buffers allocated after {@code mark} (they must not be used again), as the CUDA arena's
     * release does; for callers that allocate per task, such as the selftest's cases.
     */
    public synchronized void release(int mark) {
        for (int i = allocations.size() - 1; i >= mark; i--) {
            CpuBuf b = allocations.remove(i);
            allocatedFloats -= b.size();
            b.free();
        }
    }

    @Override
    public void upload(float[] src, int srcOff, Buf dst, long dstOff, int n) {
        f(dst).put((int) dstOff, src, srcOff, n);
    }

    @Override
    public void download(Buf src, long srcOff, float[] dst, int dstOff, int n) {
        f(src).get((int) srcOff, dst, dstOff, n);
    }

    @Override
    public void fill(Buf b, float v) {
        ew.fill(f(b), v);
    }

    @Override
    public void copy(Buf src, Buf dst) {
        FloatBuffer s = f(src), d = f(dst);
        checkSame(s, d);
        d.put(0, s, 0, s.capacity());
    }

    @Override
    public void axpy(float alpha, Buf src, Buf dst) {
        FloatBuffer s = f(src), d = f(dst);
        checkSame(s, d);
        ew.axpy(alpha, s, d);
    }

    @Override
    public void synchronize() {
    }

    private static void checkSame(FloatBuffer a, FloatBuffer b) {
        if (a.capacity() != b.capacity())
            throw new IllegalArgumentException("buffer sizes differ: " + a.capacity() + " vs " + b.capacity());
    }

    // ---------------------------------------------------------------- dense algebra

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Buf a, Buf b, float beta, Buf c) {
        CpuConv.Blas.gemm(par, transA, transB, m, n, k, alpha, f(a), f(b), beta, f(c));
    }

    @Override
    public void convForward(ConvGeom g, Buf x, Buf w, Buf bias, Buf y) {
        OneDnnConv d = onednn.data(g);
        if (d != null) {
            d.forward(f(x), f(w), bias == null ? null : f(bias), f(y));
            return;
        }
        conv.forward(g, f(x), f(w), f(y));
        if (bias != null) addBias(y, bias, (long) g.n() * g.ho() * g.wo(), g.cout());
    }

    /** Whether g's convolutions have run on oneDNN's primitives here (else on im2col + SGEMM). */
    boolean convRanOnOneDnn(ConvGeom g) {
        return onednn.ranOnOneDnn(g);
    }

    @Override
    public void convBackwardData(ConvGeom g, Buf dy, Buf w, Buf dx) {
        OneDnnConv d = onednn.data(g);
        if (d != null) d.backwardData(f(dy), f(w), f(dx));
        else conv.backwardData(g, f(dy), f(w), f(dx));
    }

    @Override
    public void convBackwardFilter(ConvGeom g, Buf x, Buf dy, Buf dw) {
        OneDnnConv d = onednn.filter(g);
        if (d != null) d.backwardFilter(f(x), f(dy), f(dw));
        else conv.backwardFilter(g, f(x), f(dy), f(dw));
    }

    @Override
    public void addBias(Buf y, Buf bias, long rows, int channels) {
        ew.addBias(f(y), f(bias), rows, channels);
    }

    @Override
    public void biasBackward(Buf dy, long rows, int channels, Buf db) {
        ew.biasBackward(f(dy), rows, channels, f(db));
    }

    /** Per-channel sums (and sums of squares when sq != null) in double, chunk results combined in order. */
    private double[] columnSums(FloatBuffer d, long rows, int channels, double[] sq) {
        int chunks = par.chunks(rows, 64);
        double[][] part = new double[chunks][channels];
        double[][] partSq = sq == null ? null : new double[chunks][channels];
        par.forChunks(chunks, k -> {
            long lo = rows * k / chunks, hi = rows * (k + 1) / chunks;
            double[] p = part[k];
            double[] q = partSq == null ? null : partSq[k];
            for (long r = lo; r < hi; r++) {
                int o = (int) (r * channels);
                for (int c = 0; c < channels; c++) {
                    double v = d.get(o + c);
                    p[c] += v;
                    if (q != null) q[c] += v * v;
                }
            }
        });
        double[] sum = new double[channels];
        for (int k = 0; k < chunks; k++)
            for (int c = 0; c < channels; c++) {
                sum[c] += part[k][c];
                if (sq != null) sq[c] += partSq[k][c];
            }
        return sum;
    }

    // ---------------------------------------------------------------- position-major windows

    @Override
    public void gatherWindows(ConvGeom g, Buf x, int p0, int count, Buf col) {
        CpuWindows.gather(par, g, f(x), p0, count, f(col));
    }

    @Override
    public void gatherWindowsTransposed(ConvGeom g, Buf x, int p0, int count, Buf col) {
        CpuWindows.gatherTransposed(par, g, f(x), p0, count, f(col));
    }

    @Override
    public void transposeTaps(Buf w, Buf wt, int taps, int rows, int cols) {
        CpuWindows.transposeTaps(f(w), f(wt), taps, rows, cols);
    }

    // ---------------------------------------------------------------- weight norm

    @Override
    public void weightNormForward(Buf v, Buf g, Buf w, Buf norm, int outer, int channels, int inner) {
        wn.forward(f(v), f(g), f(w), f(norm), outer, channels, inner);
    }

    @Override
    public void weightNormBackward(Buf v, Buf g, Buf norm, Buf dw, Buf dv, Buf dg, int outer, int channels, int inner) {
        wn.backward(f(v), f(g), f(norm), f(dw), f(dv), f(dg), outer, channels, inner);
    }

    @Override
    public void channelMoments(Buf y, long rows, int channels, Buf mean, Buf var) {
        double[] sq = new double[channels];
        double[] sum = columnSums(f(y), rows, channels, sq);
        FloatBuffer m = f(mean), v = f(var);
        for (int c = 0; c < channels; c++) {
            double mu = sum[c] / rows;
            m.put(c, (float) mu);
            v.put(c, (float) Math.max(0, sq[c] / rows - mu * mu));
        }
    }

    // ---------------------------------------------------------------- nonlinearities



    @Override
    public void concatEluForward(Buf x, Buf y, long rows, int c) {
        ew.concatEluForward(f(x), f(y), rows, c);
    }


    @Override
    public void concatEluBackward(Buf y, Buf dy, Buf dx, long rows, int c) {
        ew.concatEluBackward(f(y), f(dy), f(dx), rows, c);
    }

    @Override
    public void eluForward(Buf x, Buf y) {
        ew.eluForward(f(x), f(y));
    }

    @Override
    public void eluBackward(Buf y, Buf dy, Buf dx) {
        ew.eluBackward(f(y), f(dy), f(dx));
    }

    @Override
    public void reluForward(Buf x, Buf y) {
        FloatBuffer xx = f(x), yy = f(y);
        par.forRange(xx.capacity(), GRAIN, (lo, hi) -> {
            for (int i = (int) lo; i < hi; i++) yy.put(i, Math.max(xx.get(i), 0f));
        });
    }

    @Override
    public void reluBackward(Buf y, Buf dy, Buf dx) {
        FloatBuffer xx = f(y), d = f(dy), out = f(dx);
        par.forRange(xx.capacity(), GRAIN, (lo, hi) -> {
            for (int i = (int) lo; i < hi; i++) if (xx.get(i) > 0) out.put(i, out.get(i) + d.get(i));
        });
    }

    // ---------------------------------------------------------------- shifts, concat, sums

    @Override
    public void downShiftForward(Buf x, Buf y, int n, int h, int w, int c) {
        FloatBuffer xx = f(x), yy = f(y);
        int row = w * c;
        par.forRange((long) n * h, 8, (lo, hi) -> {
            for (long r = lo; r < hi; r++) {
                int i = (int) (r % h), o = (int) (r * row);
                if (i == 0) for (int k = 0; k < row; k++) yy.put(o + k, 0f);
                else yy.put(o, xx, o - row, row);
            }
        });
    }

    @Override
    public void downShiftBackward(Buf dy, Buf dx, int n, int h, int w, int c) {
        FloatBuffer d = f(dy), out = f(dx);
        int row = w * c;
        par.forRange((long) n * h, 8, (lo, hi) -> {
            for (long r = lo; r < hi; r++) {
                int i = (int) (r % h), o = (int) (r * row);
                if (i == h - 1) continue;
                for (int k = 0; k < row; k++) out.put(o + k, out.get(o + k) + d.get(o + row + k));
            }
        });
    }

    @Override
    public void rightShiftForward(Buf x, Buf y, int n, int h, int w, int c) {
        FloatBuffer xx = f(x), yy = f(y);
        par.forRange((long) n * h, 8, (lo, hi) -> {
            for (long r = lo; r < hi; r++) {
                int o = (int) (r * w * c);
                for (int k = 0; k < c; k++) yy.put(o + k, 0f);
                yy.put(o + c, xx, o, (w - 1) * c);
            }
        });
    }

    @Override
    public void rightShiftBackward(Buf dy, Buf dx, int n, int h, int w, int c) {
        FloatBuffer d = f(dy), out = f(dx);
        par.forRange((long) n * h, 8, (lo, hi) -> {
            for (long r = lo; r < hi; r++) {
                int o = (int) (r * w * c);
                for (int k = 0; k < (w - 1) * c; k++) out.put(o + k, out.get(o + k) + d.get(o + c + k));
            }
        });
    }

    @Override
    public void concatChannelsForward(Buf a, int ca, Buf b, int cb, Buf y, long rows) {
        FloatBuffer aa = f(a), bb = b == null ? null : f(b), yy = f(y);
        int cy = ca + cb;
        par.forRange(rows, GRAIN / cy + 1, (lo, hi) -> {
            for (long r = lo; r < hi; r++) {
                int o = (int) (r * cy);
                yy.put(o, aa, (int) (r * ca), ca);
                if (bb != null) yy.put(o + ca, bb, (int) (r * cb), cb);
                else for (int k = 0; k < cb; k++) yy.put(o + ca + k, 1f);
            }
        });
    }

    @Override
    public void concatChannelsBackward(Buf dy, Buf da, int ca, Buf db, int cb, long rows) {
        FloatBuffer d = f(dy), oa = da == null ? null : f(da), ob = db == null ? null : f(db);
        int cy = ca + cb;
        par.forRange(rows, GRAIN / cy + 1, (lo, hi) -> {
            for (long r = lo; r < hi; r++) {
                int o = (int) (r * cy);
                if (oa != null) {
                    int p = (int) (r * ca);
                    for (int k = 0; k < ca; k++) oa.put(p + k, oa.get(p + k) + d.get(o + k));
                }
                if (ob != null) {
                    int p = (int) (r * cb);
                    for (int k = 0; k < cb; k++) ob.put(p + k, ob.get(p + k) + d.get(o + ca + k));
                }
            }
        });
    }

    @Override
    public void add(Buf a, Buf b, Buf y) {
        ew.add(f(a), f(b), f(y));
    }

    @Override
    public void addPerImage(Buf y, Buf v, int n, long pixels, int c) {
        FloatBuffer yy = f(y), vv = f(v);
        par.forRange((long) n * pixels, GRAIN / c + 1, (lo, hi) -> {
            for (long r = lo; r < hi; r++) {
                int img = (int) (r / pixels), o = (int) (r * c);
                for (int k = 0; k < c; k++) yy.put(o + k, yy.get(o + k) + vv.get(img * c + k));
            }
        });
    }

    @Override
    public void sumPerImage(Buf dy, Buf s, int n, long pixels, int c) {
        FloatBuffer d = f(dy), out = f(s);
        par.forRange(n, 1, (lo, hi) -> {
            for (int img = (int) lo; img < hi; img++) {
                double[] acc = new double[c];
                for (long p = 0; p < pixels; p++) {
                    int o = (int) ((img * pixels + p) * c);
                    for (int k = 0; k < c; k++) acc[k] += d.get(o + k);
                }
                for (int k = 0; k < c; k++) out.put(img * c + k, (float) acc[k]);
            }
        });
    }

    // ---------------------------------------------------------------- gated resnet pieces


    @Override
    public void gateForward(Buf x, Buf c2, Buf out, long rows, int fch) {
        ew.gateForward(f(x), f(c2), f(out), rows, fch);
    }

    @Override
    public void gateBackward(Buf c2, Buf dout, Buf dx, Buf dc2, long rows, int fch) {
        ew.gateBackward(f(c2), f(dout), f(dx), f(dc2), rows, fch);
    }

    @Override
    public void dropoutForward(Buf x, Buf y, float p, long key) {
        ew.dropoutForward(f(x), f(y), p, key);
    }

    @Override
    public void dropoutBackward(Buf dy, Buf dx, float p, long key) {
        ew.dropoutBackward(f(dy), f(dx), p, key);
    }

    // ---------------------------------------------------------------- likelihood, sampling, optimiser

    @Override
    public double mixLogisticLoss(Buf l, Buf x, Buf dl, float gradScale, double[] perImage, int n, int h, int w, int c, int nrMix) {
        return DiscretizedMixLogistic.lossAndGrad(f(l), f(x), dl == null ? null : f(dl), gradScale, perImage, n, h, w, c, nrMix, par.threads());
    }

    @Override
    public void mixLogisticSubpixelNll(Buf l, Buf x, Buf out, int n, int h, int w, int c, int nrMix) {
        DiscretizedMixLogistic.subpixelNll(f(l), f(x), f(out), n, h, w, c, nrMix, par.threads());
    }

    @Override
    public void mixLogisticSample(Buf l, Buf uMix, Buf u, Buf x, int n, int h, int w, int c, int nrMix, int row, int col) {
        MixLogisticSampler.samplePosition(f(l), f(uMix), f(u), f(x), null, n, h, w, c, nrMix, row, col);
    }

    @Override
    public double sumSquares(Buf b) {
        return ew.sumSquares(f(b));
    }

    @Override
    public void adamPolyak(AdamPolyak.Scalars s, Buf p, Buf grad, Buf m, Buf v, Buf ema) {
        FloatBuffer pp = f(p), gg = f(grad), mm = f(m), vv = f(v), ee = f(ema);
        long n = pp.capacity();
        if (gg.capacity() < n || mm.capacity() < n || vv.capacity() < n || ee.capacity() < n)
            throw new IndexOutOfBoundsException("adamPolyak: a buffer is shorter than the parameters' " + n);
        ew.adamPolyak(s, pp, gg, mm, vv, ee);
    }

    @Override
    public void close() {
        release(0);
        onednn.close();
        par.shutdown();
    }
}
