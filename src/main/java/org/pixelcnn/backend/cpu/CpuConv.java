package org.pixelcnn.backend.cpu;

import org.bytedeco.openblas.global.openblas_full;
import org.pixelcnn.backend.ConvGeom;

import java.nio.FloatBuffer;

/**
 * Convolutions on the CPU as im2col + SGEMM (oneDNN's, else OpenBLAS's; see {@link Blas}), NHWC input, HWIO weights (see {@link ConvGeom}).
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
    /** The flipped, transposed filter of a stride-1 backward-data, and host blocks to build it. */
    private CpuBuf flipped;
    private float[] flipHost = new float[0], flipOut = new float[0];
    /** Per-chunk arrays of col2imAdd. */
    private float[][][] col2im;
    /** Per-chunk column blocks of the blocked forward and backward-filter. */
    private final CpuBuf[] blocks;
    /** Per-thread partial dW of the blocked backward-filter. */
    private CpuBuf[] parts;

    CpuConv(Parallel par) {
        this.par = par;
        this.blocks = new CpuBuf[par.maxChunks()];
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
        forward(g, x, w, 0f, y);
    }

    /** y = conv(x, W) + beta y (beta 0: overwrite, 1: accumulate). */
    private void forward(ConvGeom g, FloatBuffer x, FloatBuffer w, float beta, FloatBuffer y) {
        int k = g.fh() * g.fw() * g.cin();
        if (g.isPointwise()) {
            Blas.gemm(par, false, false, g.n() * g.h() * g.w(), g.cout(), k, 1f, x, w, beta, y);
            return;
        }
        long rows = (long) g.n() * g.ho() * g.wo();
        int b = blockRows(k);
        par.forChunkRanges(rows, b, (chunk, lo, hi) -> {
            FloatBuffer c = blockBuffer(chunk, (long) b * k);
            for (long r0 = lo; r0 < hi; r0 += b) {
                int nr = (int) Math.min(b, hi - r0);
                im2colRows(g, x, r0, nr, c);
                Blas.gemm(false, false, nr, g.cout(), k, 1f, c, w, beta, y.slice((int) (r0 * g.cout()), nr * g.cout()));
            }
        });
    }

    /**
     * Output rows per block of the blocked im2col + product: about 512 KiB of columns, which stay in the
     * core's L2 cache between the copy and the product (at least 256 rows, so the product stays efficient).
     */
    static int blockRows(int k) {
        return Math.max(256, Math.min(2048, (1 << 17) / k));
    }

    /** Chunk k's column block (native, for OpenBLAS), grown on first use at a larger size. */
    private FloatBuffer blockBuffer(int k, long floats) {
        CpuBuf b = blocks[k];
        if (b == null || b.size() < floats) {
            b = CpuBuf.allocate(floats);
            blocks[k] = b;
        }
        return b.fb;
    }

    /** col[r - r0, :] = the patch of output row r = (n, i, j) for r in [r0, r0 + nr), as {@link #im2col}. */
    private static void im2colRows(ConvGeom g, FloatBuffer x, long r0, int nr, FloatBuffer col) {
        int ho = g.ho(), wo = g.wo(), k = g.fh() * g.fw() * g.cin();
        int per = ho * wo;
        for (int q = 0; q < nr; q++) {
            long r = r0 + q;
            int n = (int) (r / per), rem = (int) (r % per);
            patch(g, x, n, rem / wo, rem % wo, col, q * k);
        }
    }

    /** col[dst, dst + fh*fw*cin) = the input patch of output pixel (n, i, j), zeros outside the image. */
    private static void patch(ConvGeom g, FloatBuffer x, int n, int i, int j, FloatBuffer col, int dst) {
        final int h = g.h(), w = g.w(), cin = g.cin(), fh = g.fh(), fw = g.fw();
        final int s = g.stride(), pt = g.padTop(), pl = g.padLeft();
        for (int di = 0; di < fh; di++) {
            int yi = i * s + di - pt;
            int drow = dst + di * fw * cin;
            if (yi < 0 || yi >= h) {
                zero(col, drow, fw * cin);
                continue;
            }
            int x0 = j * s - pl;
            if (x0 >= 0 && x0 + fw <= w) { // the whole filter row inside: one run
                col.put(drow, x, ((n * h + yi) * w + x0) * cin, fw * cin);
                continue;
            }
            for (int dj = 0; dj < fw; dj++) {
                int xj = x0 + dj;
                int d = drow + dj * cin;
                if (xj < 0 || xj >= w) zero(col, d, cin);
                else col.put(d, x, ((n * h + yi) * w + xj) * cin, cin);
            }
        }
    }

    /**
     * dx += conv^T(dy, W). Stride 1: as the convolution of dy with the flipped, transposed filter
     * ({@link #transposedGeom}), accumulated by the product itself (im2col of dy, no col2im); strided: the
     * product into columns, then col2im.
     */
    void backwardData(ConvGeom g, FloatBuffer dy, FloatBuffer w, FloatBuffer dx) {
        int k = g.fh() * g.fw() * g.cin();
        if (g.isPointwise()) {
            Blas.gemm(par, false, true, g.n() * g.h() * g.w(), k, g.cout(), 1f, dy, w, 1f, dx);
            return;
        }
        if (g.stride() == 1) {
            forward(transposedGeom(g), dy, flipTransposed(g, w), 1f, dx);
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

    /**
     * For a stride-1 convolution g, the convolution that maps dy [n,ho,wo,cout] to dx [n,h,w,cin] as g's
     * adjoint: dx[y,x] = sum over (di,dj) of dy[y + pt - di, x + pl - dj] W[di,dj]^T, i.e. padding fh-1-pt on
     * top and fw-1-pl on the left, the filter W'[di',dj',co,ci] = W[fh-1-di', fw-1-dj', ci, co].
     */
    static ConvGeom transposedGeom(ConvGeom g) {
        return new ConvGeom(g.n(), g.ho(), g.wo(), g.cout(), g.h(), g.w(), g.cin(), g.fh(), g.fw(), 1,
                g.fh() - 1 - g.padTop(), g.fw() - 1 - g.padLeft());
    }

    /** W' of {@link #transposedGeom}, in a buffer kept for reuse (grown on first use at a larger size). */
    private FloatBuffer flipTransposed(ConvGeom g, FloatBuffer w) {
        int fh = g.fh(), fw = g.fw(), cin = g.cin(), cout = g.cout(), block = cin * cout;
        if (flipped == null || flipped.size() < (long) fh * fw * block) flipped = CpuBuf.allocate((long) fh * fw * block);
        if (flipHost.length < block) flipHost = new float[block];
        if (flipOut.length < block) flipOut = new float[block];
        FloatBuffer f = flipped.fb;
        for (int di = 0; di < fh; di++)
            for (int dj = 0; dj < fw; dj++) {
                w.get(((fh - 1 - di) * fw + (fw - 1 - dj)) * block, flipHost, 0, block); // [cin, cout]
                for (int ci = 0; ci < cin; ci++)
                    for (int co = 0; co < cout; co++) flipOut[co * cin + ci] = flipHost[ci * cout + co];
                f.put((di * fw + dj) * block, flipOut, 0, block);
            }
        return f;
    }

    /** dW += sum over positions of x-patch (outer) dy. */
    void backwardFilter(ConvGeom g, FloatBuffer x, FloatBuffer dy, FloatBuffer dw) {
        int k = g.fh() * g.fw() * g.cin();
        if (g.isPointwise()) {
            Blas.gemm(par, true, false, k, g.cout(), g.n() * g.h() * g.w(), 1f, x, dy, 1f, dw);
            return;
        }
        if ((long) k * g.cout() <= BLOCKED_FILTER_MAX && par.threads() > 1) {
            backwardFilterBlocked(g, x, dy, dw, k);
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

    /** The largest filter (fh*fw*cin*cout floats) whose backward-filter runs blocked, with one partial dW per thread. */
    static final long BLOCKED_FILTER_MAX = 1 << 17;

    /**
     * dW += sum over blocks of col_block^T dy_block: the rows split into one contiguous range per thread, each
     * range walked in blocks whose columns stay in L2 ({@link #blockRows}) and summed into the thread's own
     * partial dW (its first block overwrites), then the partials added to dW in thread order (deterministic
     * for a given thread count).
     */
    private void backwardFilterBlocked(ConvGeom g, FloatBuffer x, FloatBuffer dy, FloatBuffer dw, int k) {
        long rows = (long) g.n() * g.ho() * g.wo();
        int b = blockRows(k), t = par.threads(), cout = g.cout(), size = k * cout;
        FloatBuffer[] parts = new FloatBuffer[t];
        for (int p = 0; p < t; p++) parts[p] = partBuffer(p, size);
        par.forChunks(t, p -> {
            long lo = rows * p / t, hi = rows * (p + 1) / t;
            FloatBuffer c = blockBuffer(p, (long) b * k), part = parts[p];
            boolean first = true;
            for (long r0 = lo; r0 < hi; r0 += b) {
                int nr = (int) Math.min(b, hi - r0);
                im2colRows(g, x, r0, nr, c);
                FloatBuffer dyv = dy.slice((int) (r0 * cout), nr * cout);
                Blas.gemm(true, false, k, cout, nr, 1f, c, dyv, first ? 0f : 1f, part);
                first = false;
            }
            if (first) zero(part, 0, size); // an empty range
        });
        for (int p = 0; p < t; p++) Blas.axpy(size, 1f, parts[p], dw);
    }

    /** Thread p's partial dW of the blocked backward-filter, grown on first use at a larger size. */
    private FloatBuffer partBuffer(int p, long floats) {
        if (parts == null) parts = new CpuBuf[par.threads()];
        CpuBuf b = parts[p];
        if (b == null || b.size() < floats) {
            b = CpuBuf.allocate(floats);
            parts[p] = b;
        }
        return b.fb;
    }

    /** Zeros for bulk puts (read only). */
    private static final float[] ZEROS = new float[4096];

    /** col[d, d + len) = 0, by bulk puts. */
    private static void zero(FloatBuffer col, int d, int len) {
        for (int o = 0; o < len; o += ZEROS.length) col.put(d + o, ZEROS, 0, Math.min(ZEROS.length, len - o));
    }

    /**
     * col[(n,i,j), (di,dj,ci)] = x[n0+n, i*s+di-pt, j*s+dj-pl, ci] or 0 outside the image. A filter row whose
     * fw pixels all lie inside the image is one contiguous run of fw*cin floats in x: one copy.
     */
    private void im2col(ConvGeom g, FloatBuffer x, int n0, int nb, FloatBuffer col) {
        final int ho = g.ho(), wo = g.wo(), k = g.fh() * g.fw() * g.cin();
        par.forRange((long) nb * ho, 4, (from, to) -> {
            for (long r = from; r < to; r++) {
                int n = (int) (r / ho), i = (int) (r % ho);
                for (int j = 0; j < wo; j++) patch(g, x, n0 + n, i, j, col, (int) ((r * wo + j) * k));
            }
        });
    }

    /**
     * dx[n0+n, i*s+di-pt, j*s+dj-pl, ci] += col[(n,i,j), (di,dj,ci)], skipping padding. Parallel over images;
     * each image's dx and columns are copied in bulk into the chunk's arrays (grown on first use), summed
     * there in the same order as element by element, and copied back.
     */
    private void col2imAdd(ConvGeom g, FloatBuffer col, int n0, int nb, FloatBuffer dx) {
        final int h = g.h(), w = g.w(), cin = g.cin(), ho = g.ho(), wo = g.wo(), fh = g.fh(), fw = g.fw();
        final int s = g.stride(), pt = g.padTop(), pl = g.padLeft(), k = fh * fw * cin;
        final int img = h * w * cin, cols = ho * wo * k;
        par.forChunkRanges(nb, 1, (chunk, from, to) -> {
            float[][] sc = col2imScratch(chunk, img, cols);
            float[] dxi = sc[0], ci = sc[1];
            for (int n = (int) from; n < to; n++) {
                dx.get((n0 + n) * img, dxi, 0, img);
                col.get(n * cols, ci, 0, cols);
                for (int i = 0; i < ho; i++) {
                    for (int j = 0; j < wo; j++) {
                        int src = (i * wo + j) * k;
                        for (int di = 0; di < fh; di++) {
                            int yi = i * s + di - pt;
                            if (yi < 0 || yi >= h) continue;
                            for (int dj = 0; dj < fw; dj++) {
                                int xj = j * s + dj - pl;
                                if (xj < 0 || xj >= w) continue;
                                addRun(ci, src + (di * fw + dj) * cin, dxi, (yi * w + xj) * cin, cin);
                            }
                        }
                    }
                }
                dx.put((n0 + n) * img, dxi, 0, img);
            }
        });
    }

    /** dst[d + c] += src[s + c] for c in [0, len). */
    private static void addRun(float[] src, int s, float[] dst, int d, int len) {
        for (int c = 0; c < len; c++) dst[d + c] += src[s + c];
    }

    /** Chunk k's two arrays for col2im: one image of dx and its columns (grown on first use at a larger size). */
    private synchronized float[][] col2imScratch(int k, int img, int cols) {
        if (col2im == null) col2im = new float[par.maxChunks()][][];
        float[][] sc = col2im[k];
        if (sc == null || sc[0].length < img || sc[1].length < cols) {
            sc = new float[][]{new float[img], new float[cols]};
            col2im[k] = sc;
        }
        return sc;
    }

    /**
     * Row-major SGEMM on direct buffers (JavaCPP passes the buffer's address plus its position), through
     * oneDNN's {@code dnnl_sgemm} when its natives are in the jar (JIT kernels for the CPU at hand, whatever
     * {@code OPENBLAS_CORETYPE} says; about twice OpenBLAS's Haswell kernels on AVX-512 cores), else through
     * OpenBLAS, single-threaded (its idle worker threads spin and steal the cores from the elementwise
     * work). oneDNN runs each call on the calling thread too ({@code OMP_NUM_THREADS=1}, set by {@link ProcessEnv}
     * unless the user set it). {@link #gemm(Parallel, boolean, boolean, int, int, int, float, FloatBuffer, FloatBuffer, float, FloatBuffer)}
     * splits a product across the backend's own threads: by rows of C, or by columns when C is short (with
     * OpenMP threads of its own, oneDNN gets the product in one call instead). Either way every
     * element of C is computed by one call in a fixed order, so results do not vary from run to run.
     * {@code -Dpixelcnn.cpu.gemm=openblas} (or {@code PCE_CPU_GEMM=openblas}) keeps OpenBLAS.
     */
    static final class Blas {
        /** The library in use: "oneDNN" or "OpenBLAS". */
        static final String ENGINE;
        private static final boolean DNNL;
        /** Whether oneDNN runs each product on the calling thread (OpenMP with one thread): then we split, as for OpenBLAS. */
        private static final boolean DNNL_ONE_THREAD;

        static {
            // before any OpenMP library loads: oneDNN's products single-threaded, split by our own threads (ProcessEnv)
            String omp = System.getenv("OMP_NUM_THREADS");
            boolean oneThread = omp != null ? omp.trim().equals("1") : ProcessEnv.setIfUnset("OMP_NUM_THREADS", "1");
            org.bytedeco.javacpp.Loader.load(org.bytedeco.openblas.global.openblas_full.class);
            org.bytedeco.openblas.global.openblas_full.openblas_set_num_threads(1);
            String want = System.getProperty("pixelcnn.cpu.gemm", System.getenv().getOrDefault("PCE_CPU_GEMM", "auto"));
            boolean dnnl = false;
            if (!want.equalsIgnoreCase("openblas")) {
                try {
                    org.bytedeco.javacpp.Loader.load(org.bytedeco.dnnl.global.dnnl.class);
                    dnnl = true;
                } catch (Throwable absent) { // a jar built without oneDNN's natives (-Plean): OpenBLAS does it all
                    dnnl = false;
                }
            }
            DNNL = dnnl;
            DNNL_ONE_THREAD = oneThread;
            ENGINE = dnnl ? "oneDNN" : "OpenBLAS";
        }

        private Blas() {}

        /** Whether oneDNN runs each call on the calling thread (OMP_NUM_THREADS=1): then the engine splits the work. */
        static boolean oneDnnOnCallingThread() {
            return DNNL_ONE_THREAD;
        }

        static void gemm(boolean ta, boolean tb, int m, int n, int k, float alpha, FloatBuffer a, FloatBuffer b, float beta, FloatBuffer c) {
            if (m == 0 || n == 0) return;
            sgemm(ta, tb, m, n, k, alpha, a, ta ? m : k, b, tb ? k : n, beta, c, n);
        }

        /** C[m, n] (row stride ldc) = alpha op(A) op(B) + beta C, row-major, through the engine in use. */
        private static void sgemm(boolean ta, boolean tb, int m, int n, int k, float alpha, FloatBuffer a, int lda, FloatBuffer b, int ldb,
                                  float beta, FloatBuffer c, int ldc) {
            if (DNNL) {
                int status = org.bytedeco.dnnl.global.dnnl.dnnl_sgemm((byte) (ta ? 'T' : 'N'), (byte) (tb ? 'T' : 'N'), m, n, k, alpha,
                        a, Math.max(1, lda), b, Math.max(1, ldb), beta, c, Math.max(1, ldc));
                if (status != 0) throw new IllegalStateException("dnnl_sgemm failed (status " + status + ") for m=" + m + " n=" + n + " k=" + k);
                return;
            }
            openblas_full.cblas_sgemm(openblas_full.CblasRowMajor,
                    ta ? openblas_full.CblasTrans : openblas_full.CblasNoTrans,
                    tb ? openblas_full.CblasTrans : openblas_full.CblasNoTrans,
                    m, n, k, alpha, a, Math.max(1, lda), b, Math.max(1, ldb), beta, c, Math.max(1, ldc));
        }

        /** y[0, n) += alpha x[0, n) (OpenBLAS saxpy). */
        static void axpy(int n, float alpha, FloatBuffer x, FloatBuffer y) {
            openblas_full.cblas_saxpy(n, alpha, x, 1, y, 1);
        }

        /** As {@link #gemm(boolean, boolean, int, int, int, float, FloatBuffer, FloatBuffer, float, FloatBuffer)}, split over par's threads. */
        static void gemm(Parallel par, boolean ta, boolean tb, int m, int n, int k, float alpha, FloatBuffer a, FloatBuffer b, float beta, FloatBuffer c) {
            int t = par.threads();
            long flops = 2L * m * n * k;
            if ((DNNL && !DNNL_ONE_THREAD) || t == 1 || flops < (1L << 21) || m == 0 || n == 0) {
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
                    sgemm(ta, tb, m, c1 - c0, k, alpha, a, ta ? m : k, bv, ldb, beta, c.slice(c0, c.capacity() - c0), n);
                });
            }
        }

        /** Rows [r0, r1) of C = alpha A^T op(B) + beta C: A is [k, m] row-major, its columns r0.. are the view's start. */
        private static void rowsOfTransposed(FloatBuffer av, FloatBuffer b, FloatBuffer c, boolean tb, int m, int n, int k,
                                             int r0, int r1, float alpha, float beta) {
            sgemm(true, tb, r1 - r0, n, k, alpha, av, m, b, tb ? k : n, beta, c.slice(r0 * n, (r1 - r0) * n), n);
        }
    }
}
