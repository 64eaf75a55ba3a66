package org.pixelcnn.model;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.model.layers.Nonlinearity;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The autoregressive property: changing input pixel (i, j) leaves the outputs at (i, j) and at every
 * earlier raster position bit-for-bit unchanged, and changes some later one; with random weights and
 * with data-initialised weights.
 */
class CausalityTest {
    static CpuBackend be;

    @BeforeAll
    static void up() {
        be = new CpuBackend(2);
    }

    @AfterAll
    static void down() {
        be.close();
    }

    @ParameterizedTest(name = "{0}x{1}x{2} dataInit={3}")
    @CsvSource({"8,8,1,false", "8,8,1,true", "16,16,1,false", "28,28,1,true", "32,32,3,false", "32,32,3,true"})
    void outputsDependOnlyOnEarlierPixels(int h, int w, int c, boolean dataInit) {
        ModelConfig cfg = new ModelConfig(1, 8, 2, Nonlinearity.CONCAT_ELU, h, w, c, 0, 0.5f);
        PixelCnnPP model = new PixelCnnPP(be, cfg, 1, false);
        float[] p = model.initialValues(21);
        be.upload(p, 0, model.params().values(), 0, p.length);
        SplittableRandom rng = new SplittableRandom(h * 31 + c);
        float[] x = new float[h * w * c];
        for (int i = 0; i < x.length; i++) x[i] = (float) (2 * rng.nextDouble() - 1);
        be.upload(x, 0, model.input().value, 0, x.length);
        if (dataInit) model.dataDependentInit(1);
        model.forward(Pass.eval());
        float[] base = download(model);
        int pcount = (int) model.output().size() / (h * w);
        int[][] positions = {{0, 0}, {h / 2, w / 2}, {h - 1, 0}, {h / 3, w - 1}, {h - 1, w - 2}};
        for (int[] pos : positions) {
            float[] x2 = x.clone();
            for (int k = 0; k < c; k++) x2[(pos[0] * w + pos[1]) * c + k] = -x2[(pos[0] * w + pos[1]) * c + k] * 0.5f + 0.3f;
            be.upload(x2, 0, model.input().value, 0, x2.length);
            model.forward(Pass.eval());
            float[] out = download(model);
            int changedPos = pos[0] * w + pos[1];
            boolean laterChanged = false;
            for (int r = 0; r < h * w; r++)
                for (int k = 0; k < pcount; k++) {
                    int idx = r * pcount + k;
                    if (r <= changedPos)
                        assertEquals(Float.floatToRawIntBits(base[idx]), Float.floatToRawIntBits(out[idx]),
                                "output at raster position " + r + " changed when pixel " + changedPos + " changed");
                    else if (out[idx] != base[idx]) laterChanged = true;
                }
            if (changedPos < h * w - 1) assertTrue(laterChanged, "no later output depends on pixel " + changedPos);
        }
    }

    private static float[] download(PixelCnnPP m) {
        float[] o = new float[(int) m.output().size()];
        be.download(m.output().value, 0, o, 0, o.length);
        return o;
    }
}
