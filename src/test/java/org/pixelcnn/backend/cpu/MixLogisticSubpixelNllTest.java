package org.pixelcnn.backend.cpu;

import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The per-sub-pixel negative log-likelihood ({@link DiscretizedMixLogistic#subpixelNll}): its terms
 * sum to the pixel's and the image's nats of the loss, each term is the mixture's conditional
 * -log p(x_c | x_0..x_{c-1}) of a float64 oracle, each conditional is a distribution over the 256
 * values, and the result does not depend on the thread count.
 */
class MixLogisticSubpixelNllTest {

    private static float[][] randomBatch(long seed, int B, int H, int W, int C, int M) {
        Random rnd = new Random(seed);
        int P = DiscretizedMixLogistic.outputsPerPixel(C, M), pixels = B * H * W;
        float[] l = new float[pixels * P], x = new float[pixels * C];
        for (int p = 0; p < pixels; p++) RandomMixtures.pixel(rnd, l, p * P, x, p * C, C, M, p % 3);
        return new float[][] {l, x};
    }

    private static float[] nll(float[] l, float[] x, int B, int H, int W, int C, int M, int threads) {
        float[] out = new float[B * H * W * C];
        DiscretizedMixLogistic.subpixelNll(FloatBuffer.wrap(l), FloatBuffer.wrap(x), FloatBuffer.wrap(out), B, H, W, C, M, threads);
        return out;
    }

    @Test
    void grayTermsAreTheLossPixelByPixel() {
        int n = 2 * 5 * 3, M = 4;
        float[][] lx = randomBatch(1, 2, 5, 3, 1, M);
        float[] out = nll(lx[0], lx[1], 2, 5, 3, 1, M, 2);
        // each pixel as its own 1x1 image: perImage holds the pixel's nats, computed by the same floats in the same order
        double[] pixelNats = new double[n];
        DiscretizedMixLogistic.lossAndGrad(FloatBuffer.wrap(lx[0]), FloatBuffer.wrap(lx[1]), null, 1f, pixelNats, n, 1, 1, 1, M);
        for (int p = 0; p < n; p++) assertEquals((float) pixelNats[p], out[p], "pixel " + p);
    }

    @Test
    void rgbTermsSumToThePixelAndImageNats() {
        int B = 3, H = 4, W = 5, C = 3, M = 5, n = B * H * W;
        float[][] lx = randomBatch(2, B, H, W, C, M);
        float[] out = nll(lx[0], lx[1], B, H, W, C, M, 3);
        double[] pixelNats = new double[n], imageNats = new double[B];
        DiscretizedMixLogistic.lossAndGrad(FloatBuffer.wrap(lx[0]), FloatBuffer.wrap(lx[1]), null, 1f, pixelNats, n, 1, 1, C, M);
        DiscretizedMixLogistic.lossAndGrad(FloatBuffer.wrap(lx[0]), FloatBuffer.wrap(lx[1]), null, 1f, imageNats, B, H, W, C, M);
        double[] imageSum = new double[B];
        for (int p = 0; p < n; p++) {
            double s = (double) out[3 * p] + out[3 * p + 1] + out[3 * p + 2];
            // The terms are differences of float32 log-sum-exps L_c that the loss computes the same way
            // (L_2 is the loss's value bit for bit): each difference is off by at most an ulp or two of
            // max |L_c| (< 2e-6 relative); 1e-5 of (1 + |nats|) is five times that, while a term taken
            // from the wrong component weights is off by tenths of a nat.
            assertEquals(pixelNats[p], s, 1e-5 * (1 + Math.abs(pixelNats[p])), "pixel " + p);
            imageSum[p / (H * W)] += s;
        }
        for (int b = 0; b < B; b++) assertEquals(imageNats[b], imageSum[b], 1e-5 * Math.abs(imageNats[b]), "image " + b);
    }

    @Test
    void rgbTermsAreTheMixturesConditionalsOfAFloat64Oracle() {
        int n = 40, C = 3, M = 6, P = 10 * M;
        float[][] lx = randomBatch(3, n, 1, 1, C, M);
        float[] out = nll(lx[0], lx[1], n, 1, 1, C, M, 1);
        for (int p = 0; p < n; p++) {
            double[] l = new double[P], x = new double[C];
            for (int i = 0; i < P; i++) l[i] = lx[0][p * P + i];
            for (int c = 0; c < C; c++) x[c] = lx[1][p * C + c];
            double r = DoubleMixLogisticReference.prefixNats(l, x, M, 1);
            double rg = DoubleMixLogisticReference.prefixNats(l, x, M, 2);
            double rgb = DoubleMixLogisticReference.pixelNats(l, x, C, M, null, null);
            double[] want = {r, rg - r, rgb - rg};
            for (int c = 0; c < C; c++) {
                // float32 against float64: the loss's own oracle tests hold 1e-5 relative on the pixel
                // nats; a difference of two such prefixes keeps that absolute error (of the larger)
                double scale = 1 + Math.max(Math.abs(r), Math.max(Math.abs(rg), Math.abs(rgb)));
                assertEquals(want[c], out[p * C + c], 2e-5 * scale, "pixel " + p + " channel " + c);
            }
        }
    }

    @Test
    void eachConditionalIsADistributionOverThe256Values() {
        Random rnd = new Random(4);
        int M = 4, P = 10 * M;
        float[][] lx = randomBatch(5, 1, 1, 1, 3, M);
        float[] pixel = lx[0];
        float[] fixed = {lx[1][0], lx[1][1], lx[1][2]};
        for (int c = 0; c < 3; c++) {
            float[] l = new float[256 * P], x = new float[256 * 3];
            for (int v = 0; v < 256; v++) {
                System.arraycopy(pixel, 0, l, v * P, P);
                for (int j = 0; j < 3; j++) x[v * 3 + j] = j == c ? (v - 127.5f) / 127.5f : j < c ? fixed[j] : MixLogisticSamplerTest.pixelValue(rnd.nextInt(256));
            }
            float[] out = nll(l, x, 256, 1, 1, 3, M, 2);
            double sum = 0;
            for (int v = 0; v < 256; v++) sum += Math.exp(-out[v * 3 + c]);
            // as MixLogisticNormalizationTest: the pdf branch approximates tiny bins, float32 sums 256 terms
            assertEquals(1.0, sum, 1e-4, "sub-pixel " + c + " given the earlier ones (later ones random)");
        }
    }

    @Test
    void threadCountDoesNotChangeABit() {
        int B = 2, H = 6, W = 4, C = 3, M = 3;
        float[][] lx = randomBatch(6, B, H, W, C, M);
        assertArrayEquals(nll(lx[0], lx[1], B, H, W, C, M, 1), nll(lx[0], lx[1], B, H, W, C, M, 5));
    }
}
