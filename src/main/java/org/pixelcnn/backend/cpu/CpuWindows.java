package org.pixelcnn.backend.cpu;

import org.pixelcnn.backend.ConvGeom;

import java.nio.FloatBuffer;

/**
 * The position-major window gathers of the cached sampler on the CPU (Backend.gatherWindows,
 * gatherWindowsTransposed, transposeTaps): im2col for a run of output positions, read from a cache laid
 * out [h, w, n, c] so that all images of one position are contiguous. Pure copies (and zeros): the
 * results are exact. The reference for the other backends' versions (selftest's OpCases compare them).
 */
final class CpuWindows {
    /** Floats per parallel chunk, as the backend's elementwise loops. */
    private static final long GRAIN = 1 << 14;

    private CpuWindows() {}

    /** col[q, b, (di, dj, ci)] = x[i*s+di-pt, j*s+dj-pl, b, ci] (0 outside) for output positions p0 .. p0+count-1 of [ho, wo]. */
    static void gather(Parallel par, ConvGeom g, FloatBuffer x, int p0, int count, FloatBuffer col) {
        final int n = g.n(), h = g.h(), w = g.w(), cin = g.cin(), wo = g.wo(), fh = g.fh(), fw = g.fw();
        final int s = g.stride(), pt = g.padTop(), pl = g.padLeft(), k = fh * fw * cin;
        checkRange(p0, count, g.ho() * wo, "gatherWindows");
        par.forRange((long) count * n, GRAIN / k + 1, (lo, hi) -> {
            for (long r = lo; r < hi; r++) {
                int q = (int) (r / n), b = (int) (r % n);
                int p = p0 + q, i = p / wo, j = p % wo;
                int dst = (int) (r * k);
                for (int di = 0; di < fh; di++) {
                    int yi = i * s + di - pt;
                    for (int dj = 0; dj < fw; dj++) {
                        int xj = j * s + dj - pl;
                        int d = dst + (di * fw + dj) * cin;
                        if (yi < 0 || yi >= h || xj < 0 || xj >= w) zero(col, d, cin);
                        else col.put(d, x, ((yi * w + xj) * n + b) * cin, cin);
                    }
                }
            }
        });
    }

    /**
     * col[q, b, (di, dj, co)] = x[(yi+pt-di)/s, (xj+pl-dj)/s, b, co] when both divide exactly inside [ho, wo],
     * else 0, for output positions p0 .. p0+count-1 of the transposed convolution's [h, w] grid.
     */
    static void gatherTransposed(Parallel par, ConvGeom g, FloatBuffer x, int p0, int count, FloatBuffer col) {
        final int n = g.n(), w = g.w(), ho = g.ho(), wo = g.wo(), cout = g.cout(), fh = g.fh(), fw = g.fw();
        final int s = g.stride(), pt = g.padTop(), pl = g.padLeft(), k = fh * fw * cout;
        checkRange(p0, count, g.h() * w, "gatherWindowsTransposed");
        par.forRange((long) count * n, GRAIN / k + 1, (lo, hi) -> {
            for (long r = lo; r < hi; r++) {
                int q = (int) (r / n), b = (int) (r % n);
                int p = p0 + q, yi = p / w, xj = p % w;
                int dst = (int) (r * k);
                for (int di = 0; di < fh; di++) {
                    int ti = yi + pt - di, i = ti / s;
                    boolean rowIn = ti >= 0 && ti % s == 0 && i < ho;
                    for (int dj = 0; dj < fw; dj++) {
                        int tj = xj + pl - dj, j = tj / s;
                        int d = dst + (di * fw + dj) * cout;
                        if (!rowIn || tj < 0 || tj % s != 0 || j >= wo) zero(col, d, cout);
                        else col.put(d, x, ((i * wo + j) * n + b) * cout, cout);
                    }
                }
            }
        });
    }

    /** wt[t, c, r] = w[t, r, c]. */
    static void transposeTaps(FloatBuffer w, FloatBuffer wt, int taps, int rows, int cols) {
        long size = (long) taps * rows * cols;
        if (w.capacity() < size || wt.capacity() < size)
            throw new IllegalArgumentException("transposeTaps of " + taps + "x" + rows + "x" + cols + " on buffers of " + w.capacity() + " and " + wt.capacity());
        for (int t = 0; t < taps; t++) {
            int base = t * rows * cols;
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++) wt.put(base + c * rows + r, w.get(base + r * cols + c));
        }
    }

    private static void zero(FloatBuffer b, int at, int n) {
        for (int i = 0; i < n; i++) b.put(at + i, 0f);
    }

    private static void checkRange(int p0, int count, int positions, String op) {
        if (p0 < 0 || count < 0 || p0 + count > positions)
            throw new IndexOutOfBoundsException(op + ": positions [" + p0 + ", " + (p0 + count) + ") outside [0, " + positions + ")");
    }
}
