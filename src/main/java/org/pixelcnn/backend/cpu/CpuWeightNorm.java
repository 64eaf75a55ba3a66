package org.pixelcnn.backend.cpu;

import java.nio.FloatBuffer;

/**
 * Weight normalisation on the CPU, fast path (Salimans &amp; Kingma 2016; the {@code tf.nn.l2_normalize} of
 * nn.conv2d, nn.deconv2d, nn.dense): V viewed as [outer, channels, inner], W = g V / ||V|| with the norm per
 * channel, and its backward. The tensor is walked as rows of width channels*inner split over the threads,
 * in tiles copied in bulk into per-chunk scratch: per-channel sums in double (per chunk in row order, the
 * chunk sums added in chunk order), then one vectorised pass with per-channel factors laid out like a tile.
 * The element-at-a-time control is {@link ReferenceOps#weightNormForward} / {@link ReferenceOps#weightNormBackward};
 * the elementwise arithmetic is the same, the sums differ only by double roundings.
 */
final class CpuWeightNorm {
    private static final int TILE = CpuElementwise.TILE;
    private static final long GRAIN = 1 << 14;

    /** One chunk's scratch. */
    private static final class Scratch {
        final float[] a = new float[TILE], b = new float[TILE], c = new float[TILE], f1 = new float[TILE], f2 = new float[TILE];
        double[] sums = new double[0];
    }

    private final Parallel par;
    private final Scratch[] scratch;
    /** Per-channel results of the last reduction, combined over chunks; grown to the widest layer on first use. */
    private double[] total = new double[0];
    private float[] s1 = new float[0], s2 = new float[0];

    CpuWeightNorm(Parallel par) {
        this.par = par;
        this.scratch = new Scratch[par.maxChunks()];
        for (int k = 0; k < scratch.length; k++) scratch[k] = new Scratch();
    }

    private void ensure(int channels) {
        if (total.length < channels) { // first use at this width only
            total = new double[channels];
            s1 = new float[channels];
            s2 = new float[channels];
        }
        for (Scratch sc : scratch) if (sc.sums.length < channels) sc.sums = new double[channels];
    }

    /** Rows of this many elements are walked in tiles of whole rows; wider rows in segments of one row. */
    private static int rowsPerTile(int width) {
        return width <= TILE ? TILE / width : 0;
    }

    /**
     * total[c] = sum over the elements of channel c of x*y (y == null: x*x), in double: per chunk of rows in
     * order, chunk sums in chunk order.
     */
    private void channelDot(FloatBuffer x, FloatBuffer y, int outer, int channels, int inner) {
        int width = channels * inner, perTile = rowsPerTile(width);
        int chunks = par.chunks(outer, Math.max(1, GRAIN / width));
        par.forChunks(chunks, k -> {
            Scratch sc = scratch[k];
            double[] acc = sc.sums;
            java.util.Arrays.fill(acc, 0, channels, 0.0);
            long lo = (long) outer * k / chunks, hi = (long) outer * (k + 1) / chunks;
            if (perTile > 0) {
                for (long r = lo; r < hi; r += perTile) {
                    int n = (int) Math.min(perTile, hi - r) * width, off = (int) (r * width);
                    x.get(off, sc.a, 0, n);
                    float[] yv = sc.a;
                    if (y != null) { y.get(off, sc.b, 0, n); yv = sc.b; }
                    accumulate(sc.a, yv, 0, n, 0, acc, inner, width);
                }
            } else {
                for (long r = lo; r < hi; r++)
                    for (int s0 = 0; s0 < width; s0 += TILE) {
                        int n = Math.min(TILE, width - s0), off = (int) (r * width + s0);
                        x.get(off, sc.a, 0, n);
                        float[] yv = sc.a;
                        if (y != null) { y.get(off, sc.b, 0, n); yv = sc.b; }
                        accumulate(sc.a, yv, 0, n, s0, acc, inner, width);
                    }
            }
        });
        java.util.Arrays.fill(total, 0, channels, 0.0);
        for (int k = 0; k < chunks; k++)
            for (int c = 0; c < channels; c++) total[c] += scratch[k].sums[c];
    }

    /** acc[channel] += x*y over tile elements [0, n), the tile starting at position s0 of a row of the given width. */
    private static void accumulate(float[] x, float[] y, int from, int n, int s0, double[] acc, int inner, int width) {
        if (inner == 1) {
            for (int j = from, pos = s0; j < n; j++) {
                acc[pos] += (double) x[j] * y[j];
                if (++pos == width) pos = 0;
            }
            return;
        }
        int j = 0, pos = s0;
        while (j < n) {
            int c = pos / inner, run = Math.min(n - j, (c + 1) * inner - pos);
            double s = 0;
            for (int e = j + run; j < e; j++) s += (double) x[j] * y[j];
            acc[c] += s;
            pos += run;
            if (pos == width) pos = 0;
        }
    }

    /** f[j] = per[channel of row position s0 + j] for j in [0, n) (rows of the given width repeat). */
    private static void layout(float[] per, float[] f, int n, int s0, int inner, int width) {
        int j = 0, pos = s0;
        while (j < n) {
            int c = pos / inner, run = Math.min(n - j, (c + 1) * inner - pos);
            if (inner == 1) {
                run = Math.min(n - j, width - pos);
                System.arraycopy(per, pos, f, j, run);
            } else {
                java.util.Arrays.fill(f, j, j + run, per[c]);
            }
            j += run;
            pos += run;
            if (pos == width) pos = 0;
        }
    }

    /** Body of a pass over [offset, offset + n) with its per-channel factor tiles f1, f2 laid out. */
    private interface MapBody {
        void run(Scratch sc, int offset, int n);
    }

    /** Runs body over the whole tensor in tiles, f1 (and f2 when per2 != null) holding the per-channel factors. */
    private void map(int outer, int channels, int inner, float[] per1, float[] per2, MapBody body) {
        int width = channels * inner, perTile = rowsPerTile(width);
        par.forChunkRanges(outer, Math.max(1, GRAIN / width), (k, lo, hi) -> {
            Scratch sc = scratch[k];
            if (perTile > 0) {
                int full = perTile * width;
                layout(per1, sc.f1, full, 0, inner, width); // once per chunk: every tile starts at a row
                if (per2 != null) layout(per2, sc.f2, full, 0, inner, width);
                for (long r = lo; r < hi; r += perTile)
                    body.run(sc, (int) (r * width), (int) Math.min(perTile, hi - r) * width);
            } else {
                for (long r = lo; r < hi; r++)
                    for (int s0 = 0; s0 < width; s0 += TILE) {
                        int n = Math.min(TILE, width - s0);
                        layout(per1, sc.f1, n, s0, inner, width);
                        if (per2 != null) layout(per2, sc.f2, n, s0, inner, width);
                        body.run(sc, (int) (r * width + s0), n);
                    }
            }
        });
    }

    /** W = g V / ||V||, norm[c] = ||V[., c, .]|| (at least 1e-6), as {@link ReferenceOps#weightNormForward}. */
    void forward(FloatBuffer v, FloatBuffer g, FloatBuffer w, FloatBuffer norm, int outer, int channels, int inner) {
        ensure(channels);
        channelDot(v, null, outer, channels, inner);
        for (int c = 0; c < channels; c++) {
            float nrm = (float) Math.sqrt(Math.max(total[c], 1e-12));
            norm.put(c, nrm);
            s1[c] = g.get(c) / nrm;
        }
        map(outer, channels, inner, s1, null, (sc, off, n) -> {
            v.get(off, sc.a, 0, n);
            VecMath.mul(sc.a, sc.f1, sc.b, n);
            w.put(off, sc.b, 0, n);
        });
    }

    /**
     * dg[c] += sum(dW V)/||V||; dV += (g/||V||) dW - (g sum(dW V)/||V||^3) V, as
     * {@link ReferenceOps#weightNormBackward}.
     */
    void backward(FloatBuffer v, FloatBuffer g, FloatBuffer norm, FloatBuffer dw, FloatBuffer dv, FloatBuffer dg,
                  int outer, int channels, int inner) {
        ensure(channels);
        channelDot(dw, v, outer, channels, inner);
        for (int c = 0; c < channels; c++) {
            double nrm = norm.get(c), dot = total[c];
            dg.put(c, (float) (dg.get(c) + dot / nrm));
            s1[c] = (float) (g.get(c) / nrm);
            s2[c] = (float) (g.get(c) * dot / (nrm * nrm * nrm));
        }
        map(outer, channels, inner, s1, s2, (sc, off, n) -> {
            dv.get(off, sc.a, 0, n);
            dw.get(off, sc.b, 0, n);
            v.get(off, sc.c, 0, n);
            VecMath.weightNormGrad(sc.a, sc.b, sc.c, sc.f1, sc.f2, n);
            dv.put(off, sc.a, 0, n);
        });
    }
}
