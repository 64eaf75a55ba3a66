package org.pixelcnn.model;

import org.junit.jupiter.api.Test;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.model.layers.Nonlinearity;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data-dependent init (nn.py, init=True): on the init batch every weight-normalised layer's output,
 * recomputed with its new g and b, has per-channel mean ~0 and std = init_scale (0.1 for the second
 * conv of each gated resnet, 1 elsewhere); and eval mode is deterministic.
 */
class DataInitTest {

    @Test
    void everyLayerIsNormalisedOnTheInitBatch() {
        try (CpuBackend be = new CpuBackend(2)) {
            ModelConfig cfg = new ModelConfig(1, 8, 3, Nonlinearity.CONCAT_ELU, 8, 8, 3, 4, 0.5f);
            PixelCnnPP model = new PixelCnnPP(be, cfg, 4, false);
            float[] p = model.initialValues(3);
            be.upload(p, 0, model.params().values(), 0, p.length);
            SplittableRandom rng = new SplittableRandom(5);
            float[] x = new float[(int) model.input().size()];
            for (int i = 0; i < x.length; i++) x[i] = (float) ((rng.nextInt(256) - 127.5) / 127.5);
            be.upload(x, 0, model.input().value, 0, x.length);
            float[] h = new float[4 * 4];
            for (int b = 0; b < 4; b++) h[b * 4 + b] = 1;
            be.upload(h, 0, model.classes(), 0, h.length);
            List<String> seen = new ArrayList<>();
            int[] small = {0};
            model.params().setInitObserver((layer, y, rows, channels, initScale) -> {
                seen.add(layer);
                if (initScale == 0.1f) small[0]++;
                float[] v = new float[(int) (rows * channels)];
                be.download(y, 0, v, 0, v.length);
                for (int c = 0; c < channels; c++) {
                    double s = 0, s2 = 0;
                    for (long r = 0; r < rows; r++) {
                        double a = v[(int) (r * channels + c)];
                        s += a;
                        s2 += a * a;
                    }
                    double mean = s / rows, std = Math.sqrt(Math.max(0, s2 / rows - mean * mean));
                    assertTrue(Math.abs(mean) < 1e-3, layer + " channel " + c + " mean " + mean);
                    assertEquals(initScale, std, 1e-2, layer + " channel " + c + " std");
                }
            });
            model.dataDependentInit(7);
            long wnLayers = model.params().params().stream().filter(q -> q.name.endsWith("/g")).count();
            assertEquals(wnLayers, seen.size(), "every weight-normalised layer initialised once");
            assertEquals(3 * 2 * 1 + 5 * 2, small[0], "one init_scale 0.1 conv per gated resnet");
            assertEquals("model/conv2d_0", seen.get(0));

            // eval mode (dropout off) is deterministic
            model.forward(Pass.eval());
            float[] a = new float[(int) model.output().size()];
            be.download(model.output().value, 0, a, 0, a.length);
            model.forward(Pass.eval());
            float[] b = new float[a.length];
            be.download(model.output().value, 0, b, 0, b.length);
            assertArrayEquals(a, b);
        }
    }
}
