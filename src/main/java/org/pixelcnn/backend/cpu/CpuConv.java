package org.pixelcnn.backend.cpu;

import org.bytedeco.openblas.global.openblas_full;
import org.pixelcnn.backend.ConvGeom;

import java.nio.FloatBuffer;

/**
 * Convolutions on the CPU as im2col + OpenBLAS SGEMM, NHWC input, HWIO weights (see {@link ConvGeom}).
 * The batch is processed in chunks of images so the column buffer stays bounded; it is allocated on
 * first use at the largest size seen and reused after (no allocation inside a steady training step).
 * The CUDA twin is cuDNN (forward, backward-data, backward-filter).
 */
final class CpuConv {
    /** Upper bound on the column buffer, in floats (64 MiB). */
    private static final long COL_LIMIT = 16L << 20;

    private final Parallel par;
    /** The column buffer; the CpuBuf is kept, not just its FloatBuffer, so its native memory stays allocated. */
    private CpuBuf col;

    CpuConv(Parallel par) {
        this.par = par;
    }

    private int imagesPerChunk(ConvGeom g) {
        long perImage = (long) g.ho() * g.wo() * g.fh() * g.fw() * g.cin();
        return (int) Math.max(1, Math.min(g.n(), COL_LIMIT / Math.max(1, perImage)));
    }

    private FloatBuffer colBuffer(long floats) {
        if (col == null || col.size() < floats) col = CpuBuf.allocate(floats);
        return col.fb;
    }

    /** y = conv(x, W) (overwrite); bias added by the caller. */
    void forward(ConvGeom g, FloatBuffer x, FloatBuffer w, FloatBuffer y) {
        int k = g.fh() * g.fw() * g.cin();
        if (g.isPointwise()) {
            Blas.gemm(par, false, false, g.n() * g.h() * g.w(), g.cout(), k, 1f, x, w, 0f, y);
            return;
        }
        int per = imagesPerChunk(g);
        int rowsPerImage = g.ho() * g.wo();
        FloatBuffer c = colBuffer((long) per * rowsPerImage * k);
        for (int n0 = 0; n0 < g.n(); n0 += per) {
            int nb = Math.min(per, g.n() - n0);
            im2col(g, x, n0, nb, c);
            FloatBuffer yv = y.slice(n0 * rowsPerImage * g.cout(), nb * rowsPerImage * g.cout());
            Blas.gemm(par, false, false, nb * rowsPerImage, g.cout(), k, 1f, c, w, 0f, yv);
        }
    }

    /** dx += conv^T(dy, W). */
    void backwardData(ConvGeom g, FloatBuffer dy, FloatBuffer w, FloatBuffer dx) {
        int k = g.fh() * g.fw() * g.cin();
        if (g.isPointwise()) {
            Blas.gemm(par, false, true, g.n() * g.h() * g.w(), k, g.cout(), 1f, dy, w, 1f, dx);
            return;
        }
        int per = imagesPerChunk(g);
        int rowsPerImage = g.ho() * g.wo();
        FloatBuffer c = colBuffer((long) per * rowsPerImage * k);
        for (int n0 = 0; n0 < g.n(); n0 += per) {
            int nb = Math.min(per, g.n() - n0);
            FloatBuffer dyv = dy.slice(n0 * rowsPerImage * g.cout(), nb * rowsPerImage * g.cout());
            Blas.gemm(par, false, true, nb * rowsPerImage, k, g.cout(), 1f, dyv, w, 0f, c);
            col2imAdd(g, c, n0, nb, dx);
        }
    }

    /** dW += sum over positions of x-patch (outer) dy. */
    void backwardFilter(ConvGeom g, FloatBuffer x, FloatBuffer dy, FloatBuffer dw) {
        int k = g.fh() * g.fw() * g.cin();
        if (g.isPointwise()) {
            Blas.gemm(par, true, false, k, g.cout(), g.n() * g.h() * g.w(), 1f, x, dy, 1f, dw);
            return;
        }
        int per = imagesPerChunk(g);
        int rowsPerImage = g.ho() * g.wo();
        FloatBuffer c = colBuffer((long) per * rowsPerImage * k);
        for (int n0 = 0; n0 < g.n(); n0 += per) {
            int nb = Math.min(per, g.n() - n0);
            im2col(g, x, n0, nb, c);
            FloatBuffer dyv = dy.slice(n0 * rowsPerImage * g.cout(), nb * rowsPerImage * g.cout());
            Blas.gemm(par, true, false, k, g.cout(), nb * rowsPerImage, 1f, c, dyv, 1f, dw);
        }
    }

    /** col[(n,i,j), (di,dj,ci)] = x[n0+n, i*s+di-pt, j*s+dj-pl, ci] or 0 outside the image. */
    private void im2col(ConvGeom g, FloatBuffer x, int n0, int nb, FloatBuffer col) {
        final int h = g.h(), w = g.w(), cin = g.cin(), ho = g.ho(), wo = g.wo(), fh = g.fh(), fw = g.fw();
        final int s = g.stride(), pt = g.padTop(), pl = g.padLeft(), k = fh * fw * cin;
        par.forRange((long) nb * ho, 4, (from, to) -> {
            for (long r = from; r < to; r++) {
                int n = (int) (r / ho), i = (int) (r % ho);
                for (int j = 0; j < wo; j++) {
                    int dst = (int) ((r * wo + j) * k);
                    for (int di = 0; di < fh; di++) {
                        int yi = i * s + di - pt;
                        for (int dj = 0; dj < fw; dj++) {
                            int xj = j * s + dj - pl;
                            int d = dst + (di * fw + dj) * cin;
                            if (yi < 0 || yi >= h || xj < 0 || xj >= w) {
                                for (int ci = 0; ci < cin; ci++) col.put(d + ci, 0f);
                            } else {
                                int src = (((n0 + n) * h + yi) * w + xj) * cin;
                                col.put(d, x, src, cin);
                            }
                        }
                    }
                }
            }
        });
    }

    /** dx[n0+n, i*s+di-pt, j*s+dj-pl, ci] += col[(n,i,j), (di,dj,ci)], skipping padding. Parallel over images. */
    private void col2imAdd(ConvGeom g, FloatBuffer col, int n0, int nb, FloatBuffer dx) {
        final int h = g.h(), w = g.w(), cin = g.cin(), ho = g.ho(), wo = g.wo(), fh = g.fh(), fw = g.fw();
        final int s = g.stride(), pt = g.padTop(), pl = g.padLeft(), k = fh * fw * cin;
        par.forRange(nb, 1, (from, to) -> {
            for (int n = (int) from; n < to; n++) {
                for (int i = 0; i < ho; i++) {
                    for (int j = 0; j < wo; j++) {
                        int src = ((n * ho + i) * wo + j) * k;
                        for (int di = 0; di < fh; di++) {
                            int yi = i * s + di - pt;
                            if (yi < 0 || yi >= h) continue;
                            for (int dj = 0; dj < fw; dj++) {
                                int xj = j * s + dj - pl;
                                if (xj < 0 || xj >= w) continue;
                                int d = (((n0 + n) * h + yi) * w + xj) * cin;
                                int c0 = src + (di * fw + dj) * cin;
                                for (int ci = 0; ci < cin; ci++) dx.put(d + ci, dx.get(d + ci) + col.get(c0 + ci));
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * Row-major SGEMM through OpenBLAS on direct buffers (JavaCPP passes the buffer's address plus its
     * position). OpenBLAS runs single-threaded (its idle worker threads spin and steal the cores from
     * the elementwise work); {@link #gemm(Parallel, boolean, boolean, int, int, int, float, FloatBuffer, FloatBuffer, float, FloatBuffer)}
     * splits a product across the backend's own threads instead: by rows of C, or by columns when C is short.
     * Every element of C is computed by one call in the same order, so results do not depend on the split.
     */
    static final class Blas {
        static {
            org.bytedeco.javacpp.Loader.load(org.bytedeco.openblas.global.openblas_full.class);
            org.bytedeco.openblas.global.openblas_full.openblas_set_num_threads(1);
        }

        private Blas() {}

        static void gemm(boolean ta, boolean tb, int m, int n, int k, float alpha, FloatBuffer a, FloatBuffer b, float beta, FloatBuffer c) {
            if (m == 0 || n == 0) return;
            int lda = ta ? m : k, ldb = tb ? k : n;
            openblas_full.cblas_sgemm(openblas_full.CblasRowMajor,
                    ta ? openblas_full.CblasTrans : openblas_full.CblasNoTrans,
                    tb ? openblas_full.CblasTrans : openblas_full.CblasNoTrans,
                    m, n, k, alpha, a, Math.max(1, lda), b, Math.max(1, ldb), beta, c, Math.max(1, n));
        }

        /** As {@link #gemm(boolean, boolean, int, int, int, float, FloatBuffer, FloatBuffer, float, FloatBuffer)}, split over par's threads. */
        static void gemm(Parallel par, boolean ta, boolean tb, int m, int n, int k, float alpha, FloatBuffer a, FloatBuffer b, float beta, FloatBuffer c) {
            int t = par.threads();
            long flops = 2L * m * n * k;
            if (t == 1 || flops < (1L << 21) || m == 0 || n == 0) {
                gemm(ta, tb, m, n, k, alpha, a, b, beta, c);
                return;
            }
            if (m >= 8L * t) { // split the rows of C (and of op(A))
                par.forChunks(t, p -> {
                    int r0 = (int) ((long) m * p / t), r1 = (int) ((long) m * (p + 1) / t);
                    if (r1 <= r0) return;
                    FloatBuffer av = ta ? a.slice(r0, a.capacity() - r0) : a.slice(r0 * k, (r1 - r0) * k);
                    if (ta) rowsOfTransposed(av, b, c, tb, m, n, k, r0, r1, alpha, beta);
                    else gemm(false, tb, r1 - r0, n, k, alpha, av, b, beta, c.slice(r0 * n, (r1 - r0) * n));
                });
            } else { // split the columns of C (and of op(B)); C's row stride stays n
                par.forChunks(t, p -> {
                    int c0 = (int) ((long) n * p / t), c1 = (int) ((long) n * (p + 1) / t);
                    if (c1 <= c0) return;
                    int ldb = tb ? k : n;
                    FloatBuffer bv = tb ? b.slice(c0 * k, (c1 - c0) * k) : b.slice(c0, b.capacity() - c0);
                    openblas_full.cblas_sgemm(openblas_full.CblasRowMajor,
                            ta ? openblas_full.CblasTrans : openblas_full.CblasNoTrans,
                            tb ? openblas_full.CblasTrans : openblas_full.CblasNoTrans,
                            m, c1 - c0, k, alpha, a, Math.max(1, ta ? m : k), bv, Math.max(1, ldb), beta,
                            c.slice(c0, c.capacity() - c0), Math.max(1, n));
                });
            }
        }

        /** Rows [r0, r1) of C = alpha A^T op(B) + beta C: A is [k, m] row-major, its columns r0.. are the view's start. */
        private static void rowsOfTransposed(FloatBuffer av, FloatBuffer b, FloatBuffer c, boolean tb, int m, int n, int k,
                                             int r0, int r1, float alpha, float beta) {
            openblas_full.cblas_sgemm(openblas_full.CblasRowMajor, openblas_full.CblasTrans,
                    tb ? openblas_full.CblasTrans : openblas_full.CblasNoTrans,
                    r1 - r0, n, k, alpha, av, Math.max(1, m), b, Math.max(1, tb ? k : n), beta, c.slice(r0 * n, (r1 - r0) * n), Math.max(1, n));
        }
    }
}
