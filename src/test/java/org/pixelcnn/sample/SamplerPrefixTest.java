package org.pixelcnn.sample;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.data.Fixtures;
import org.pixelcnn.data.PixelScaling;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.Pass;
import org.pixelcnn.model.PathTolerance;
import org.pixelcnn.model.PixelCnnPP;
import org.pixelcnn.model.layers.Nonlinearity;

import java.awt.image.BufferedImage;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Completing real images from a prefix ({@link Sampler#continueFrom}): the prefix is left as given, what
 * the input held after it does not matter (only its own samples do), and the mixture parameters the
 * sampler saw at each sampled position equal those of one teacher-forced forward pass over the final
 * images (the network is causal, so the output at position p depends only on positions before p, which
 * had their final values when p was sampled). The sampler runs networks cropped to the top rows, whose
 * products have other shapes than the full network's: the two agree within {@link PathTolerance}, not
 * bit for bit. Refilling the input after the prefix changes nothing, bit for bit (same networks, same
 * shapes, only inputs that causality keeps out of the sampled positions). Data-initialised tiny models, gray and
 * RGB, unconditional and class-conditional.
 */
class SamplerPrefixTest {
    static CpuBackend be;

    @BeforeAll
    static void up() {
        be = new CpuBackend(2);
    }

    @AfterAll
    static void down() {
        be.close();
    }

    /** Two real-looking images (Fixtures' test images) as NHWC pixels. */
    private static byte[] images(int n, int h, int w, int c) {
        byte[] px = new byte[n * h * w * c];
        for (int i = 0; i < n; i++) {
            BufferedImage img = c == 3 ? Fixtures.rgbImage(10 + i, h, w) : Fixtures.grayImage(10 + i, h, w);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int k = 0; k < c; k++) px[((i * h + y) * w + x) * c + k] = (byte) img.getRaster().getSample(x, y, k);
                }
            }
        }
        return px;
    }

    private static float[] download(org.pixelcnn.backend.Buf b) {
        float[] a = new float[(int) b.size()];
        be.download(b, 0, a, 0, a.length);
        return a;
    }

    @ParameterizedTest(name = "C={0} classes={1} start={2}")
    @CsvSource({"1,0,21", "3,0,35", "3,4,9"})
    void prefixKeptAndOutputsMatchTeacherForcing(int c, int classes, int start) {
        int n = 2, h = 8, w = 8;
        ModelConfig cfg = new ModelConfig(1, 8, 2, Nonlinearity.CONCAT_ELU, h, w, c, classes, 0.5f);
        PixelCnnPP model = new PixelCnnPP(be, cfg, n, false);
        float[] p = model.initialValues(4);
        be.upload(p, 0, model.params().values(), 0, p.length);
        byte[] real = images(n, h, w, c);
        float[] x = PixelScaling.toUnit(real);
        int[] labels = classes > 0 ? new int[] {1, classes - 1} : null;
        if (classes > 0) {
            float[] oneHot = new float[n * classes];
            for (int i = 0; i < n; i++) oneHot[i * classes + labels[i]] = 1f;
            be.upload(oneHot, 0, model.classes(), 0, oneHot.length);
        }
        be.upload(x, 0, model.input().value, 0, x.length);
        model.dataDependentInit(2); // realistic scales, from the real images

        int positions = h * w, pc = cfg.outputChannels();
        float[][] seen = new float[positions][];
        Sampler sampler = new Sampler(be, model).observe((pos, l, rows) -> {
            float[] all = download(l);
            float[] at = new float[n * pc];
            assertTrue(rows > pos / w && rows <= h && rows % 4 == 0, "rows " + rows + " for position " + pos);
            for (int i = 0; i < n; i++) System.arraycopy(all, (i * rows * w + pos) * pc, at, i * pc, pc);
            assertTrue(seen[pos] == null, "position " + pos + " sampled twice");
            seen[pos] = at;
        });

        // the input holds the whole real images: the positions from start on must be overwritten by samples
        be.upload(x, 0, model.input().value, 0, x.length);
        byte[] completed = sampler.continueFrom(start, 77, labels);
        float[] finalX = download(model.input().value);
        for (int pos = 0; pos < positions; pos++) assertEquals(pos >= start, seen[pos] != null, "observed position " + pos);

        int per = positions * c;
        int changed = 0;
        for (int i = 0; i < n; i++) {
            for (int pos = 0; pos < positions; pos++) {
                for (int k = 0; k < c; k++) {
                    int at = i * per + pos * c + k;
                    if (pos < start) {
                        assertEquals(x[at], finalX[at], "prefix float at image " + i + " position " + pos);
                        assertEquals(real[at], completed[at], "prefix pixel at image " + i + " position " + pos);
                    } else {
                        assertEquals(PixelScaling.toPixel(finalX[at]), completed[at]);
                        if (completed[at] != real[at]) changed++;
                        assertTrue(finalX[at] >= -1f && finalX[at] <= 1f, "sample in [-1, 1]: " + finalX[at]);
                    }
                }
            }
        }
        assertTrue(changed > (positions - start) * c / 2, "the suffix is sampled, not kept: " + changed + " pixels changed");

        // what was in the input after the prefix does not matter: zeros there give the same completion
        float[] zeroed = x.clone();
        for (int i = 0; i < n; i++) Arrays.fill(zeroed, i * per + start * c, (i + 1) * per, 0f);
        be.upload(zeroed, 0, model.input().value, 0, zeroed.length);
        assertArrayEquals(completed, new Sampler(be, model).continueFrom(start, 77, labels));

        // one teacher-forced pass over the final images sees what the sampler saw at every sampled position
        be.upload(finalX, 0, model.input().value, 0, finalX.length);
        model.forward(Pass.eval());
        float[] teacher = download(model.output().value);
        for (int pos = start; pos < positions; pos++) {
            for (int i = 0; i < n; i++) {
                float[] expect = Arrays.copyOfRange(teacher, (i * positions + pos) * pc, (i * positions + pos + 1) * pc);
                float[] got = Arrays.copyOfRange(seen[pos], i * pc, (i + 1) * pc);
                PathTolerance.assertClose(expect, got, "mixture parameters of image " + i + " at position " + pos);
            }
        }
    }
}
