package org.pixelcnn.sample;

import org.pixelcnn.backend.ConvGeom;

/**
 * Which input positions an operation's output positions read, as the cached sampler schedules them:
 * for output positions [0, q] (raster order), the last raster position of the input they read, or -1
 * when they read only padding. Arrays are prefix maxima, so nondecreasing: output position q can be
 * computed once the input's positions [0, reach[q]] are final. The receptive fields are those of nn.py:
 * a down_shifted_conv2d (2, 3) pads one row on top and one column each side, so output (i, j) reads rows
 * i-1, i and columns j-1 .. j+1 (the same row's column j+1: why model.py down-shifts u first);
 * down_right_shifted (2, 2) reads rows i-1, i and columns j-1, j.
 */
final class Reach {
    private Reach() {}

    /** Output position q reads input position q (h x w both). */
    static int[] pointwise(int h, int w) {
        int[] r = new int[h * w];
        for (int q = 0; q < r.length; q++) r[q] = q;
        return r;
    }

    /**
     * The convolution g (see {@link ConvGeom}): output (i, j) of [ho, wo] reads input rows
     * i*s - padTop .. + fh - 1 and columns j*s - padLeft .. + fw - 1, clipped to [h, w].
     */
    static int[] window(ConvGeom g) {
        int[] r = new int[g.ho() * g.wo()];
        for (int i = 0; i < g.ho(); i++) {
            int lastRow = Math.min(i * g.stride() - g.padTop() + g.fh() - 1, g.h() - 1);
            boolean rows = lastRow >= Math.max(0, i * g.stride() - g.padTop());
            for (int j = 0; j < g.wo(); j++) {
                int lastCol = Math.min(j * g.stride() - g.padLeft() + g.fw() - 1, g.w() - 1);
                boolean cols = lastCol >= Math.max(0, j * g.stride() - g.padLeft());
                r[i * g.wo() + j] = rows && cols ? lastRow * g.w() + lastCol : -1;
            }
        }
        return prefixMax(r);
    }

    /**
     * The transposed convolution of g (output [h, w] from input [ho, wo], as {@link ConvGeom} reads
     * backwards): output (yi, xj) reads input (i, j) where yi = i*s + di - padTop and xj = j*s + dj - padLeft
     * for some tap (di, dj).
     */
    static int[] transposed(ConvGeom g) {
        int[] r = new int[g.h() * g.w()];
        for (int yi = 0; yi < g.h(); yi++) {
            int i = lastTap(yi, g.padTop(), g.fh(), g.stride(), g.ho());
            for (int xj = 0; xj < g.w(); xj++) {
                int j = lastTap(xj, g.padLeft(), g.fw(), g.stride(), g.wo());
                r[yi * g.w() + xj] = i >= 0 && j >= 0 ? i * g.wo() + j : -1;
            }
        }
        return prefixMax(r);
    }

    /** The largest input index t/s with t = y + pad - d for a tap d in [0, f), t divisible by s, t/s in [0, size); -1 if none. */
    private static int lastTap(int y, int pad, int f, int s, int size) {
        int best = -1;
        for (int d = 0; d < f; d++) {
            int t = y + pad - d;
            if (t >= 0 && t % s == 0 && t / s < size) best = Math.max(best, t / s);
        }
        return best;
    }

    /** nn.down_shift: (i, j) reads (i-1, j); row 0 reads nothing. */
    static int[] downShift(int h, int w) {
        int[] r = new int[h * w];
        for (int q = 0; q < r.length; q++) r[q] = q >= w ? q - w : -1;
        return prefixMax(r);
    }

    /** nn.right_shift: (i, j) reads (i, j-1); column 0 reads nothing. */
    static int[] rightShift(int h, int w) {
        int[] r = new int[h * w];
        for (int q = 0; q < r.length; q++) r[q] = q % w > 0 ? q - 1 : -1;
        return prefixMax(r);
    }

    private static int[] prefixMax(int[] r) {
        for (int q = 1; q < r.length; q++) r[q] = Math.max(r[q], r[q - 1]);
        return r;
    }
}
