package org.pixelcnn.backend.cpu;

import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The discretized mixture is a distribution: exp(-nats) summed over all 256 values of a sub-pixel is
 * 1 (C = 1), and for C = 3 the sums over the later channels give the marginals that one-component,
 * one-channel likelihoods predict. Each image of the batch is one 1x1 pixel, so perImage holds each
 * value's nats.
 */
class MixLogisticNormalizationTest {
    private static final double TOL = 1e-4;

    @Test
    void grayProbabilitiesSumToOne() {
        Random rnd = new Random(21);
        for (int trial = 0; trial < 6; trial++) {
            int M = 1 + rnd.nextInt(6);
            float[] mix = new float[3 * M];
            for (int k = 0; k < M; k++) {
                mix[k] = (float) (2 * rnd.nextGaussian());
                mix[M + k] = trial == 0 && k == 0 ? 0.9999f : (float) (1.6 * rnd.nextDouble() - 0.8);
                mix[2 * M + k] = trial == 1 && k == 0 ? -7.0f : (float) (-7.5 + 7.5 * rnd.nextDouble());
            }
            assertEquals(1.0, sumOverValues(mix, 1, M, new float[0]), TOL, "trial " + trial + " M=" + M);
        }
    }

    @Test
    void rgbMarginalsMatchTheComponentChannels() {
        Random rnd = new Random(22);
        for (int trial = 0; trial < 3; trial++) {
            int M = 2 + rnd.nextInt(4);
            float[] l = new float[10 * M];
            for (int k = 0; k < M; k++) {
                l[k] = (float) (1.5 * rnd.nextGaussian());
                for (int c = 0; c < 3; c++) {
                    l[M + 3 * M * c + k] = (float) (1.4 * rnd.nextDouble() - 0.7);
                    l[M + 3 * M * c + M + k] = (float) (-6.5 + 5 * rnd.nextDouble());
                    l[M + 3 * M * c + 2 * M + k] = (float) (1.5 * rnd.nextGaussian());
                }
            }
            float xR = MixLogisticSamplerTest.pixelValue(rnd.nextInt(256));
            float xG = MixLogisticSamplerTest.pixelValue(rnd.nextInt(256));
            double[] pi = DoubleMixLogisticReference.logSoftmax(toDouble(l), M);
            double pR = 0, pRG = 0;
            for (int k = 0; k < M; k++) {
                double w = Math.exp(pi[k]);
                float t0 = (float) Math.tanh(l[3 * M + k]);
                double red = oneComponent(l[M + k], l[2 * M + k], xR);
                double green = oneComponent(l[4 * M + k] + t0 * xR, l[5 * M + k], xG);
                pR += w * red;
                pRG += w * red * green;
            }
            assertEquals(pRG, sumOverValues(l, 3, M, new float[] {xR, xG}), TOL * pRG, "sum over blue, trial " + trial);
            assertEquals(pR, sumOverValues(l, 3, M, new float[] {xR}), TOL * pR, "sum over green and blue, trial " + trial);
        }
    }

    /** p(x) of one component, one channel: exp(-nats) of a C = 1, M = 1 mixture. */
    private static double oneComponent(float mean, float logScale, float x) {
        double nats = DiscretizedMixLogistic.lossAndGrad(FloatBuffer.wrap(new float[] {0f, mean, logScale}),
                FloatBuffer.wrap(new float[] {x}), null, 1f, null, 1, 1, 1, 1, 1);
        return Math.exp(-nats);
    }

    /** Sum of exp(-nats) over all 256^(C - fixed) values of the channels after the fixed ones. */
    private static double sumOverValues(float[] pixelL, int C, int M, float[] fixed) {
        int free = C - fixed.length, n = 1 << (8 * free), P = pixelL.length;
        float[] l = new float[n * P], x = new float[n * C];
        for (int i = 0; i < n; i++) {
            System.arraycopy(pixelL, 0, l, i * P, P);
            for (int c = 0; c < C; c++) {
                x[i * C + c] = c < fixed.length ? fixed[c] : MixLogisticSamplerTest.pixelValue((i >> (8 * (C - 1 - c))) & 255);
            }
        }
        double[] nats = new double[n];
        DiscretizedMixLogistic.lossAndGrad(FloatBuffer.wrap(l), FloatBuffer.wrap(x), null, 1f, nats, n, 1, 1, C, M, 2);
        double s = 0;
        for (double v : nats) s += Math.exp(-v);
        return s;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }
}
