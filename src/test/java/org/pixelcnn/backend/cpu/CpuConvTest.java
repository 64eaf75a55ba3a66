package org.pixelcnn.backend.cpu;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.ConvGeom;

import java.util.SplittableRandom;

import static org.pixelcnn.backend.cpu.TestBufs.down;
import static org.pixelcnn.backend.cpu.TestBufs.rand;
import static org.pixelcnn.backend.cpu.TestBufs.up;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CPU convolutions on both paths, against the definition in float64 summed the obvious way: im2col + SGEMM
 * ({@link CpuConv}: blocked forward, stride-1 backward-data as the flipped-filter convolution, strided
 * backward-data through col2im, blocked backward-filter with per-thread partials, and the whole-batch paths for
 * one thread and for filters over {@link CpuConv#BLOCKED_FILTER_MAX}) and oneDNN's primitives ({@link OneDnnConv},
 * chunks of images per thread, skipped where the jar has no oneDNN). Bound: |got - want| &lt;= 1e-5 * sum |terms|
 * (+ |accumulated start|): float32 sums of up to a few thousand products in another order differ by a few
 * hundred ulps of that sum at most; a missing tap, a wrong flip or an off-by-one position changes results by
 * whole terms.
 */
class CpuConvTest {

    @ParameterizedTest(name = "n={0} {1}x{2}x{3} -> {4}x{5}x{6}, filter {7}x{8}, stride {9}, pad {10},{11}, threads {12}, {13}")
    @CsvSource({
            "3, 9, 7, 5, 9, 7, 6, 2, 3, 1, 1, 1, 3, im2col",     // down-shifted 2x3
            "3, 9, 7, 5, 9, 7, 6, 2, 3, 1, 1, 1, 3, oneDNN",
            "5, 9, 7, 5, 9, 7, 6, 2, 3, 1, 1, 1, 2, oneDNN",     // uneven chunks; backward-filter on oneDNN too
            "5, 9, 7, 5, 9, 7, 6, 2, 2, 1, 1, 1, 2, oneDNN",     // down-right-shifted 2x2, the same
            "4, 8, 8, 6, 4, 4, 6, 2, 3, 2, 1, 1, 2, oneDNN",     // stride 2, backward-filter on oneDNN
            "4, 8, 8, 6, 4, 4, 5, 2, 3, 2, 0, 1, 2, oneDNN",     // a down-shifted deconvolution's geometry
            "4, 9, 10, 5, 4, 4, 6, 2, 3, 2, 0, 0, 2, oneDNN",    // a deconvolution's full geometry: bottom/right padding -1
            "2, 9, 7, 5, 5, 4, 6, 2, 3, 2, 1, 1, 3, oneDNN",     // stride 2, fewer images than threads
            "3, 9, 7, 5, 9, 7, 6, 2, 2, 1, 1, 1, 1, im2col",     // down-right-shifted 2x2, one thread
            "3, 9, 7, 5, 9, 7, 6, 2, 2, 1, 1, 1, 1, oneDNN",
            "2, 8, 8, 4, 8, 8, 3, 1, 3, 1, 0, 1, 3, im2col",     // 1x3
            "2, 8, 8, 4, 8, 8, 3, 1, 3, 1, 0, 1, 1, oneDNN",
            "2, 9, 7, 5, 5, 4, 6, 2, 3, 2, 1, 1, 3, im2col",     // stride 2
            "2, 6, 6, 4, 6, 6, 5, 1, 1, 1, 0, 0, 3, im2col",     // pointwise (a product on either path)
            "1, 8, 8, 128, 8, 8, 256, 2, 3, 1, 1, 1, 2, im2col", // a filter above BLOCKED_FILTER_MAX
            "16, 16, 16, 8, 16, 16, 8, 2, 3, 1, 1, 1, 3, im2col", // many blocks per thread
            "16, 16, 16, 8, 16, 16, 8, 2, 3, 1, 1, 1, 3, oneDNN"
    })
    void matchesTheDefinitionInFloat64(int n, int h, int w, int cin, int ho, int wo, int cout, int fh, int fw, int s, int pt, int pl, int threads,
                                       String path) {
        ConvGeom g = new ConvGeom(n, h, w, cin, ho, wo, cout, fh, fw, s, pt, pl);
        boolean onednn = path.equals("oneDNN");
        if (onednn) assumeTrue(OneDnnConvs.ENABLED, "convolutions on oneDNN are off here: " + CpuBackend.convEngine());
        try (CpuBackend be = new CpuBackend(threads, onednn)) {
            SplittableRandom r = new SplittableRandom(n * 131L + h * 17L + cin * 7L + cout);
            float[] x = rand(r, g.inSize()), wt = rand(r, g.weightSize()), dy = rand(r, g.outSize());
            float[] dx0 = rand(r, g.inSize()), dw0 = rand(r, g.weightSize());
            Buf xb = up(be, x), wb = up(be, wt), dyb = up(be, dy), yb = be.alloc(g.outSize()), dxb = up(be, dx0), dwb = up(be, dw0);
            be.convForward(g, xb, wb, null, yb);
            be.convBackwardData(g, dyb, wb, dxb);
            be.convBackwardFilter(g, xb, dyb, dwb);
            double[] y = new double[(int) g.outSize()], yMag = new double[y.length];
            double[] dx = new double[(int) g.inSize()], dxMag = new double[dx.length];
            double[] dw = new double[(int) g.weightSize()], dwMag = new double[dw.length];
            for (int b = 0; b < n; b++)
                for (int i = 0; i < ho; i++)
                    for (int j = 0; j < wo; j++)
                        for (int di = 0; di < fh; di++)
                            for (int dj = 0; dj < fw; dj++) {
                                int yi = i * s + di - pt, xj = j * s + dj - pl;
                                if (yi < 0 || yi >= h || xj < 0 || xj >= w) continue;
                                for (int ci = 0; ci < cin; ci++)
                                    for (int co = 0; co < cout; co++) {
                                        int xo = ((b * h + yi) * w + xj) * cin + ci, wo2 = ((di * fw + dj) * cin + ci) * cout + co;
                                        int yo = ((b * ho + i) * wo + j) * cout + co;
                                        y[yo] += (double) x[xo] * wt[wo2];
                                        yMag[yo] += Math.abs((double) x[xo] * wt[wo2]);
                                        dx[xo] += (double) dy[yo] * wt[wo2];
                                        dxMag[xo] += Math.abs((double) dy[yo] * wt[wo2]);
                                        dw[wo2] += (double) x[xo] * dy[yo];
                                        dwMag[wo2] += Math.abs((double) x[xo] * dy[yo]);
                                    }
                            }
            assertEquals(onednn && !g.isPointwise(), be.convRanOnOneDnn(g), "ran on oneDNN's primitives");
            check("forward", y, yMag, null, down(be, yb));
            check("backward data", dx, dxMag, dx0, down(be, dxb));
            check("backward filter", dw, dwMag, dw0, down(be, dwb));
        }
    }

    private static void check(String what, double[] want, double[] mag, float[] start, float[] got) {
        double worst = 0;
        int at = -1;
        for (int i = 0; i < want.length; i++) {
            double s0 = start == null ? 0 : start[i];
            double err = Math.abs(want[i] + s0 - got[i]) / (1e-5 * (mag[i] + Math.abs(s0)) + 1e-30);
            if (!(err <= worst)) { worst = err; at = i; }
        }
        assertTrue(worst <= 1, what + ": element " + at + " off by " + worst + " times the bound");
    }

}
