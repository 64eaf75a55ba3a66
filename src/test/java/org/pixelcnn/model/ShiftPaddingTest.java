package org.pixelcnn.model;

import org.junit.jupiter.api.Test;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.ConvGeom;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.model.layers.Conv2d;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The shifts' padding rows and columns are exactly zero, and the channel of ones is added before any
 * padding: in the zero-padded border of the first convolution the ones channel is 0, inside it is 1.
 */
class ShiftPaddingTest {

    @Test
    void shiftsPadWithExactZeros() {
        try (CpuBackend be = new CpuBackend(2)) {
            int n = 2, h = 3, w = 4, c = 2;
            float[] x = new float[n * h * w * c];
            Arrays.fill(x, Float.NaN); // a NaN that leaked into the padding would show
            Buf xb = be.alloc(x.length), down = be.alloc(x.length), right = be.alloc(x.length);
            be.upload(x, 0, xb, 0, x.length);
            be.fill(down, 7f);
            be.fill(right, 7f);
            be.downShiftForward(xb, down, n, h, w, c);
            be.rightShiftForward(xb, right, n, h, w, c);
            float[] d = new float[x.length], r = new float[x.length];
            be.download(down, 0, d, 0, d.length);
            be.download(right, 0, r, 0, r.length);
            for (int b = 0; b < n; b++)
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < w; j++)
                        for (int k = 0; k < c; k++) {
                            int idx = ((b * h + i) * w + j) * c + k;
                            if (i == 0) assertEquals(0, Float.floatToRawIntBits(d[idx]), "down_shift row 0 must be +0.0");
                            else assertEquals(Float.NaN, d[idx], "down_shift row " + i);
                            if (j == 0) assertEquals(0, Float.floatToRawIntBits(r[idx]), "right_shift column 0 must be +0.0");
                            else assertEquals(Float.NaN, r[idx], "right_shift column " + j);
                        }
        }
    }

    @Test
    void onesChannelIsAddedBeforePadding() {
        try (CpuBackend be = new CpuBackend(2)) {
            int n = 1, h = 4, w = 4, c = 3;
            Buf x = be.alloc((long) n * h * w * c), xPad = be.alloc((long) n * h * w * (c + 1));
            be.fill(x, 0.25f);
            be.concatChannelsForward(x, c, null, 1, xPad, (long) n * h * w);
            // down_shifted_conv2d (2,3): weights pick the ones channel at the top-left tap only
            ConvGeom g = Conv2d.downShifted(n, h, w, c + 1, 1, 2, 3, 1);
            float[] wts = new float[(int) g.weightSize()];
            wts[(0 * 3 + 0) * (c + 1) + c] = 1f; // tap (0, 0), input channel c (the ones), output 0
            Buf wb = be.alloc(wts.length), y = be.alloc(g.outSize());
            be.upload(wts, 0, wb, 0, wts.length);
            be.convForward(g, xPad, wb, null, y);
            float[] out = new float[(int) g.outSize()];
            be.download(y, 0, out, 0, out.length);
            // output (i, j) reads input (i - 1, j - 1): in the padding for i == 0 or j == 0
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                    assertEquals(i == 0 || j == 0 ? 0f : 1f, out[i * w + j], "position " + i + "," + j);
        }
    }
}
