package org.pixelcnn.backend.cpu;

import org.pixelcnn.backend.DropoutMask;

import java.nio.FloatBuffer;

/**
 * The fast elementwise operations of the CPU backend: each buffer is cut into contiguous ranges of rows
 * split over the threads, each range walked in tiles of at most {@link #TILE} floats that are copied in
 * bulk from the native buffer into per-thread {@code float[]} scratch (allocated once, here), computed by
 * the vectorisable loops of {@link VecMath}, and copied back in bulk. Channel halves ([rows, 2c] tensors
 * such as concat_elu's output and the gate's input) are split and joined with one arraycopy per row.
 * Semantics are those of the {@link org.pixelcnn.backend.Backend} methods of the same names (NHWC, rows =
 * N*H*W, gradient outputs accumulate); {@link ReferenceOps} holds the element-at-a-time control, used
 * here too for rows wider than half a tile. Which thread runs a tile never changes a result: results
 * depend only on the arguments (and, for {@link #biasBackward}, on the thread count through the fixed
 * chunking, as before).
 */
final class CpuElementwise {
    /** Floats per tile: ten tiles of scratch per chunk stay in a 48 KiB L1 data cache. */
    static final int TILE = 1024;
    /** Elements below which a loop is not split over threads. */
    private static final long GRAIN = 1 << 14;

    /** One chunk's scratch: a chunk runs on one thread at a time. */
    private static final class Scratch {
        final float[] a = new float[TILE], b = new float[TILE], c = new float[TILE], d = new float[TILE], e = new float[TILE];
        final float[] f = new float[TILE], g = new float[TILE], h = new float[TILE], m = new float[TILE], s = new float[TILE];
        /** Per-channel double sums of biasBackward, grown to the widest layer on first use. */
        double[] sums = new double[0];
        /** This chunk's sum of squares. */
        double total;
        /** A tile of fillValue (once fillReady). */
        final float[] fill = new float[TILE];
        float fillValue;
        boolean fillReady;
    }

    private final Parallel par;
    private final Scratch[] scratch;
    /** biasBackward's per-channel total over chunks. */
    private double[] columnSums = new double[0];

    CpuElementwise(Parallel par) {
        this.par = par;
        this.scratch = new Scratch[par.maxChunks()];
        for (int k = 0; k < scratch.length; k++) scratch[k] = new Scratch();
    }

    /** Body over tiles: rows [row0, row0 + nRows) of one chunk, with that chunk's scratch. */
    private interface TileBody {
        void run(Scratch sc, long row0, int nRows);
    }

    /** Runs body over rows [0, rows) in tiles of at most TILE / width rows, chunks split over the threads. */
    private void forTiles(long rows, int width, TileBody body) {
        int perTile = Math.max(1, TILE / width);
        par.forChunkRanges(rows, Math.max(1, GRAIN / width), (k, lo, hi) -> {
            Scratch sc = scratch[k];
            for (long r = lo; r < hi; r += perTile) body.run(sc, r, (int) Math.min(perTile, hi - r));
        });
    }

    /** src rows [nRows, 2c] to their halves lo, hi [nRows, c]. */
    private static void split(float[] src, float[] lo, float[] hi, int nRows, int c) {
        for (int r = 0; r < nRows; r++) {
            System.arraycopy(src, 2 * r * c, lo, r * c, c);
            System.arraycopy(src, 2 * r * c + c, hi, r * c, c);
        }
    }

    /** The halves lo, hi [nRows, c] to dst rows [nRows, 2c]. */
    private static void join(float[] lo, float[] hi, float[] dst, int nRows, int c) {
        for (int r = 0; r < nRows; r++) {
            System.arraycopy(lo, r * c, dst, 2 * r * c, c);
            System.arraycopy(hi, r * c, dst, 2 * r * c + c, c);
        }
    }

    // ---------------------------------------------------------------- nonlinearities

    void concatEluForward(FloatBuffer x, FloatBuffer y, long rows, int c) {
        if (2 * c > TILE) { ReferenceOps.concatEluForward(x, y, rows, c); return; }
        forTiles(rows, 2 * c, (sc, r0, nr) -> {
            int n = nr * c;
            x.get((int) (r0 * c), sc.a, 0, n);
            VecMath.concatElu(sc.a, sc.b, sc.c, sc.m, sc.s, n);
            join(sc.b, sc.c, sc.d, nr, c);
            y.put((int) (r0 * 2 * c), sc.d, 0, 2 * n);
        });
    }

    void concatEluBackward(FloatBuffer y, FloatBuffer dy, FloatBuffer dx, long rows, int c) {
        if (2 * c > TILE) { ReferenceOps.concatEluBackward(y, dy, dx, rows, c); return; }
        forTiles(rows, 2 * c, (sc, r0, nr) -> {
            int n = nr * c;
            y.get((int) (r0 * 2 * c), sc.a, 0, 2 * n);
            split(sc.a, sc.b, sc.c, nr, c);
            dy.get((int) (r0 * 2 * c), sc.a, 0, 2 * n);
            split(sc.a, sc.d, sc.e, nr, c);
            dx.get((int) (r0 * c), sc.f, 0, n);
            VecMath.concatEluBackward(sc.b, sc.c, sc.d, sc.e, sc.f, n);
            dx.put((int) (r0 * c), sc.f, 0, n);
        });
    }

    void eluForward(FloatBuffer x, FloatBuffer y) {
        forTiles(x.capacity(), 1, (sc, i0, n) -> {
            x.get((int) i0, sc.a, 0, n);
            VecMath.elu(sc.a, sc.b, sc.c, sc.m, sc.s, n);
            y.put((int) i0, sc.b, 0, n);
        });
    }

    void eluBackward(FloatBuffer y, FloatBuffer dy, FloatBuffer dx) {
        forTiles(y.capacity(), 1, (sc, i0, n) -> {
            y.get((int) i0, sc.a, 0, n);
            dy.get((int) i0, sc.b, 0, n);
            dx.get((int) i0, sc.c, 0, n);
            VecMath.eluBackward(sc.a, sc.b, sc.c, n);
            dx.put((int) i0, sc.c, 0, n);
        });
    }

    // ---------------------------------------------------------------- gated resnet pieces

    void gateForward(FloatBuffer x, FloatBuffer c2, FloatBuffer out, long rows, int f) {
        if (2 * f > TILE) { ReferenceOps.gateForward(x, c2, out, rows, f); return; }
        forTiles(rows, 2 * f, (sc, r0, nr) -> {
            int n = nr * f;
            c2.get((int) (r0 * 2 * f), sc.a, 0, 2 * n);
            split(sc.a, sc.b, sc.c, nr, f);
            x.get((int) (r0 * f), sc.d, 0, n);
            VecMath.gate(sc.d, sc.b, sc.c, sc.e, sc.f, sc.g, sc.m, sc.s, n);
            out.put((int) (r0 * f), sc.e, 0, n);
        });
    }

    void gateBackward(FloatBuffer c2, FloatBuffer dout, FloatBuffer dx, FloatBuffer dc2, long rows, int f) {
        if (2 * f > TILE) { ReferenceOps.gateBackward(c2, dout, dx, dc2, rows, f); return; }
        forTiles(rows, 2 * f, (sc, r0, nr) -> {
            int n = nr * f;
            c2.get((int) (r0 * 2 * f), sc.a, 0, 2 * n);
            split(sc.a, sc.b, sc.c, nr, f);
            dout.get((int) (r0 * f), sc.d, 0, n);
            dx.get((int) (r0 * f), sc.e, 0, n);
            VecMath.gateBackward(sc.b, sc.c, sc.d, sc.e, sc.f, sc.g, sc.h, sc.a, sc.m, sc.s, n);
            dx.put((int) (r0 * f), sc.e, 0, n);
            join(sc.f, sc.g, sc.a, nr, f);
            dc2.put((int) (r0 * 2 * f), sc.a, 0, 2 * n);
        });
    }

    /**
     * m[i] = scale where element i0 + i is kept, 0 where dropped: the mask of {@link DropoutMask} in its
     * integer form (the 64-bit hash does not vectorise in Java 17; this loop is the scalar part). Without a
     * branch: a random keep/drop branch mispredicts half the time. kept = 1 - sign bit of (bits - threshold).
     */
    private static void dropoutScale(long key, long i0, long threshold, float scale, float[] m, int n) {
        for (int i = 0; i < n; i++) {
            long kept = 1L - ((DropoutMask.bits24(key, i0 + i) - threshold) >>> 63);
            m[i] = scale * kept;
        }
    }

    /** y = x m with m = mask / (1 - p); a dropped element is x * 0 (as TF's x * mask / keep_prob: NaN stays NaN). */
    void dropoutForward(FloatBuffer x, FloatBuffer y, float p, long key) {
        float scale = 1f / (1f - p);
        long thr = DropoutMask.threshold(p);
        forTiles(x.capacity(), 1, (sc, i0, n) -> {
            x.get((int) i0, sc.a, 0, n);
            dropoutScale(key, i0, thr, scale, sc.m, n);
            VecMath.mul(sc.a, sc.m, sc.b, n);
            y.put((int) i0, sc.b, 0, n);
        });
    }

    /** dx += dy m, m = mask / (1 - p). */
    void dropoutBackward(FloatBuffer dy, FloatBuffer dx, float p, long key) {
        float scale = 1f / (1f - p);
        long thr = DropoutMask.threshold(p);
        forTiles(dy.capacity(), 1, (sc, i0, n) -> {
            dy.get((int) i0, sc.a, 0, n);
            dx.get((int) i0, sc.b, 0, n);
            dropoutScale(key, i0, thr, scale, sc.m, n);
            VecMath.mulAdd(sc.a, sc.m, sc.b, n);
            dx.put((int) i0, sc.b, 0, n);
        });
    }

    // ---------------------------------------------------------------- bias, sums

    /** y[r, c] += bias[c]: the bias repeated over a tile's rows once per chunk, then one flat add per tile. */
    void addBias(FloatBuffer y, FloatBuffer bias, long rows, int channels) {
        if (channels > TILE) { ReferenceOps.addBias(y, bias, rows, channels); return; }
        int perTile = TILE / channels;
        par.forChunkRanges(rows, Math.max(1, GRAIN / channels), (k, lo, hi) -> {
            Scratch sc = scratch[k];
            for (int r = 0; r < perTile; r++) bias.get(0, sc.b, r * channels, channels);
            for (long r = lo; r < hi; r += perTile) {
                int n = (int) Math.min(perTile, hi - r) * channels;
                y.get((int) (r * channels), sc.a, 0, n);
                VecMath.add(sc.a, sc.b, sc.c, n);
                y.put((int) (r * channels), sc.c, 0, n);
            }
        });
    }

    /**
     * db[c] += sum_r dy[r, c]: per chunk of {@code par.chunks(rows, 64)} a double sum in row order, the chunk
     * sums added in chunk order (the backend's order before tiling: the same result, bit for bit).
     */
    void biasBackward(FloatBuffer dy, long rows, int channels, FloatBuffer db) {
        int chunks = par.chunks(rows, 64);
        if (channels > TILE || chunks > scratch.length) { ReferenceOps.biasBackward(dy, rows, channels, db); return; }
        int perTile = TILE / channels;
        par.forChunks(chunks, k -> {
            Scratch sc = scratch[k];
            if (sc.sums.length < channels) sc.sums = new double[channels]; // first use at this width only
            double[] p = sc.sums;
            java.util.Arrays.fill(p, 0, channels, 0.0);
            long lo = rows * k / chunks, hi = rows * (k + 1) / chunks;
            for (long r = lo; r < hi; r += perTile) {
                int nr = (int) Math.min(perTile, hi - r);
                dy.get((int) (r * channels), sc.a, 0, nr * channels);
                for (int q = 0; q < nr; q++)
                    for (int c = 0; c < channels; c++) p[c] += sc.a[q * channels + c];
            }
        });
        if (columnSums.length < channels) columnSums = new double[channels]; // first use at this width only
        double[] sum = columnSums;
        java.util.Arrays.fill(sum, 0, channels, 0.0);
        for (int k = 0; k < chunks; k++)
            for (int c = 0; c < channels; c++) sum[c] += scratch[k].sums[c];
        for (int c = 0; c < channels; c++) db.put(c, (float) (db.get(c) + sum[c]));
    }

    // ---------------------------------------------------------------- flat algebra

    /** One Adam + Polyak step ({@link CpuAdamPolyak}) over the five flat buffers, tile by tile: the same bits. */
    void adamPolyak(org.pixelcnn.backend.AdamPolyak.Scalars s, FloatBuffer p, FloatBuffer g, FloatBuffer m, FloatBuffer v, FloatBuffer ema) {
        forTiles(p.capacity(), 1, (sc, i0, n) -> {
            int o = (int) i0;
            p.get(o, sc.a, 0, n);
            g.get(o, sc.b, 0, n);
            m.get(o, sc.c, 0, n);
            v.get(o, sc.d, 0, n);
            ema.get(o, sc.e, 0, n);
            CpuAdamPolyak.update(s, sc.a, sc.b, sc.c, sc.d, sc.e, n);
            p.put(o, sc.a, 0, n);
            m.put(o, sc.c, 0, n);
            v.put(o, sc.d, 0, n);
            ema.put(o, sc.e, 0, n);
        });
    }

    /**
     * Sum of squares in double: per chunk of {@code par.chunks(n, 2^14)} in index order, chunk sums in chunk
     * order (the backend's order before tiling: the same result).
     */
    double sumSquares(FloatBuffer x) {
        int n = x.capacity();
        int chunks = par.chunks(n, GRAIN);
        if (chunks == 0) return 0;
        par.forChunks(chunks, k -> {
            Scratch sc = scratch[k];
            long lo = (long) n * k / chunks, hi = (long) n * (k + 1) / chunks;
            double acc = 0;
            for (long i = lo; i < hi; i += TILE) {
                int len = (int) Math.min(TILE, hi - i);
                x.get((int) i, sc.a, 0, len);
                for (int j = 0; j < len; j++) acc += (double) sc.a[j] * sc.a[j];
            }
            sc.total = acc;
        });
        double s = 0;
        for (int k = 0; k < chunks; k++) s += scratch[k].total;
        return s;
    }

    /** Every element set to v: bulk copies of a tile of v, split over the threads. */
    void fill(FloatBuffer x, float v) {
        forTiles(x.capacity(), 1, (sc, i0, n) -> {
            if (sc.fillValue != v || !sc.fillReady) {
                java.util.Arrays.fill(sc.fill, v);
                sc.fillValue = v;
                sc.fillReady = true;
            }
            x.put((int) i0, sc.fill, 0, n);
        });
    }

    void axpy(float alpha, FloatBuffer x, FloatBuffer y) {
        forTiles(x.capacity(), 1, (sc, i0, n) -> {
            x.get((int) i0, sc.a, 0, n);
            y.get((int) i0, sc.b, 0, n);
            VecMath.axpy(alpha, sc.a, sc.b, n);
            y.put((int) i0, sc.b, 0, n);
        });
    }

    void add(FloatBuffer a, FloatBuffer b, FloatBuffer y) {
        forTiles(y.capacity(), 1, (sc, i0, n) -> {
            a.get((int) i0, sc.a, 0, n);
            b.get((int) i0, sc.b, 0, n);
            VecMath.add(sc.a, sc.b, sc.c, n);
            y.put((int) i0, sc.c, 0, n);
        });
    }
}
