package org.pixelcnn.backend.cpu;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.ConvGeom;
import org.pixelcnn.backend.DropoutMask;
import org.pixelcnn.backend.AdamPolyak;

import java.nio.FloatBuffer;

/**
 * The reference backend: convolutions and matrix products on OpenBLAS (im2col + SGEMM), everything
 * else as plain loops over direct buffers split across a fork-join pool. Every other backend is
 * tested against this one. Not thread-safe: give each replica its own instance.
 */
public final class CpuBackend implements Backend {
    private static final long GRAIN = 1 << 14;

    private final Parallel par;
    private final CpuConv conv;

    /** @param threads worker threads for elementwise work (OpenBLAS keeps its own thread count) */
    public CpuBackend(int threads) {
        this.par = new Parallel(threads);
        this.conv = new CpuConv(par);
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

    /** Floats handed out by {@link #alloc} (CPU buffers live until the backend is closed). */
    private final java.util.concurrent.atomic.AtomicLong allocated = new java.util.concurrent.atomic.AtomicLong();

    @Override
    public Buf alloc(long n) {
        Buf b = CpuBuf.allocate(n);
        allocated.addAndGet(n);
        return b;
    }

    @Override
    public Memory memory() {
        return new Memory(4 * allocated.get(), -1, "host memory");
    }

    @Override
    public void upload(float[] src, int srcOff, Buf dst, long dstOff, int n) {
        f(dst).put((int) dstOff, src, srcOff, n);
    }

    @Override
    public void download(Buf src, long srcOff, float[] dst, int dstOff, int n) {
        f(src).get((int) srcOff, dst, dstOff, n);
    }

    /** Zeros copied in bulk by {@link #fill} (no allocation per call for the common fill with 0). */
    private static final float[] ZEROS = new float[1 << 14];

    @Override
    public void fill(Buf b, float v) {
        FloatBuffer x = f(b);
        float[] block = ZEROS;
        if (v != 0f) {
            block = new float[(int) Math.min(ZEROS.length, Math.max(1, x.capacity()))];
            java.util.Arrays.fill(block, v);
        }
        for (int i = 0; i < x.capacity(); i += block.length) x.put(i, block, 0, Math.min(block.length, x.capacity() - i));
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
        par.forRange(s.capacity(), GRAIN, (lo, hi) -> {
            for (int i = (int) lo; i < hi; i++) d.put(i, d.get(i) + alpha * s.get(i));
        });
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
        conv.forward(g, f(x), f(w), f(y));
        if (bias != null) addBias(y, bias, (long) g.n() * g.ho() * g.wo(), g.cout());
    }

    @Override
    public void convBackwardData(ConvGeom g, Buf dy, Buf w, Buf dx) {
        conv.backwardData(g, f(dy), f(w), f(dx));
    }

    @Override
    public void convBackwardFilter(ConvGeom g, Buf x, Buf dy, Buf dw) {
        conv.backwardFilter(g, f(x), f(dy), f(dw));
    }

    @Override
    public void addBias(Buf y, Buf bias, long rows, int channels) {
        FloatBuffer yy = f(y), b = f(bias);
        par.forRange(rows, GRAIN / Math.max(1, channels) + 1, (lo, hi) -> {
            for (long r = lo; r < hi; r++) {
                int o = (int) (r * channels);
                for (int c = 0; c < channels; c++) yy.put(o + c, yy.get(o + c) + b.get(c));
            }
        });
    }

    @Override
    public void biasBackward(Buf dy, long rows, int channels, Buf db) {
        FloatBuffer d = f(dy), out = f(db);
        double[] sum = columnSums(d, rows, channels, null);
        for (int c = 0; c < channels; c++) out.put(c, (float) (out.get(c) + sum[c]));
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

    // ---------------------------------------------------------------- weight norm

    @Override
    public void weightNormForward(Buf v, Buf g, Buf w, Buf norm, int outer, int channels, int inner) {
        FloatBuffer vv = f(v), gg = f(g), ww = f(w), nn = f(norm);
        double[] sq = new double[channels];
        for (int a = 0; a < outer; a++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < inner; i++) {
                    double x = vv.get((a * channels + c) * inner + i);
                    sq[c] += x * x;
                }
        float[] scale = new float[channels];
        for (int c = 0; c < channels; c++) {
            float nrm = (float) Math.sqrt(Math.max(sq[c], 1e-12));
            nn.put(c, nrm);
            scale[c] = gg.get(c) / nrm;
        }
        for (int a = 0; a < outer; a++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < inner; i++) {
                    int idx = (a * channels + c) * inner + i;
                    ww.put(idx, vv.get(idx) * scale[c]);
                }
    }

    @Override
    public void weightNormBackward(Buf v, Buf g, Buf norm, Buf dw, Buf dv, Buf dg, int outer, int channels, int inner) {
        FloatBuffer vv = f(v), gg = f(g), nn = f(norm), dW = f(dw), dV = f(dv), dG = f(dg);
        double[] dot = new double[channels];
        for (int a = 0; a < outer; a++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < inner; i++) {
                    int idx = (a * channels + c) * inner + i;
                    dot[c] += (double) dW.get(idx) * vv.get(idx);
                }
        float[] s1 = new float[channels], s2 = new float[channels];
        for (int c = 0; c < channels; c++) {
            double nrm = nn.get(c);
            dG.put(c, (float) (dG.get(c) + dot[c] / nrm));
            s1[c] = (float) (gg.get(c) / nrm);
            s2[c] = (float) (gg.get(c) * dot[c] / (nrm * nrm * nrm));
        }
        for (int a = 0; a < outer; a++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < inner; i++) {
                    int idx = (a * channels + c) * inner + i;
                    dV.put(idx, dV.get(idx) + s1[c] * dW.get(idx) - s2[c] * vv.get(idx));
                }
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

    /**
     * exp(-|x|) - 1 in double, rounded once: elu of the non-positive one of x and -x. (Math.expm1 is a
     * slow software routine; through the exp intrinsic in double the result is float32-accurate for
     * |x| &gt; 1e-9, and within a few ulps below.)
     */
    private static float eluOfNegAbs(float x) {
        return (float) (Math.exp(-Math.abs((double) x)) - 1.0);
    }

    /** elu(x) = x for x &gt; 0, exp(x) - 1 otherwise. */
    private static float elu(float x) {
        return x > 0 ? x : eluOfNegAbs(x);
    }

    @Override
    public void concatEluForward(Buf x, Buf y, long rows, int c) {
        FloatBuffer xx = f(x), yy = f(y);
        par.forRange(rows, GRAIN / Math.max(1, c) + 1, (lo, hi) -> {
            for (long r = lo; r < hi; r++) {
                int i0 = (int) (r * c), o0 = (int) (r * 2 * c);
                for (int j = 0; j < c; j++) {
                    float v = xx.get(i0 + j);
                    float e = eluOfNegAbs(v); // one exp per element; the selects compile without branches
                    yy.put(o0 + j, v > 0 ? v : e);
                    yy.put(o0 + c + j, v > 0 ? e : -v);
                }
            }
        });
    }

    /** elu' at the input, from the output y = elu(input): 1 for y &gt; 0, else y + 1 (= exp(input)). */
    private static float eluGradFromOutput(float y) {
        return y > 0 ? 1f : y + 1f;
    }

    @Override
    public void concatEluBackward(Buf y, Buf dy, Buf dx, long rows, int c) {
        FloatBuffer yy = f(y), d = f(dy), out = f(dx);
        par.forRange(rows, GRAIN / Math.max(1, c) + 1, (lo, hi) -> {
            for (long r = lo; r < hi; r++) {
                int i0 = (int) (r * c), o0 = (int) (r * 2 * c);
                for (int j = 0; j < c; j++) {
                    float gsum = d.get(o0 + j) * eluGradFromOutput(yy.get(o0 + j)) - d.get(o0 + c + j) * eluGradFromOutput(yy.get(o0 + c + j));
                    out.put(i0 + j, out.get(i0 + j) + gsum);
                }
            }
        });
    }

    @Override
    public void eluForward(Buf x, Buf y) {
        FloatBuffer xx = f(x), yy = f(y);
        par.forRange(xx.capacity(), GRAIN, (lo, hi) -> {
            for (int i = (int) lo; i < hi; i++) yy.put(i, elu(xx.get(i)));
        });
    }

    @Override
    public void eluBackward(Buf y, Buf dy, Buf dx) {
        FloatBuffer yy = f(y), d = f(dy), out = f(dx);
        par.forRange(yy.capacity(), GRAIN, (lo, hi) -> {
            for (int i = (int) lo; i < hi; i++) out.put(i, out.get(i) + d.get(i) * eluGradFromOutput(yy.get(i)));
        });
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
        FloatBuffer aa = f(a), bb = f(b), yy = f(y);
        par.forRange(yy.capacity(), GRAIN, (lo, hi) -> {
            for (int i = (int) lo; i < hi; i++) yy.put(i, aa.get(i) + bb.get(i));
        });
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

    /** 1 / (1 + exp(-x)) in double, rounded once. */
    private static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-(double) x)));
    }

    @Override
    public void gateForward(Buf x, Buf c2, Buf out, long rows, int fch) {
        FloatBuffer xx = f(x), cc = f(c2), oo = f(out);
        par.forRange(rows, GRAIN / fch + 1, (lo, hi) -> {
            for (long r = lo; r < hi; r++) {
                int o = (int) (r * fch), c0 = (int) (r * 2 * fch);
                for (int k = 0; k < fch; k++) oo.put(o + k, xx.get(o + k) + cc.get(c0 + k) * sigmoid(cc.get(c0 + fch + k)));
            }
        });
    }

    @Override
    public void gateBackward(Buf c2, Buf dout, Buf dx, Buf dc2, long rows, int fch) {
        FloatBuffer cc = f(c2), d = f(dout), ox = f(dx), oc = f(dc2);
        par.forRange(rows, GRAIN / fch + 1, (lo, hi) -> {
            for (long r = lo; r < hi; r++) {
                int o = (int) (r * fch), c0 = (int) (r * 2 * fch);
                for (int k = 0; k < fch; k++) {
                    float g = d.get(o + k), a = cc.get(c0 + k), s = sigmoid(cc.get(c0 + fch + k));
                    ox.put(o + k, ox.get(o + k) + g);
                    oc.put(c0 + k, g * s);
                    oc.put(c0 + fch + k, g * a * s * (1f - s));
                }
            }
        });
    }

    @Override
    public void dropoutForward(Buf x, Buf y, float p, long key) {
        FloatBuffer xx = f(x), yy = f(y);
        float scale = 1f / (1f - p);
        par.forRange(xx.capacity(), GRAIN, (lo, hi) -> {
            for (int i = (int) lo; i < hi; i++) yy.put(i, DropoutMask.keep(key, i, p) ? xx.get(i) * scale : 0f);
        });
    }

    @Override
    public void dropoutBackward(Buf dy, Buf dx, float p, long key) {
        FloatBuffer d = f(dy), out = f(dx);
        float scale = 1f / (1f - p);
        par.forRange(d.capacity(), GRAIN, (lo, hi) -> {
            for (int i = (int) lo; i < hi; i++) if (DropoutMask.keep(key, i, p)) out.put(i, out.get(i) + d.get(i) * scale);
        });
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
        FloatBuffer x = f(b);
        int chunks = par.chunks(x.capacity(), GRAIN);
        double[] part = new double[chunks];
        par.forChunks(chunks, k -> {
            long lo = (long) x.capacity() * k / chunks, hi = (long) x.capacity() * (k + 1) / chunks;
            double s = 0;
            for (int i = (int) lo; i < hi; i++) s += (double) x.get(i) * x.get(i);
            part[k] = s;
        });
        double s = 0;
        for (double v : part) s += v;
        return s;
    }

    @Override
    public void adamPolyak(AdamPolyak.Scalars s, Buf p, Buf grad, Buf m, Buf v, Buf ema) {
        FloatBuffer pp = f(p), gg = f(grad), mm = f(m), vv = f(v), ee = f(ema);
        par.forRange(pp.capacity(), GRAIN, (lo, hi) -> CpuAdamPolyak.update(s, pp, gg, mm, vv, ee, (int) lo, (int) (hi - lo)));
    }

    @Override
    public void close() {
        par.shutdown();
    }
}
