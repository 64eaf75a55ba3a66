package org.pixelcnn.backend.cpu;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pixelcnn.backend.Buf;

import java.nio.FloatBuffer;
import java.util.SplittableRandom;

import static org.pixelcnn.backend.cpu.TestBufs.direct;
import static org.pixelcnn.backend.cpu.TestBufs.down;
import static org.pixelcnn.backend.cpu.TestBufs.rand;
import static org.pixelcnn.backend.cpu.TestBufs.up;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The tiled, threaded weight norm ({@link CpuWeightNorm}) against the element-at-a-time control
 * ({@link ReferenceOps}) for the layouts the model uses: conv V [fh,fw,cin,cout] (inner 1), deconv V
 * [fh,fw,cout,cin] (inner = cin, rows wider than a tile), dense, and odd sizes, with 1 and 3 threads. The
 * elementwise arithmetic is the same; the per-channel double sums are added in another order (per chunk,
 * then over chunks), which moves a float32 norm or factor by at most one rounding: every output is within
 * 2 ulps of the largest term that makes it. A wrong channel (a mixed-up layout) is off by O(1).
 */
class CpuWeightNormTest {

    @ParameterizedTest(name = "outer={0} channels={1} inner={2} threads={3}")
    @CsvSource({"384, 32, 1, 3", "6, 32, 32, 3", "4, 160, 160, 3", "1920, 160, 1, 1", "64, 10, 1, 3", "7, 3, 5, 3", "1, 1, 1, 1", "3, 1100, 1, 3"})
    void matchesTheControl(int outer, int channels, int inner, int threads) {
        try (CpuBackend be = new CpuBackend(threads)) {
            SplittableRandom r = new SplittableRandom(outer * 31L + channels * 7L + inner);
            int n = outer * channels * inner;
            float[] v = rand(r, n), g = rand(r, channels), dw = rand(r, n), dv = rand(r, n), dg = rand(r, channels);
            Buf vb = up(be, v), gb = up(be, g), wb = be.alloc(n), nb = be.alloc(channels);
            be.weightNormForward(vb, gb, wb, nb, outer, channels, inner);
            FloatBuffer wr = direct(new float[n]), nr = direct(new float[channels]);
            ReferenceOps.weightNormForward(direct(v), direct(g), wr, nr, outer, channels, inner);
            float[] norm = arr(nr), w = arr(wr);
            within(norm, down(be, nb), norm, "norm");
            within(w, down(be, wb), w, "W");

            Buf dvb = up(be, dv), dgb = up(be, dg);
            be.weightNormBackward(vb, gb, up(be, norm), up(be, dw), dvb, dgb, outer, channels, inner);
            FloatBuffer dvr = direct(dv), dgr = direct(dg);
            ReferenceOps.weightNormBackward(direct(v), direct(g), direct(norm), direct(dw), dvr, dgr, outer, channels, inner);
            float[] scale = new float[n];
            for (int i = 0; i < n; i++) {
                int c = (i / inner) % channels;
                scale[i] = Math.abs(dv[i]) + Math.abs(g[c] / norm[c]) * (Math.abs(dw[i]) + Math.abs(v[i]) * 10);
            }
            within(arr(dvr), down(be, dvb), scale, "dV");
            float[] dgScale = new float[channels];
            for (int c = 0; c < channels; c++) dgScale[c] = Math.abs(dg[c]) + Math.abs(arr(dgr)[c] - dg[c]) + 1e-30f;
            within(arr(dgr), down(be, dgb), dgScale, "dg");
        }
    }

    private static void within(float[] want, float[] got, float[] scale, String what) {
        for (int i = 0; i < want.length; i++) {
            double tol = 2 * Math.ulp(Math.abs(scale[i]) + Math.abs(want[i]));
            if (!(Math.abs((double) got[i] - want[i]) <= tol))
                fail(what + ": element " + i + " is " + got[i] + ", the control gives " + want[i] + " (bound " + tol + ")");
        }
    }

    private static float[] arr(FloatBuffer b) {
        float[] v = new float[b.capacity()];
        b.get(0, v);
        return v;
    }
}
