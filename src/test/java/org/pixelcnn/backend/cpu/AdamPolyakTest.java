package org.pixelcnn.backend.cpu;

import org.pixelcnn.backend.AdamPolyak;
import org.pixelcnn.train.LearningRate;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdamPolyakTest {
    private static final double BASE_LR = 0.001, LR_DECAY = 0.999995, POLYAK = 0.9995;

    private static FloatBuffer direct(float[] v) {
        FloatBuffer b = ByteBuffer.allocateDirect(v.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        b.put(0, v);
        return b;
    }

    private static float[] toArray(FloatBuffer b) {
        float[] out = new float[b.limit()];
        b.get(0, out);
        return out;
    }

    /** Three steps on a toy parameter vector against the same equations evaluated in float64. */
    @Test
    void threeStepsMatchFloat64Reference() {
        double[] p0 = {1.0, -0.5, 0.25, 3.0, 0.0, -2.0};
        double[][] grads = {
                {0.5, -0.25, 0.0, 1e-5, 4.0, -3.0},
                {-0.4, -0.3, 0.0, 2e-5, 3.5, 1.0},
                {0.1, 0.2, 1e-3, -1e-5, -4.0, 0.5},
        };
        int n = p0.length;
        float[] pf = new float[n];
        for (int i = 0; i < n; i++) pf[i] = (float) p0[i];
        FloatBuffer p = direct(pf), g = direct(new float[n]), m = direct(new float[n]), v = direct(new float[n]), ema = direct(new float[n]);
        ema.put(0, pf, 0, n); // the average starts at the parameters, as the trainer starts it after init
        LearningRate lr = new LearningRate(BASE_LR, LR_DECAY);
        AdamPolyak opt = new AdamPolyak(POLYAK);

        double[] rp = p0.clone(), rm = new double[n], rv = new double[n], rema = p0.clone();
        for (int t = 1; t <= 3; t++) {
            for (int i = 0; i < n; i++) g.put(i, (float) grads[t - 1][i]);
            CpuAdamPolyak.update(opt.scalars(t, lr.at(t)), p, g, m, v, ema, 0, n);

            double lrt = BASE_LR * Math.pow(LR_DECAY, t);
            for (int i = 0; i < n; i++) {
                double gi = (float) grads[t - 1][i];
                rm[i] = 0.95 * rm[i] + 0.05 * gi;
                rv[i] = 0.9995 * rv[i] + 0.0005 * gi * gi;
                double mHat = rm[i] / (1 - Math.pow(0.95, t));
                double vHat = rv[i] / (1 - Math.pow(0.9995, t));
                rp[i] -= lrt * mHat / Math.sqrt(vHat + 1e-8);
                rema[i] = POLYAK * rema[i] + (1 - POLYAK) * rp[i];
            }
            for (int i = 0; i < n; i++) {
                assertEquals(rm[i], m.get(i), 1e-6 * Math.abs(rm[i]) + 1e-12, "m[" + i + "] at step " + t);
                assertEquals(rv[i], v.get(i), 1e-6 * Math.abs(rv[i]) + 1e-15, "v[" + i + "] at step " + t);
                assertEquals(rp[i], p.get(i), 2e-7 * Math.abs(rp[i]) + 1e-9, "p[" + i + "] at step " + t);
                assertEquals(rema[i], ema.get(i), 2e-7 * Math.abs(rema[i]) + 1e-9, "ema[" + i + "] at step " + t);
            }
        }
    }

    /**
     * Step 1 by hand (python float64): lr_1 = 0.001 * 0.999995 = 0.000999995; m_hat = g, v_hat = g^2, so
     * p_1 = p_0 - lr_1 * g / sqrt(g^2 + 1e-8). For g = 0.5: 0.9990000050199999; ema = 0.9995 + 0.0005 p_1 =
     * 0.99999950000251. For g = 1e-5, epsilon inside the root damps the step to 0.0995 lr: 0.9999004967784976
     * (with epsilon outside, as in Kingma and Ba, it would be 0.999 lr).
     */
    @Test
    void firstStepByHand() {
        FloatBuffer p = FloatBuffer.wrap(new float[]{1f, 1f}), g = FloatBuffer.wrap(new float[]{0.5f, 1e-5f});
        FloatBuffer m = FloatBuffer.allocate(2), v = FloatBuffer.allocate(2), ema = FloatBuffer.wrap(new float[]{1f, 1f});
        CpuAdamPolyak.update(new AdamPolyak(POLYAK).scalars(1, new LearningRate(BASE_LR, LR_DECAY).at(1)), p, g, m, v, ema, 0, 2);
        assertEquals(0.9990000050199999, p.get(0), 1.2e-7);
        assertEquals(0.99999950000251, ema.get(0), 1.2e-7);
        assertEquals(0.9999004967784976, p.get(1), 1.2e-7);
        assertEquals(0.5 * 0.05, m.get(0), 1e-9);
        assertEquals(0.25 * 0.0005, v.get(0), 1e-11);
    }

    @Test
    void scalarsOfFirstStep() {
        AdamPolyak.Scalars s = new AdamPolyak(0.999).scalars(1, 0.002);
        assertEquals(0.002f, s.lr());
        assertEquals((float) (1 - 0.95), s.biasCorrection1());
        assertEquals((float) (1 - 0.9995), s.biasCorrection2());
        assertEquals(1e-8f, s.epsilon());
        assertEquals(0.999f, s.polyak());
        assertEquals(1f - 0.999f, s.oneMinusPolyak()); // computed in float32 from float32 d, as TensorFlow does
        AdamPolyak.Scalars late = new AdamPolyak(0.999).scalars(1_000_000, 0.002);
        assertEquals(1f, late.biasCorrection1());
        assertEquals(1f, late.biasCorrection2());
        assertThrows(IllegalArgumentException.class, () -> new AdamPolyak(0.999).scalars(0, 0.002));
        assertThrows(IllegalArgumentException.class, () -> new AdamPolyak(1.0));
    }

    /** Splitting the buffer into ranges (as the caller does across threads) gives the same bits as one pass. */
    @Test
    void rangesAndThreadsGiveTheSameBits() throws InterruptedException {
        int n = 10_001;
        Random rnd = new Random(7);
        float[] p0 = new float[n], g0 = new float[n];
        for (int i = 0; i < n; i++) {
            p0[i] = (float) rnd.nextGaussian();
            g0[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 4));
        }
        AdamPolyak opt = new AdamPolyak(POLYAK);
        FloatBuffer[] one = {direct(p0), direct(g0), direct(new float[n]), direct(new float[n]), direct(p0)};
        FloatBuffer[] split = {direct(p0), direct(g0), direct(new float[n]), direct(new float[n]), direct(p0)};
        for (int t = 1; t <= 3; t++) {
            AdamPolyak.Scalars s = opt.scalars(t, 0.001 * Math.pow(0.99, t));
            CpuAdamPolyak.update(s, one[0], one[1], one[2], one[3], one[4], 0, n);
            Thread[] threads = new Thread[4];
            for (int k = 0; k < 4; k++) {
                int lo = k * n / 4, hi = (k + 1) * n / 4;
                threads[k] = new Thread(() -> CpuAdamPolyak.update(s, split[0], split[1], split[2], split[3], split[4], lo, hi - lo));
                threads[k].start();
            }
            for (Thread th : threads) th.join();
        }
        for (int b = 0; b < 5; b++) assertArrayEquals(toArray(one[b]), toArray(split[b]), "buffer " + b);
        assertEquals(0, one[0].position());
    }

    /** The backend's tiled update (array body, tiles over threads) gives the bits of the buffer body. */
    @Test
    void backendTilesGiveTheSameBits() {
        int n = 100_003;
        Random rnd = new Random(11);
        float[] p0 = new float[n], g0 = new float[n];
        for (int i = 0; i < n; i++) {
            p0[i] = (float) rnd.nextGaussian();
            g0[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 4));
        }
        AdamPolyak opt = new AdamPolyak(POLYAK);
        FloatBuffer[] one = {direct(p0), direct(g0), direct(new float[n]), direct(new float[n]), direct(p0)};
        try (CpuBackend be = new CpuBackend(3)) {
            org.pixelcnn.backend.Buf[] b = new org.pixelcnn.backend.Buf[5];
            float[][] init = {p0, g0, new float[n], new float[n], p0};
            for (int k = 0; k < 5; k++) {
                b[k] = be.alloc(n);
                be.upload(init[k], 0, b[k], 0, n);
            }
            for (int t = 1; t <= 3; t++) {
                AdamPolyak.Scalars s = opt.scalars(t, 0.001 * Math.pow(0.99, t));
                CpuAdamPolyak.update(s, one[0], one[1], one[2], one[3], one[4], 0, n);
                be.adamPolyak(s, b[0], b[1], b[2], b[3], b[4]);
            }
            for (int k = 0; k < 5; k++) {
                float[] got = new float[n];
                be.download(b[k], 0, got, 0, n);
                assertArrayEquals(toArray(one[k]), got, "buffer " + k);
            }
        }
    }

    @Test
    void rangeBeyondBufferIsRefused() {
        FloatBuffer b = FloatBuffer.allocate(4);
        AdamPolyak.Scalars s = new AdamPolyak(POLYAK).scalars(1, 0.001);
        assertThrows(IndexOutOfBoundsException.class, () -> CpuAdamPolyak.update(s, b, b, b, b, FloatBuffer.allocate(3), 0, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> CpuAdamPolyak.update(s, b, b, b, b, b, 2, 3));
    }

    @Test
    void polyakAverageHasTheParametersAsFixedPoint() {
        // TF's form shadow -= (shadow - var)(1 - d), 1 - d in float32: an average equal to the parameters stays
        // exactly there (the form d ema + (1 - d) p with 1 - d rounded from float64 drifts 4.7e-5 low, relatively)
        java.util.SplittableRandom rng = new java.util.SplittableRandom(4);
        int n = 1000;
        float[] pv = new float[n];
        for (int i = 0; i < n; i++) pv[i] = (float) (rng.nextGaussian() * 3);
        java.nio.FloatBuffer p = java.nio.FloatBuffer.wrap(pv.clone()), g = java.nio.FloatBuffer.wrap(new float[n]);
        java.nio.FloatBuffer m = java.nio.FloatBuffer.wrap(new float[n]), v = java.nio.FloatBuffer.wrap(new float[n]);
        java.nio.FloatBuffer ema = java.nio.FloatBuffer.wrap(pv.clone());
        AdamPolyak adam = new AdamPolyak(0.9995);
        for (int t = 1; t <= 5; t++) CpuAdamPolyak.update(adam.scalars(t, 1e-3), p, g, m, v, ema, 0, n);
        for (int i = 0; i < n; i++) assertEquals(pv[i], ema.get(i), 0f, "element " + i);
    }
}
