package org.pixelcnn.backend.cuda;

/**
 * The backend's reductions, all deterministic (no atomics): {@code colsum_partial} writes float64
 * partial column sums per chunk of {@link #CHUNK_ROWS} rows, a finishing kernel adds them in chunk
 * order (reductions.cu, weight_norm.cu). The launch shape depends only on the tensor shape, so the
 * same inputs give the same bits on every run. CPU twins: CpuBackend.biasBackward, channelMoments,
 * sumPerImage, weightNormForward, weightNormBackward.
 */
final class CudaReductions {
    /** Rows summed by one block of colsum_partial (its 8 row lanes take every 8th row). */
    static final int CHUNK_ROWS = 256;

    private final Kernels k;
    private final Scratch part, partSq, scalars;
    private long lastSquares;

    CudaReductions(Kernels k, DeviceArena arena) {
        this.k = k;
        this.part = new Scratch(arena);
        this.partSq = new Scratch(arena);
        this.scalars = new Scratch(arena);
    }

    static int chunks(long rows) {
        return (int) Math.max(1, (rows + CHUNK_ROWS - 1) / CHUNK_ROWS);
    }

    /**
     * Partial sums of x (or of x*y when y != 0) viewed as [segments, rows, cols]; returns the address of
     * part [segments, chunks(rows), cols] (doubles); with withSquares the sums of squares go to a second
     * array, whose address is then in {@code lastSquares}.
     */
    private long partials(long x, long y, int segments, long rows, int cols, boolean withSquares) {
        int chunks = chunks(rows);
        long n = (long) segments * chunks * cols;
        long p = part.bytes(8 * n), q = withSquares ? partSq.bytes(8 * n) : 0L;
        if (chunks > 65535 || segments > 65535) throw new IllegalArgumentException("reduction too large: " + segments + " x " + rows + " rows");
        k.grid(Kernel.COLSUM_PARTIAL, (cols + 31) / 32, chunks, segments, 32, 8, 1)
                .p(x).p(y).p(p).p(q).l(rows).i(cols).i(CHUNK_ROWS).go();
        lastSquares = q;
        return p;
    }

    /** db[c] += sum_r dy[r, c]. */
    void biasBackward(CudaBuf dy, long rows, int channels, CudaBuf db) {
        if (rows == 0) return;
        long p = partials(dy.address(), 0L, 1, rows, channels, false);
        k.grid1d(Kernel.BIAS_BACKWARD_FINISH, channels).p(p).i(chunks(rows)).i(channels).p(db.address()).go();
    }

    /** mean[c], var[c] (biased) over rows. */
    void channelMoments(CudaBuf y, long rows, int channels, CudaBuf mean, CudaBuf var) {
        long p = partials(y.address(), 0L, 1, rows, channels, true);
        k.grid1d(Kernel.MOMENTS_FINISH, channels).p(p).p(lastSquares).i(chunks(rows)).i(channels).l(rows)
                .p(mean.address()).p(var.address()).go();
    }

    /** s[img, c] = sum_p dy[img, p, c] (overwrite). */
    void sumPerImage(CudaBuf dy, CudaBuf s, int n, long pixels, int c) {
        long p = partials(dy.address(), 0L, n, pixels, c, false);
        k.grid1d(Kernel.PER_IMAGE_FINISH, (long) n * c).p(p).i(n).i(chunks(pixels)).i(c).p(s.address()).go();
    }

    /** Columns of the [rows, cols] view {@link #sumSquaresPartials} reduces. */
    static final int SQUARES_COLS = 1024;

    /**
     * Partial sums of squares of x[0, rows*SQUARES_COLS) viewed as [rows, SQUARES_COLS]: returns the address of
     * chunks(rows) * SQUARES_COLS doubles (the caller adds them, and the tail past rows*SQUARES_COLS, on the host).
     */
    long sumSquaresPartials(CudaBuf x, long rows) {
        return partials(x.address(), x.address(), 1, rows, SQUARES_COLS, false);
    }

    /** W = g V / ||V|| and norm, V as [outer, channels, inner]. */
    void weightNormForward(CudaBuf v, CudaBuf g, CudaBuf w, CudaBuf norm, int outer, int channels, int inner) {
        int cols = channels * inner;
        long p = partials(v.address(), v.address(), 1, outer, cols, false);
        k.grid1d(Kernel.WEIGHT_NORM_NORMS, channels).p(p).i(chunks(outer)).i(channels).i(inner).p(norm.address()).go();
        long total = (long) outer * cols;
        k.grid1d(Kernel.WEIGHT_NORM_SCALE, total).p(v.address()).p(g.address()).p(norm.address()).p(w.address())
                .l(total).i(channels).i(inner).go();
    }

    /** dg += sum(dW V)/||V||; dV += (g/||V||) dW - (g sum(dW V)/||V||^3) V. */
    void weightNormBackward(CudaBuf v, CudaBuf g, CudaBuf norm, CudaBuf dw, CudaBuf dv, CudaBuf dg, int outer, int channels, int inner) {
        int cols = channels * inner;
        long p = partials(dw.address(), v.address(), 1, outer, cols, false);
        long s1 = scalars.floats(2L * channels), s2 = s1 + 4L * channels;
        k.grid1d(Kernel.WEIGHT_NORM_GRAD_SCALARS, channels).p(p).i(chunks(outer)).i(channels).i(inner)
                .p(g.address()).p(norm.address()).p(dg.address()).p(s1).p(s2).go();
        long total = (long) outer * cols;
        k.grid1d(Kernel.WEIGHT_NORM_GRAD_APPLY, total).p(v.address()).p(dw.address()).p(dv.address()).p(s1).p(s2)
                .l(total).i(channels).i(inner).go();
    }
}
