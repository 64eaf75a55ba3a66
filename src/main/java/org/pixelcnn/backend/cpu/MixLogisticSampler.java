package org.pixelcnn.backend.cpu;

import java.nio.FloatBuffer;

import static org.pixelcnn.backend.cpu.Float32Math.expf;
import static org.pixelcnn.backend.cpu.Float32Math.logf;
import static org.pixelcnn.backend.cpu.Float32Math.tanhf;
import java.nio.IntBuffer;

/**
 * Draws pixels from the discretized mixture of logistics given uniform draws, as
 * {@code sample_from_discretized_mix_logistic} of openai/pixel-cnn {@code pixel_cnn_pp/nn.py} (and its
 * one-channel variant): component sel = argmax_k(logit_k - log(-log(u_mix_k))) (Gumbel-max, first
 * index on ties); r_c = mean_c + exp(max(log_scale_c, -7)) * (log u_c - log(1 - u_c));
 * x0 = clip(r_0); for C = 3, x1 = clip(r_1 + coeff_0 x0), x2 = clip(r_2 + coeff_1 x0 + coeff_2 x1),
 * coeff = tanh(raw coeff) of component sel, clip to [-1, 1]. Not rounded to 8 bits (as nn.py).
 *
 * <p>Draws: the reference draws u from U[1e-5, 1 - 1e-5); from a raw r in [0, 1) that is
 * {@link #uniformFromRaw} u = 1e-5 + (1 - 2e-5) r, in [1e-5, 1 - 1e-5]. The methods here take u_mix
 * and u already mapped and use them as given. Arithmetic is float32, the same as the CUDA twin {@code mix_logistic_sample}
 * in {@code src/main/cuda/mix_logistic.cu}, so the same draws give the same component and the same
 * pixel up to a few float32 rounding steps on every backend.
 *
 * <p>Layouts (NHWC, absolute indexing from 0): l [B, H, W, P] with P = 10M (C = 3) or 3M (C = 1) as in
 * {@link DiscretizedMixLogistic}; x [B, H, W, C]; sel [B, H, W].
 */
public final class MixLogisticSampler {
    /** Lower end of the reference's uniform range (tf.random_uniform minval). */
    public static final float U_MIN = 1e-5f;

    private MixLogisticSampler() {
    }

    /** Maps a raw uniform r in [0, 1) to u = 1e-5 + (1 - 2e-5) r in [1e-5, 1 - 1e-5] (float rounding may reach the top), the reference's minval/maxval mapping. */
    public static float uniformFromRaw(double r) {
        return (float) (1e-5 + (1.0 - 2e-5) * r);
    }

    /**
     * Samples every pixel position.
     *
     * @param uMix draws for the component choice [B, H, W, M]
     * @param u    draws for the logistic [B, H, W, C]
     * @param x    receives the pixels [B, H, W, C] in [-1, 1]
     * @param sel  receives the chosen components [B, H, W], or null
     * @throws IllegalArgumentException for bad C, M, shape or buffers too small
     */
    public static void sample(FloatBuffer l, FloatBuffer uMix, FloatBuffer u, FloatBuffer x, IntBuffer sel,
                              int B, int H, int W, int C, int M) {
        int P = checkShapes(l, x, B, H, W, C, M);
        long pixels = (long) B * H * W;
        requireCapacity("uMix", uMix, pixels * M);
        requireCapacity("u", u, pixels * C);
        if (sel != null && sel.limit() < pixels) throw new IllegalArgumentException("mixture sampler: sel holds " + sel.limit() + " ints, need " + pixels);
        for (int pix = 0; pix < (int) pixels; pix++) samplePixel(l, pix * P, uMix, pix * M, u, pix * C, x, pix * C, sel, pix, C, M);
    }

    /**
     * Samples one pixel position (h, w) of all B images, the step of raster-order generation; other
     * positions of x and sel are left untouched.
     *
     * @param l    network output for the whole image [B, H, W, P] (only position (h, w) is read)
     * @param uMix draws for the component choice [B, M]
     * @param u    draws for the logistic [B, C]
     * @param x    image [B, H, W, C]; position (h, w) receives the pixels
     * @param sel  receives the chosen components [B], or null
     * @throws IllegalArgumentException for bad C, M, shape, position or buffers too small
     */
    public static void samplePosition(FloatBuffer l, FloatBuffer uMix, FloatBuffer u, FloatBuffer x, IntBuffer sel,
                                      int B, int H, int W, int C, int M, int h, int w) {
        int P = checkShapes(l, x, B, H, W, C, M);
        if (h < 0 || h >= H || w < 0 || w >= W) throw new IllegalArgumentException("mixture sampler: position (" + h + ", " + w + ") outside " + H + "x" + W);
        requireCapacity("uMix", uMix, (long) B * M);
        requireCapacity("u", u, (long) B * C);
        if (sel != null && sel.limit() < B) throw new IllegalArgumentException("mixture sampler: sel holds " + sel.limit() + " ints, need " + B);
        for (int b = 0; b < B; b++) {
            int pix = (b * H + h) * W + w;
            samplePixel(l, pix * P, uMix, b * M, u, b * C, x, pix * C, sel, b, C, M);
        }
    }

    private static void samplePixel(FloatBuffer l, int lOff, FloatBuffer uMix, int uMixOff, FloatBuffer u, int uOff,
                                    FloatBuffer x, int xOff, IntBuffer sel, int selIdx, int C, int M) {
        int best = 0;
        float bestV = Float.NEGATIVE_INFINITY;
        for (int k = 0; k < M; k++) {
            float v = l.get(lOff + k) - logf(-logf(uMix.get(uMixOff + k)));
            if (v > bestV) { bestV = v; best = k; }
        }
        final int k = best;
        float x0 = clip(logistic(l.get(lOff + M + k), l.get(lOff + 2 * M + k), u.get(uOff)));
        x.put(xOff, x0);
        if (C == 3) {
            float c0 = tanhf(l.get(lOff + 3 * M + k));
            float c1 = tanhf(l.get(lOff + 6 * M + k));
            float c2 = tanhf(l.get(lOff + 9 * M + k));
            float x1 = clip(logistic(l.get(lOff + 4 * M + k), l.get(lOff + 5 * M + k), u.get(uOff + 1)) + c0 * x0);
            float x2 = clip(logistic(l.get(lOff + 7 * M + k), l.get(lOff + 8 * M + k), u.get(uOff + 2)) + c1 * x0 + c2 * x1);
            x.put(xOff + 1, x1);
            x.put(xOff + 2, x2);
        }
        if (sel != null) sel.put(selIdx, k);
    }

    /** mean + exp(max(log_scale, -7)) * (log u - log(1 - u)). */
    private static float logistic(float mean, float lsRaw, float uc) {
        float lsc = lsRaw < MixLogisticPixel.MIN_LOG_SCALE ? MixLogisticPixel.MIN_LOG_SCALE : lsRaw;
        return mean + expf(lsc) * (logf(uc) - logf(1.0f - uc));
    }

    /** Clip to [-1, 1]; NaN stays NaN. */
    private static float clip(float v) {
        return v < -1.0f ? -1.0f : (v > 1.0f ? 1.0f : v);
    }

    private static int checkShapes(FloatBuffer l, FloatBuffer x, int B, int H, int W, int C, int M) {
        int P = DiscretizedMixLogistic.outputsPerPixel(C, M);
        if (B < 1 || H < 1 || W < 1) throw new IllegalArgumentException("mixture sampler: bad shape B=" + B + " H=" + H + " W=" + W);
        long pixels = (long) B * H * W;
        requireCapacity("l", l, pixels * P);
        requireCapacity("x", x, pixels * C);
        return P;
    }

    private static void requireCapacity(String name, FloatBuffer buf, long need) {
        if (buf == null) throw new IllegalArgumentException("mixture sampler: " + name + " is null");
        if (need > Integer.MAX_VALUE) throw new IllegalArgumentException("mixture sampler: " + name + " needs " + need + " floats, more than a buffer can index");
        if (buf.limit() < need) throw new IllegalArgumentException("mixture sampler: " + name + " holds " + buf.limit() + " floats, need " + need);
    }
}
