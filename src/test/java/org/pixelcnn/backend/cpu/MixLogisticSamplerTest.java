package org.pixelcnn.backend.cpu;

import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sampler beyond the golden files: determinism, the uniform mapping, and the distribution it draws from. */
class MixLogisticSamplerTest {
    /** x = (p - 127.5) / 127.5 in float32, the model input of an 8-bit value. */
    static float pixelValue(int p) {
        return (p - 127.5f) / 127.5f;
    }

    @Test
    void sameDrawsGiveTheSamePixels() {
        Random rnd = new Random(31);
        int B = 3, H = 4, W = 5, C = 3, M = 4, P = 10 * M, n = B * H * W;
        float[] l = new float[n * P], x = new float[n * C];
        for (int i = 0; i < n; i++) RandomMixtures.pixel(rnd, l, i * P, x, i * C, C, M, RandomMixtures.MIXED);
        float[] uMix = new float[n * M], u = new float[n * C];
        for (int i = 0; i < uMix.length; i++) uMix[i] = MixLogisticSampler.uniformFromRaw(rnd.nextDouble());
        for (int i = 0; i < u.length; i++) u[i] = MixLogisticSampler.uniformFromRaw(rnd.nextDouble());
        float[][] xs = new float[2][n * C];
        int[][] sels = new int[2][n];
        for (int rep = 0; rep < 2; rep++) {
            MixLogisticSampler.sample(GoldenMixLogisticTest.direct(l), FloatBuffer.wrap(uMix), FloatBuffer.wrap(u),
                    FloatBuffer.wrap(xs[rep]), IntBuffer.wrap(sels[rep]), B, H, W, C, M);
        }
        assertArrayEquals(xs[0], xs[1]);
        assertArrayEquals(sels[0], sels[1]);
        for (float v : xs[0]) assertTrue(v >= -1f && v <= 1f, "pixel outside [-1, 1]: " + v);
    }

    @Test
    void uniformMappingStaysInsideTheReferenceRange() {
        assertEquals(1e-5f, MixLogisticSampler.uniformFromRaw(0.0), 0f);
        float top = MixLogisticSampler.uniformFromRaw(Math.nextDown(1.0));
        assertTrue(top < 1f && top <= (float) (1 - 1e-5), "top " + top);
        assertTrue(Double.isFinite(Math.log(-Math.log(top))) && Double.isFinite(Math.log(1 - top)));
        assertEquals(0.5f, MixLogisticSampler.uniformFromRaw(0.5), 1e-7f);
    }

    @Test
    void componentFrequenciesFollowTheSoftmaxAndPixelsTheLogistic() {
        // one gray pixel position, B = 20000 images with the same mixture: the Gumbel-max choice follows
        // softmax(logits); each component's samples have median = mean (logistic).
        Random rnd = new Random(32);
        int B = 20000, M = 3, C = 1, P = 3 * M;
        float[] mix = {0.5f, -1.0f, 1.2f, -0.5f, 0.1f, 0.6f, -3.0f, -3.5f, -4.0f};
        float[] l = new float[B * P];
        for (int b = 0; b < B; b++) System.arraycopy(mix, 0, l, b * P, P);
        float[] uMix = new float[B * M], u = new float[B];
        for (int i = 0; i < uMix.length; i++) uMix[i] = MixLogisticSampler.uniformFromRaw(rnd.nextDouble());
        for (int i = 0; i < u.length; i++) u[i] = MixLogisticSampler.uniformFromRaw(rnd.nextDouble());
        float[] x = new float[B];
        int[] sel = new int[B];
        MixLogisticSampler.samplePosition(FloatBuffer.wrap(l), FloatBuffer.wrap(uMix), FloatBuffer.wrap(u),
                FloatBuffer.wrap(x), IntBuffer.wrap(sel), B, 1, 1, C, M, 0, 0);
        double[] pi = DoubleMixLogisticReference.logSoftmax(new double[] {mix[0], mix[1], mix[2]}, M);
        for (int k = 0; k < M; k++) {
            int count = 0, below = 0;
            for (int b = 0; b < B; b++) if (sel[b] == k) { count++; if (x[b] < mix[M + k]) below++; }
            double expected = Math.exp(pi[k]);
            double sd = Math.sqrt(expected * (1 - expected) / B);
            assertEquals(expected, count / (double) B, 5 * sd, "frequency of component " + k);
            assertEquals(0.5, below / (double) count, 5 * 0.5 / Math.sqrt(count), "median of component " + k);
        }
    }

    @Test
    void rejectsBadShapes() {
        FloatBuffer small = FloatBuffer.allocate(4);
        assertThrows(IllegalArgumentException.class, () -> MixLogisticSampler.sample(small, small, small, small, null, 1, 1, 1, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> MixLogisticSampler.samplePosition(FloatBuffer.allocate(30), FloatBuffer.allocate(1),
                FloatBuffer.allocate(3), FloatBuffer.allocate(9), null, 1, 1, 3, 3, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> DiscretizedMixLogistic.outputsPerPixel(2, 10));
    }
}
