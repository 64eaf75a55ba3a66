package org.pixelcnn.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LearningRateTest {
    /** The original's first step multiplies once: the same double as base * decay. */
    @Test
    void firstStepIsBaseTimesDecay() {
        LearningRate lr = new LearningRate(0.001, 0.999995);
        assertEquals(0.001 * 0.999995, lr.at(1));
        assertEquals((float) (0.001 * 0.999995), lr.floatAt(1));
        assertEquals(0.002, new LearningRate(0.002, 1.0).at(123_456));
    }

    /** Closed form vs the original's running product ({@code lr *= lr_decay} per step): float64 rounding apart. */
    @Test
    void closedFormAgreesWithRunningProduct() {
        double base = 0.001, decay = 0.999995;
        LearningRate lr = new LearningRate(base, decay);
        double running = base;
        int floatDiffers = 0;
        for (int t = 1; t <= 300_000; t++) {
            running *= decay;
            double closed = lr.at(t);
            double rel = Math.abs(closed - running) / running;
            assertTrue(rel <= (t + 4) * 0x1p-53, "step " + t + ": relative difference " + rel);
            if ((float) closed != (float) running) {
                floatDiffers++;
                assertEquals((float) running, lr.floatAt(t), Math.ulp((float) running), "float32 rate at step " + t);
            }
        }
        assertTrue(floatDiffers < 300, "float32 rates differ at " + floatDiffers + " of 300000 steps");
        // after 300k steps: 0.001 * 0.999995^300000 = 0.001 * exp(300000 * ln 0.999995)
        assertEquals(0.001 * Math.exp(300_000 * Math.log(decay)), lr.at(300_000), 1e-15);
    }

    /** A resumed schedule (fresh object, same flags) gives the same bits at every later step. */
    @Test
    void resumeIsBitExact() {
        LearningRate straight = new LearningRate(0.001, 0.999995);
        double[] run = new double[2000];
        for (int t = 1; t <= 2000; t++) run[t - 1] = straight.at(t);
        LearningRate resumed = new LearningRate(0.001, 0.999995);
        for (int t = 1001; t <= 2000; t++)
            assertEquals(Double.doubleToRawLongBits(run[t - 1]), Double.doubleToRawLongBits(resumed.at(t)), "step " + t);
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new LearningRate(0, 0.9));
        assertThrows(IllegalArgumentException.class, () -> new LearningRate(0.001, 1.5));
        assertThrows(IllegalArgumentException.class, () -> new LearningRate(0.001, 0));
        assertThrows(IllegalArgumentException.class, () -> new LearningRate(0.001, 0.9).at(0));
    }
}
