package org.pixelcnn.backend.cpu;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pixelcnn.backend.Buf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;

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

    /**
     * Every buffer of a test stays reachable until the test ends: a CpuBuf's native memory is freed once the
     * CpuBuf itself is unreachable, even while an operation still reads it through its FloatBuffer, so a
     * buffer passed as a temporary (up(be, x) as an argument) could be freed in the middle of the operation.
     */
    private final java.util.List<Buf> held = new java.util.ArrayList<>();

    private Buf alloc(CpuBackend be, long n) {
        Buf b = be.alloc(n);
        held.add(b);
        return b;
    }

    @ParameterizedTest(name = "outer={0} channels={1} inner={2} threads={3}")
    @CsvSource({"384, 32, 1, 3", "6, 32, 32, 3", "4, 160, 160, 3", "1920, 160, 1, 1", "64, 10, 1, 3", "7, 3, 5, 3", "1, 1, 1, 1", "3, 1100, 1, 3"})
    void matchesTheControl(int outer, int channels, int inner, int threads) {
        try (CpuBackend be = new CpuBackend(threads)) {
            SplittableRandom r = new SplittableRandom(outer * 31L + channels * 7L + inner);
            int n = outer * channels * inner;
            float[] v = rand(r, n), g = rand(r, channels), dw = rand(r, n), dv = rand(r, n), dg = rand(r, channels);
            Buf vb = up(be, v), gb = up(be, g), wb = alloc(be, n), nb = alloc(be, channels);
            be.weightNormForward(vb, gb, wb, nb, outer, channels, inner);
            FloatBuffer wr = fb(new float[n]), nr = fb(new float[channels]);
            ReferenceOps.weightNormForward(fb(v), fb(g), wr, nr, outer, channels, inner);
            float[] norm = arr(nr), w = arr(wr);
            within(norm, down(be, nb), norm, "norm");
            within(w, down(be, wb), w, "W");

            Buf dvb = up(be, dv), dgb = up(be, dg);
            be.weightNormBackward(vb, gb, up(be, norm), up(be, dw), dvb, dgb, outer, channels, inner);
            FloatBuffer dvr = fb(dv), dgr = fb(dg);
            ReferenceOps.weightNormBackward(fb(v), fb(g), fb(norm), fb(dw), dvr, dgr, outer, channels, inner);
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

    private static float[] rand(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (2 * r.nextDouble() - 1);
        return v;
    }

    private Buf up(CpuBackend be, float[] v) {
        Buf b = alloc(be, v.length);
        be.upload(v, 0, b, 0, v.length);
        return b;
    }

    private static float[] down(CpuBackend be, Buf b) {
        float[] v = new float[(int) b.size()];
        be.download(b, 0, v, 0, v.length);
        return v;
    }

    private static FloatBuffer fb(float[] v) {
        FloatBuffer b = ByteBuffer.allocateDirect(4 * v.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
        b.put(0, v);
        return b;
    }

    private static float[] arr(FloatBuffer b) {
        float[] v = new float[b.capacity()];
        b.get(0, v);
        return v;
    }
}
