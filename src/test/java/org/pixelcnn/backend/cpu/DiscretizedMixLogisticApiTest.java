package org.pixelcnn.backend.cpu;

import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The buffer API: heap and direct buffers, absolute indexing, thread counts, the loss-only path, bad arguments. */
class DiscretizedMixLogisticApiTest {
    @Test
    void sameResultForEveryBufferKindThreadCountAndWithoutGradient() {
        Random rnd = new Random(41);
        int B = 3, H = 5, W = 4, C = 3, M = 5, P = 10 * M, n = B * H * W;
        float[] l = new float[n * P], x = new float[n * C];
        for (int i = 0; i < n; i++) RandomMixtures.pixel(rnd, l, i * P, x, i * C, C, M, rnd.nextInt(3));

        float[] g1 = new float[n * P];
        double[] img1 = new double[B];
        double loss1 = DiscretizedMixLogistic.lossAndGrad(FloatBuffer.wrap(l), FloatBuffer.wrap(x), FloatBuffer.wrap(g1), 1f, img1, B, H, W, C, M);

        FloatBuffer lDirect = GoldenMixLogisticTest.direct(l), xDirect = GoldenMixLogisticTest.direct(x);
        FloatBuffer gDirect = GoldenMixLogisticTest.direct(new float[n * P]);
        lDirect.position(7);                       // absolute indexing: the position does not matter
        gDirect.position(3);
        double[] img4 = new double[B];
        double loss4 = DiscretizedMixLogistic.lossAndGrad(lDirect, xDirect, gDirect, 1f, img4, B, H, W, C, M, 4);
        assertEquals(loss1, loss4, 0.0);
        assertArrayEquals(img1, img4, 0.0);
        float[] g4 = new float[n * P];
        gDirect.get(0, g4);
        assertArrayEquals(g1, g4, 0f);

        double lossOnly = DiscretizedMixLogistic.lossAndGrad(FloatBuffer.wrap(l), FloatBuffer.wrap(x), null, 1f, null, B, H, W, C, M, 2);
        assertEquals(loss1, lossOnly, 0.0);
        double sum = 0;
        for (double v : img1) sum += v;
        assertEquals(sum, loss1, 1e-9 * Math.abs(loss1));
        assertEquals(loss1 / (Math.log(2) * n * C), DiscretizedMixLogistic.bitsPerDim(loss1, (long) n * C), 1e-12);
    }

    @Test
    void rejectsBadArguments() {
        FloatBuffer l = FloatBuffer.allocate(30), x = FloatBuffer.allocate(3);
        assertThrows(IllegalArgumentException.class, () -> DiscretizedMixLogistic.lossAndGrad(l, x, null, 1f, null, 1, 1, 1, 3, 4));
        assertThrows(IllegalArgumentException.class, () -> DiscretizedMixLogistic.lossAndGrad(l, x, FloatBuffer.allocate(29), 1f, null, 1, 1, 1, 3, 3));
        assertThrows(IllegalArgumentException.class, () -> DiscretizedMixLogistic.lossAndGrad(l, x, null, 1f, new double[0], 1, 1, 1, 3, 3));
        assertThrows(IllegalArgumentException.class, () -> DiscretizedMixLogistic.lossAndGrad(l, x, null, 1f, null, 1, 1, 1, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> DiscretizedMixLogistic.bitsPerDim(1.0, 0));
    }
}
