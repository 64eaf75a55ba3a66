package org.pixelcnn.backend.cpu;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.ConvGeom;
import org.pixelcnn.model.layers.Conv2d;
import org.pixelcnn.model.layers.Deconv2d;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The position-major window gathers of the cached sampler (CpuBackend.gatherWindows,
 * gatherWindowsTransposed, transposeTaps): every element equals the definition written out here (exact:
 * they are copies), runs of positions across row boundaries; and gathered windows times W give the
 * convolution of {@link CpuBackend#convForward} (transposed: {@link CpuBackend#convBackwardData}) at every
 * position, within 1e-5 relative (two matrix products of different shapes: rounding only; a wrong tap or
 * position would be off by the size of a term, 1e-2 here).
 */
class CpuWindowsTest {
    static CpuBackend be;

    @BeforeAll
    static void up() {
        be = new CpuBackend(2);
    }

    @AfterAll
    static void down() {
        be.close();
    }

    /** The geometries the model makes (stride 1 and 2, shifted both ways, the deconvs' convolutions) and odd ones. */
    static List<ConvGeom> geometries() {
        return List.of(
                Conv2d.downShifted(2, 6, 5, 4, 3, 2, 3, 1),
                Conv2d.downShifted(2, 6, 5, 4, 3, 1, 3, 1),
                Conv2d.downRightShifted(3, 4, 6, 2, 5, 2, 1, 1),
                Conv2d.downRightShifted(2, 6, 5, 3, 4, 2, 2, 1),
                Conv2d.downShifted(2, 8, 6, 3, 4, 2, 3, 2),
                Conv2d.downRightShifted(2, 6, 8, 3, 4, 2, 2, 2),
                Deconv2d.downShifted(2, 3, 4, 5, 3, 2, 3, 2),
                Deconv2d.downRightShifted(3, 2, 3, 4, 5, 2, 2, 2),
                new ConvGeom(2, 5, 6, 3, 5, 6, 4, 3, 3, 1, 0, 0),
                new ConvGeom(2, 6, 7, 3, 3, 3, 5, 2, 3, 2, 1, 2));
    }

    private static float[] random(int size, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] v = new float[size];
        for (int i = 0; i < size; i++) v[i] = (float) (2 * rng.nextDouble() - 1);
        return v;
    }

    private static Buf upload(float[] v) {
        Buf b = be.alloc(v.length);
        be.upload(v, 0, b, 0, v.length);
        return b;
    }

    private static float[] download(Buf b) {
        float[] v = new float[(int) b.size()];
        be.download(b, 0, v, 0, v.length);
        return v;
    }

    /** NHWC [n, h, w, c] to position-major [h, w, n, c]. */
    private static float[] positionMajor(float[] x, int n, int h, int w, int c) {
        float[] o = new float[x.length];
        for (int b = 0; b < n; b++)
            for (int p = 0; p < h * w; p++) System.arraycopy(x, (b * h * w + p) * c, o, (p * n + b) * c, c);
        return o;
    }

    /** Runs of positions [0, total) cut at awkward places (across row ends). */
    private static int[][] runs(int total, int width) {
        int a = Math.min(total, width + 1), b = Math.min(total, a + 2 * width - 1);
        return new int[][]{{0, a}, {a, b - a}, {b, total - b}};
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void gatheredWindowsAreTheConvolutionsInputs(ConvGeom g) {
        int n = g.n(), k = g.fh() * g.fw() * g.cin(), positions = g.ho() * g.wo();
        float[] x = random((int) g.inSize(), 1), w = random((int) g.weightSize(), 2);
        Buf xs = upload(positionMajor(x, n, g.h(), g.w(), g.cin())), ws = upload(w);
        Buf y = be.alloc(g.outSize());
        be.convForward(g, upload(x), ws, null, y);
        float[] full = download(y);
        for (int[] run : runs(positions, g.wo())) {
            int p0 = run[0], count = run[1];
            if (count == 0) continue;
            Buf col = be.alloc((long) count * n * k);
            be.gatherWindows(g, xs, p0, count, col);
            float[] got = download(col);
            for (int q = 0; q < count; q++)
                for (int b = 0; b < n; b++) {
                    int p = p0 + q, i = p / g.wo(), j = p % g.wo();
                    for (int di = 0; di < g.fh(); di++)
                        for (int dj = 0; dj < g.fw(); dj++)
                            for (int ci = 0; ci < g.cin(); ci++) {
                                int yi = i * g.stride() + di - g.padTop(), xj = j * g.stride() + dj - g.padLeft();
                                float want = yi < 0 || yi >= g.h() || xj < 0 || xj >= g.w() ? 0f
                                        : x[((b * g.h() + yi) * g.w() + xj) * g.cin() + ci];
                                assertEquals(want, got[((q * n + b) * g.fh() * g.fw() + di * g.fw() + dj) * g.cin() + ci], "col at " + p);
                            }
                }
            Buf prod = be.alloc((long) count * n * g.cout());
            be.gemm(false, false, count * n, g.cout(), k, 1f, col, ws, 0f, prod);
            float[] pr = download(prod);
            for (int q = 0; q < count; q++)
                for (int b = 0; b < n; b++)
                    for (int co = 0; co < g.cout(); co++)
                        close(full[((b * positions) + p0 + q) * g.cout() + co], pr[(q * n + b) * g.cout() + co], "conv at " + (p0 + q));
        }
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void transposedWindowsTimesTapTransposedWeightsAreTheTransposedConvolution(ConvGeom g) {
        int n = g.n(), taps = g.fh() * g.fw(), k = taps * g.cout(), positions = g.h() * g.w();
        float[] x = random((int) g.outSize(), 3), w = random((int) g.weightSize(), 4);
        Buf xs = upload(positionMajor(x, n, g.ho(), g.wo(), g.cout())), ws = upload(w);
        Buf y = be.alloc(g.inSize());
        be.convBackwardData(g, upload(x), ws, y);
        float[] full = download(y);
        Buf wt = be.alloc(g.weightSize());
        be.transposeTaps(ws, wt, taps, g.cin(), g.cout());
        float[] wtv = download(wt);
        for (int t = 0; t < taps; t++)
            for (int r = 0; r < g.cin(); r++)
                for (int c = 0; c < g.cout(); c++)
                    assertEquals(w[(t * g.cin() + r) * g.cout() + c], wtv[(t * g.cout() + c) * g.cin() + r], "transposed tap " + t);
        for (int[] run : runs(positions, g.w())) {
            int p0 = run[0], count = run[1];
            if (count == 0) continue;
            Buf col = be.alloc((long) count * n * k);
            be.gatherWindowsTransposed(g, xs, p0, count, col);
            float[] got = download(col);
            for (int q = 0; q < count; q++)
                for (int b = 0; b < n; b++) {
                    int p = p0 + q, yi = p / g.w(), xj = p % g.w();
                    for (int di = 0; di < g.fh(); di++)
                        for (int dj = 0; dj < g.fw(); dj++)
                            for (int co = 0; co < g.cout(); co++) {
                                int ti = yi + g.padTop() - di, tj = xj + g.padLeft() - dj;
                                boolean in = ti >= 0 && tj >= 0 && ti % g.stride() == 0 && tj % g.stride() == 0
                                        && ti / g.stride() < g.ho() && tj / g.stride() < g.wo();
                                float want = in ? x[((b * g.ho() + ti / g.stride()) * g.wo() + tj / g.stride()) * g.cout() + co] : 0f;
                                assertEquals(want, got[((q * n + b) * taps + di * g.fw() + dj) * g.cout() + co], "col at " + p);
                            }
                }
            Buf prod = be.alloc((long) count * n * g.cin());
            be.gemm(false, false, count * n, g.cin(), k, 1f, col, wt, 0f, prod);
            float[] pr = download(prod);
            for (int q = 0; q < count; q++)
                for (int b = 0; b < n; b++)
                    for (int ci = 0; ci < g.cin(); ci++)
                        close(full[((b * positions) + p0 + q) * g.cin() + ci], pr[(q * n + b) * g.cin() + ci], "deconv at " + (p0 + q));
        }
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void runsOutsideTheGridAreRefused(ConvGeom g) {
        Buf x = be.alloc(g.inSize() + g.outSize()), col = be.alloc(1 << 12);
        assertThrows(IndexOutOfBoundsException.class, () -> be.gatherWindows(g, x, g.ho() * g.wo(), 1, col));
        assertThrows(IndexOutOfBoundsException.class, () -> be.gatherWindowsTransposed(g, x, -1, 1, col));
    }

    private static void close(float want, float got, String what) {
        if (!(Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)))) fail(what + ": " + got + ", expected " + want);
    }
}
