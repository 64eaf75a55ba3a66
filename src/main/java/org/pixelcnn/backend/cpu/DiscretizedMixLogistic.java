package org.pixelcnn.backend.cpu;

import java.nio.FloatBuffer;

/**
 * The PixelCNN++ likelihood: negative log-likelihood (nats) of 8-bit images under the discretized
 * mixture of logistics, and its gradient with respect to the network output, written out by hand.
 * Mirrors {@code discretized_mix_logistic_loss} (C = 3) of openai/pixel-cnn {@code pixel_cnn_pp/nn.py}
 * and its one-channel variant (C = 1); paper: Salimans et al. 2017, section 2.1-2.2.
 *
 * <p>Tensors (NHWC, float32, absolute indexing from position 0; heap or direct buffers):
 * <ul>
 *   <li>{@code l} [B, H, W, P], the network output, P = 10M for C = 3, P = 3M for C = 1. C = 3:
 *       logits [0, M); for channel c a block at M + 3Mc with means [0, M), log_scales [M, 2M)
 *       (clamped below at -7; the gradient passes when log_scale >= -7, zero below), raw coeffs
 *       [2M, 3M) (tanh applied; mean_G += coeff_0 x_R, mean_B += coeff_1 x_R + coeff_2 x_G).
 *       C = 1: logits [0, M), means [M, 2M), log_scales [2M, 3M).</li>
 *   <li>{@code x} [B, H, W, C], the model input (p - 127.5) / 127.5 in [-1, 1].</li>
 * </ul>
 * Per sub-pixel: x &lt; -0.999: log sigmoid(plus_in); x &gt; 0.999: log(1 - sigmoid(min_in));
 * else cdf_delta &gt; 1e-5: log cdf_delta (computed stably, see {@link MixLogisticPixel}); else
 * log_pdf_mid - log(127.5). CUDA twin: {@code mix_logistic_loss_grad} and
 * {@code mix_logistic_image_sums} in {@code src/main/cuda/mix_logistic.cu}.
 *
 * <p>Results do not depend on the thread count: each (image, row) pair sums its pixels in double in
 * column order, and the rows are then summed in a fixed order.
 */
public final class DiscretizedMixLogistic {
    private DiscretizedMixLogistic() {
    }

    /** Outputs per pixel: 10M for C = 3, 3M for C = 1. @throws IllegalArgumentException for other C or M &lt; 1 */
    public static int outputsPerPixel(int channels, int mix) {
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("mixture of logistics: C must be 1 or 3, got " + channels);
        if (mix < 1) throw new IllegalArgumentException("mixture of logistics: nr_logistic_mix must be >= 1, got " + mix);
        return channels == 3 ? 10 * mix : 3 * mix;
    }

    /**
     * Negative log-likelihood summed over all pixels and images, and its gradient; single-threaded.
     *
     * @param l         network output [B, H, W, P]
     * @param x         model input [B, H, W, C] in [-1, 1]
     * @param gradL     receives gradScale * d nats / d l [B, H, W, P] (every entry written), or null
     * @param gradScale factor applied to the gradient (1 for d nats / d l)
     * @param perImage  receives the nats of each image [B] (length at least B), or null
     * @return summed nats (natural-log units), accumulated in double
     * @throws IllegalArgumentException for bad C, M, sizes, or buffers too small
     */
    public static double lossAndGrad(FloatBuffer l, FloatBuffer x, FloatBuffer gradL, float gradScale,
                                     double[] perImage, int B, int H, int W, int C, int M) {
        return lossAndGrad(l, x, gradL, gradScale, perImage, B, H, W, C, M, 1);
    }

    /**
     * As {@link #lossAndGrad(FloatBuffer, FloatBuffer, FloatBuffer, float, double[], int, int, int, int, int)},
     * with the B*H pixel rows split over up to {@code threads} threads (the common fork-join pool and
     * the caller). Bit-for-bit the same result for every thread count.
     */
    public static double lossAndGrad(FloatBuffer l, FloatBuffer x, FloatBuffer gradL, float gradScale,
                                     double[] perImage, int B, int H, int W, int C, int M, int threads) {
        final int P = outputsPerPixel(C, M);
        if (B < 1 || H < 1 || W < 1) throw new IllegalArgumentException("mixture of logistics: bad shape B=" + B + " H=" + H + " W=" + W);
        long pixels = (long) B * H * W;
        requireCapacity("l", l, pixels * P);
        requireCapacity("x", x, pixels * C);
        if (gradL != null) requireCapacity("gradL", gradL, pixels * P);
        if (perImage != null && perImage.length < B) throw new IllegalArgumentException("mixture of logistics: perImage has " + perImage.length + " entries, need " + B);
        final int rows = B * H;
        final double[] rowNats = new double[rows];
        RowParallel.run(rows, threads, (from, to) -> {
            MixLogisticPixel pixel = new MixLogisticPixel(C, M);
            for (int r = from; r < to; r++) {
                double acc = 0.0;
                for (int w = 0; w < W; w++) {
                    int pix = r * W + w;
                    acc += pixel.run(l, pix * P, x, pix * C, gradL, pix * P, gradScale);
                }
                rowNats[r] = acc;
            }
        });
        double total = 0.0;
        for (int b = 0; b < B; b++) {
            double img = 0.0;
            for (int h = 0; h < H; h++) img += rowNats[b * H + h];
            if (perImage != null) perImage[b] = img;
            total += img;
        }
        return total;
    }

    /**
     * Negative log-likelihood of every sub-pixel in nats (for per-pixel scores and heat maps): out[b, i,
     * j, c] = -log p(x_c | x_0..x_{c-1} of the same pixel), the sub-pixel's term in the mixture's own
     * autoregressive order (see {@link MixLogisticPixel#subpixelNll}). Summed over c it is the pixel's
     * nats, and over the image the per-image nats of {@link #lossAndGrad} up to float32 rounding of
     * the telescoping differences (C = 1: the same per-pixel values). Every entry is overwritten;
     * bit-for-bit the same for every thread count. CUDA twin: {@code mix_logistic_subpixel_nll}.
     *
     * @param l   network output [B, H, W, P]
     * @param x   model input [B, H, W, C] in [-1, 1]
     * @param out receives [B, H, W, C] nats
     * @throws IllegalArgumentException for bad C, M, sizes, or buffers too small
     */
    public static void subpixelNll(FloatBuffer l, FloatBuffer x, FloatBuffer out, int B, int H, int W, int C, int M, int threads) {
        final int P = outputsPerPixel(C, M);
        if (B < 1 || H < 1 || W < 1) throw new IllegalArgumentException("mixture of logistics: bad shape B=" + B + " H=" + H + " W=" + W);
        long pixels = (long) B * H * W;
        requireCapacity("l", l, pixels * P);
        requireCapacity("x", x, pixels * C);
        requireCapacity("out", out, pixels * C);
        RowParallel.run(B * H, threads, (from, to) -> {
            MixLogisticPixel pixel = new MixLogisticPixel(C, M);
            for (int r = from; r < to; r++) {
                for (int w = 0; w < W; w++) {
                    int pix = r * W + w;
                    pixel.subpixelNll(l, pix * P, x, pix * C, out, pix * C);
                }
            }
        });
    }

    /** bits/dim = nats / (ln 2 * numDims), numDims = B*H*W*C. @throws IllegalArgumentException when numDims &lt; 1 */
    public static double bitsPerDim(double nats, long numDims) {
        if (numDims < 1) throw new IllegalArgumentException("bits/dim: number of dimensions must be >= 1, got " + numDims);
        return nats / (Math.log(2.0) * numDims);
    }

    private static void requireCapacity(String name, FloatBuffer buf, long need) {
        if (buf == null) throw new IllegalArgumentException("mixture of logistics: " + name + " is null");
        if (need > Integer.MAX_VALUE) throw new IllegalArgumentException("mixture of logistics: " + name + " needs " + need + " floats, more than a buffer can index");
        if (buf.limit() < need) throw new IllegalArgumentException("mixture of logistics: " + name + " holds " + buf.limit() + " floats, need " + need);
    }
}
