package org.pixelcnn.backend.cpu;

import java.util.Random;

/** Random network outputs and pixels for the tests: realistic, far (tiny-branch) and mixed components. */
final class RandomMixtures {
    static final int NORMAL = 0, FAR = 1, MIXED = 2;

    private RandomMixtures() {
    }

    /** An 8-bit value mapped to [-1, 1], a fifth of them 0 and a fifth 255. */
    static float randomX(Random rnd) {
        int r = rnd.nextInt(10);
        int p = r < 2 ? 0 : r < 4 ? 255 : 1 + rnd.nextInt(254);
        return (p - 127.5f) / 127.5f;
    }

    /**
     * Fills one pixel: x[xOff, xOff + C) and l[lOff, lOff + P). NORMAL components sit near x with
     * log_scales in [-6, -1); FAR components 0.15-0.55 away with log_scales in [-5, -3.5), a quarter
     * of them in [-8.5, -7.5) below the clamp (the pdf branch unless x is at an edge); MIXED picks per
     * component. (Sharp components near x are badly conditioned in float32: the rounding of the mean
     * alone moves the gradient by ~1e-4 relative at log_scale -7, which would blur a finite-difference
     * check; the golden files cover them.)
     */
    static void pixel(Random rnd, float[] l, int lOff, float[] x, int xOff, int C, int M, int mode) {
        for (int c = 0; c < C; c++) x[xOff + c] = randomX(rnd);
        for (int k = 0; k < M; k++) l[lOff + k] = (float) (1.5 * rnd.nextGaussian());
        for (int k = 0; k < M; k++) {
            boolean far = mode == FAR || (mode == MIXED && rnd.nextBoolean());
            float[] t = new float[3];
            if (C == 3) for (int i = 0; i < 3; i++) {
                l[lOff + M + 3 * M * i + 2 * M + k] = (float) rnd.nextGaussian();
                t[i] = (float) Math.tanh(l[lOff + M + 3 * M * i + 2 * M + k]);
            }
            for (int c = 0; c < C; c++) {
                float target, ls;
                if (far) {
                    target = x[xOff + c] + (rnd.nextBoolean() ? 1 : -1) * (float) (0.15 + 0.4 * rnd.nextDouble());
                    ls = rnd.nextInt(4) == 0 ? (float) (-7.5 - rnd.nextDouble()) : (float) (-5 + 1.5 * rnd.nextDouble());
                } else {
                    target = x[xOff + c] + (float) (0.05 * rnd.nextGaussian());
                    ls = (float) (-6 + 5 * rnd.nextDouble());
                }
                float shift = c == 0 ? 0 : c == 1 ? t[0] * x[xOff] : t[1] * x[xOff] + t[2] * x[xOff + 1];
                l[lOff + M + 3 * M * c + k] = target - shift;
                l[lOff + M + 3 * M * c + M + k] = ls;
            }
        }
    }
}
