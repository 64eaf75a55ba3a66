package org.pixelcnn.backend.cpu;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.DropoutMask;

import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import static org.pixelcnn.backend.cpu.TestBufs.direct;
import static org.pixelcnn.backend.cpu.TestBufs.down;
import static org.pixelcnn.backend.cpu.TestBufs.rand;
import static org.pixelcnn.backend.cpu.TestBufs.up;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The CPU backend's tiled, vectorised elementwise operations ({@link CpuElementwise}) against the
 * element-at-a-time control ({@link ReferenceOps}), on shapes that cut tiles and chunks mid-way (odd row
 * counts, channel counts that do not divide a tile, rows wider than half a tile, which take the control's
 * path) with 1 and 3 threads. Where both run the same float operations in the same order (concat_elu and elu
 * backward, axpy, add, addBias, dropout) the results must be equal; where the fast path computes exp, expm1 or
 * the sigmoid its own way the bound is stated with the case.
 */
class CpuElementwiseTest {

    private static float[] arr(FloatBuffer b) {
        float[] v = new float[b.capacity()];
        b.get(0, v);
        return v;
    }

    private static void assertSame(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++)
            if (Float.floatToIntBits(want[i] + 0f) != Float.floatToIntBits(got[i] + 0f)) // +0f: -0 and +0 count as equal
                fail(what + ": element " + i + " is " + got[i] + ", the control gives " + want[i]);
    }

    /** |got - want| <= tol[i] elementwise. */
    private static void assertWithin(float[] want, float[] got, double[] tol, String what) {
        for (int i = 0; i < want.length; i++)
            if (!(Math.abs((double) got[i] - want[i]) <= tol[i]))
                fail(what + ": element " + i + " is " + got[i] + ", the control gives " + want[i] + " (bound " + tol[i] + ")");
    }

    @ParameterizedTest(name = "rows={0} c={1} threads={2}")
    @CsvSource({"1, 1, 1", "37, 3, 3", "2049, 32, 3", "1000, 64, 1", "777, 160, 3", "33, 600, 3"})
    void concatEluAndEluMatchTheControl(int rows, int c, int threads) {
        try (CpuBackend be = new CpuBackend(threads)) {
            SplittableRandom r = new SplittableRandom(rows * 7L + c);
            long n = (long) rows * c;
            float[] x = rand(r, n, -20, 6);
            x[0] = 0f;
            float[] dy = rand(r, 2 * n, -1, 1), dx = rand(r, n, -1, 1);
            // forward: the fast expm1 is within 1 ulp of exact, the control (exp in double, rounded once) within
            // 0.5: within 2 ulps of each other. A wrong half, sign or branch is off by O(1).
            Buf y = be.alloc(2 * n);
            be.concatEluForward(up(be, x), y, rows, c);
            FloatBuffer yRef = direct(new float[(int) (2 * n)]);
            ReferenceOps.concatEluForward(direct(x), yRef, rows, c);
            float[] want = arr(yRef), got = down(be, y);
            double[] tol = new double[want.length];
            for (int i = 0; i < tol.length; i++) tol[i] = 2 * Math.ulp(want[i]);
            assertWithin(want, got, tol, "concat_elu forward");
            // backward from the same output: the same operations in the same order, bit for bit
            Buf dxb = up(be, dx);
            be.concatEluBackward(up(be, want), up(be, dy), dxb, rows, c);
            FloatBuffer dxRef = direct(dx);
            ReferenceOps.concatEluBackward(direct(want), direct(dy), dxRef, rows, c);
            assertSame(arr(dxRef), down(be, dxb), "concat_elu backward");

            Buf ye = be.alloc(n);
            be.eluForward(up(be, x), ye);
            FloatBuffer yeRef = direct(new float[(int) n]);
            ReferenceOps.eluForward(direct(x), yeRef);
            float[] we = arr(yeRef);
            double[] tole = new double[we.length];
            for (int i = 0; i < tole.length; i++) tole[i] = 2 * Math.ulp(we[i]);
            assertWithin(we, down(be, ye), tole, "elu forward");
            Buf dxe = up(be, dx);
            float[] dye = rand(r, n, -1, 1);
            be.eluBackward(up(be, we), up(be, dye), dxe);
            FloatBuffer dxeRef = direct(dx);
            ReferenceOps.eluBackward(direct(we), direct(dye), dxeRef);
            assertSame(arr(dxeRef), down(be, dxe), "elu backward");
        }
    }

    @ParameterizedTest(name = "rows={0} f={1} threads={2}")
    @CsvSource({"1, 1, 1", "37, 3, 3", "2049, 32, 3", "1000, 64, 1", "513, 160, 3", "17, 700, 3"})
    void gateMatchesTheControl(int rows, int f, int threads) {
        try (CpuBackend be = new CpuBackend(threads)) {
            SplittableRandom r = new SplittableRandom(rows * 11L + f);
            long n = (long) rows * f;
            float[] x = rand(r, n, -2, 2), c2 = rand(r, 2 * n, -30, 30), dout = rand(r, n, -1, 1), dx = rand(r, n, -1, 1);
            Buf out = be.alloc(n);
            be.gateForward(up(be, x), up(be, c2), out, rows, f);
            FloatBuffer outRef = direct(new float[(int) n]);
            ReferenceOps.gateForward(direct(x), direct(c2), outRef, rows, f);
            // The fast sigmoid is within 4 ulps of exact (exp 1 ulp, 1 + t, the quotient), the control's within
            // 0.5 ulp: |ds| <= 5 ulps of s <= 3e-7 s. With the product and the sum (0.5 ulp each):
            // |d out| <= 4e-7 (|x| + |a|). A wrong half, a missing x or a wrong sign is off by O(|a|).
            double[] tol = new double[(int) n], tolA = new double[(int) n], tolB = new double[(int) n];
            for (int q = 0; q < rows; q++)
                for (int k = 0; k < f; k++) {
                    int i = q * f + k;
                    float a = c2[2 * q * f + k];
                    tol[i] = 4e-7 * (Math.abs(x[i]) + Math.abs(a)) + 1e-30;
                    tolA[i] = 4e-7 * Math.abs(dout[i]) + 1e-30;
                    // s (1 - s): the fast path takes t / (1 + t)^2 (no cancellation), the control s (1 - s) whose
                    // 1 - s carries up to half an ulp of 1 (6e-8) absolutely: |d| <= 2e-7 |g a|.
                    tolB[i] = 2e-7 * Math.abs(dout[i] * a) + 1e-30;
                }
            assertWithin(arr(outRef), down(be, out), tol, "gate forward");

            Buf dxb = up(be, dx), dc2 = be.alloc(2 * n);
            be.gateBackward(up(be, c2), up(be, dout), dxb, dc2, rows, f);
            FloatBuffer dxRef = direct(dx), dc2Ref = direct(new float[(int) (2 * n)]);
            ReferenceOps.gateBackward(direct(c2), direct(dout), dxRef, dc2Ref, rows, f);
            assertSame(arr(dxRef), down(be, dxb), "gate backward dx");
            float[] want = arr(dc2Ref), got = down(be, dc2);
            double[] tol2 = new double[(int) (2 * n)];
            for (int q = 0; q < rows; q++)
                for (int k = 0; k < f; k++) {
                    tol2[2 * q * f + k] = tolA[q * f + k];
                    tol2[2 * q * f + f + k] = tolB[q * f + k];
                }
            assertWithin(want, got, tol2, "gate backward dc2");
        }
    }

    @ParameterizedTest(name = "n={0} p={1} threads={2}")
    @CsvSource({"1, 0.5, 1", "1023, 0.5, 3", "100003, 0.5, 3", "4099, 0.3, 1", "5000, 0.0, 3"})
    void dropoutMatchesTheControlAndTheMask(int n, float p, int threads) {
        try (CpuBackend be = new CpuBackend(threads)) {
            SplittableRandom r = new SplittableRandom(n);
            long key = DropoutMask.key(3, 5, 1, 2);
            float[] x = rand(r, n, -2, 2), dx = rand(r, n, -1, 1);
            Buf y = be.alloc(n);
            be.dropoutForward(up(be, x), y, p, key);
            FloatBuffer yRef = direct(new float[n]);
            ReferenceOps.dropoutForward(direct(x), yRef, p, key);
            float[] got = down(be, y);
            assertSame(arr(yRef), got, "dropout forward");
            int kept = 0;
            for (int i = 0; i < n; i++) {
                boolean keep = DropoutMask.keep(key, i, p);
                assertEquals(keep, got[i] != 0f, "element " + i + " kept by the integer threshold as by keep()");
                if (keep) kept++;
            }
            if (n > 50_000) assertEquals(1 - p, kept / (double) n, 0.01, "fraction kept");
            Buf dxb = up(be, dx);
            be.dropoutBackward(up(be, x), dxb, p, key);
            FloatBuffer dxRef = direct(dx);
            ReferenceOps.dropoutBackward(direct(x), dxRef, p, key);
            assertSame(arr(dxRef), down(be, dxb), "dropout backward");
        }
    }

    @ParameterizedTest(name = "rows={0} c={1} threads={2}")
    @CsvSource({"1, 1, 1", "999, 3, 3", "16384, 32, 3", "3001, 160, 2", "5, 1500, 3"})
    void biasAndFlatAlgebraMatchTheControl(int rows, int c, int threads) {
        try (CpuBackend be = new CpuBackend(threads)) {
            SplittableRandom r = new SplittableRandom(rows + 13L * c);
            long n = (long) rows * c;
            float[] y = rand(r, n, -1, 1), bias = rand(r, c, -1, 1), db = rand(r, c, -1, 1), a = rand(r, n, -3, 3);
            check(be, "addBias", y, b -> be.addBias(b, up(be, bias), rows, c), f -> ReferenceOps.addBias(f, direct(bias), rows, c));
            check(be, "axpy", y, b -> be.axpy(-0.7f, up(be, a), b), f -> ReferenceOps.axpy(-0.7f, direct(a), f));
            check(be, "add", y, b -> be.add(up(be, a), up(be, y), b), f -> ReferenceOps.add(direct(a), direct(y), f));
            // biasBackward: double sums per chunk then over chunks, against one double sum: the two differ by
            // double roundings (1e-16 relative), at most one float ulp after rounding.
            Buf dbb = up(be, db);
            be.biasBackward(up(be, y), rows, c, dbb);
            FloatBuffer dbRef = direct(db);
            ReferenceOps.biasBackward(direct(y), rows, c, dbRef);
            float[] want = arr(dbRef);
            double[] tol = new double[c];
            for (int i = 0; i < c; i++) tol[i] = Math.ulp(want[i]);
            assertWithin(want, down(be, dbb), tol, "biasBackward");
        }
    }

    private void check(CpuBackend be, String what, float[] start, Consumer<Buf> fast, Consumer<FloatBuffer> control) {
        Buf b = up(be, start);
        fast.accept(b);
        FloatBuffer f = direct(start);
        control.accept(f);
        assertSame(arr(f), down(be, b), what);
    }
}
