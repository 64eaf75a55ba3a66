package org.pixelcnn.sample;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.data.PixelScaling;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.PathTolerance;
import org.pixelcnn.model.PixelCnnPP;
import org.pixelcnn.model.layers.Nonlinearity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cached sampler ({@link CachedSampler}) against a teacher-forced full pass and against the naive
 * sampler ({@link Sampler}), on small data-initialised models: the mixture parameters it computes before
 * sampling each position equal those of one full forward pass over the final images within
 * {@link PathTolerance} (its products have other shapes, so not bit for bit), for C = 1 and 3,
 * unconditional and class-conditional, square and non-square images whose half and quarter resolutions
 * are even and odd (the model requires H and W divisible by 4), batch 1 and more, all three
 * nonlinearities, nr_resnet 0, 1 and 2; each activation is computed once; a prefix is kept.
 */
class CachedSamplerTest {
    static CpuBackend be;

    @BeforeAll
    static void up() {
        be = new CpuBackend(2);
    }

    @AfterAll
    static void down() {
        be.close();
    }

    private static ModelConfig cfg(int c, int classes, int h, int w, int r, String f) {
        return new ModelConfig(r, 8, 2, Nonlinearity.parse(f), h, w, c, classes, 0.5f);
    }

    /** A model of batch 1 with the fixture's parameters: the cached sampler reads only graph and parameters. */
    private static PixelCnnPP batchOneCopy(SampleFixture fx) {
        PixelCnnPP one = new PixelCnnPP(be, fx.cfg, 1, false);
        be.copy(fx.model.params().values(), one.params().values());
        return one;
    }

    @ParameterizedTest(name = "C={0} K={1} {2}x{3} batch {4} nr_resnet {5} {6}")
    @CsvSource({
            "1, 0, 8, 8, 1, 1, concat_elu",
            "1, 0, 8, 8, 2, 0, concat_elu",
            "3, 0, 8, 12, 2, 1, concat_elu",
            "3, 4, 12, 8, 3, 1, concat_elu",
            "1, 3, 4, 4, 2, 2, elu",
            "3, 0, 16, 16, 1, 2, relu",
            "3, 10, 12, 12, 2, 1, concat_elu"})
    void mixtureParametersEqualTeacherForcing(int c, int classes, int h, int w, int n, int r, String f) {
        ModelConfig cfg = cfg(c, classes, h, w, r, f);
        SampleFixture fx = new SampleFixture(be, cfg, n, 3);
        int positions = h * w, pc = cfg.outputChannels();
        float[][] seen = new float[positions][];
        CachedSampler sampler = new CachedSampler(be, batchOneCopy(fx), n).observe((pos, l) -> {
            assertNull(seen[pos], "position " + pos + " sampled twice");
            seen[pos] = SampleFixture.download(be, l);
        });
        int[] labels = fx.cycleLabels(n);
        byte[] images = sampler.sample(11, labels);
        float[] x = sampler.lastImages();
        for (int i = 0; i < x.length; i++) assertEquals(PixelScaling.toPixel(x[i]), images[i], "pixel " + i);

        float[] teacher = fx.teacherForced(x, labels);
        double worst = 0;
        for (int pos = 0; pos < positions; pos++) {
            assertNotNull(seen[pos], "position " + pos + " never sampled");
            for (int i = 0; i < n; i++) {
                float[] want = SampleFixture.at(teacher, i, pos, positions, pc);
                float[] got = java.util.Arrays.copyOfRange(seen[pos], i * pc, (i + 1) * pc);
                PathTolerance.assertClose(want, got, "mixture parameters of image " + i + " at position " + pos);
                worst = Math.max(worst, PathTolerance.maxError(want, got));
            }
        }
        assertTrue(worst > 0 || n == 1, "different products should round differently somewhere (worst " + worst + ")");
    }

    /**
     * Same seed, same draws: the naive and the cached sampler give the same pixels but where the float32
     * difference between their mixture parameters moves a sample across a pixel boundary. Bound: the samples
     * differ by at most about 1e-5 relative (PathTolerance; observed ~1e-7), so a sub-pixel lands in another
     * level with probability at most 2 * 127.5 * 1e-5 = 2.6e-3: at most about 4 of the 1536 sub-pixels here
     * (16x16x3, 2 images). We allow 8, each off by exactly one level, and every float sample within 1e-4 of
     * the other's: a different draw (another uniform, another mixture component) moves a sample by a
     * logistic scale, 1e-2 or more, so it would fail both.
     */
    @Test
    void cachedAndNaiveDrawTheSamePixels() {
        int n = 2;
        ModelConfig cfg = cfg(3, 0, 16, 16, 1, "concat_elu");
        SampleFixture fx = new SampleFixture(be, cfg, n, 5);
        CachedSampler cached = new CachedSampler(be, fx.model, n);
        byte[] a = cached.sample(2024, null);
        float[] xa = cached.lastImages();
        Sampler naive = new Sampler(be, fx.model);
        byte[] b = naive.sample(2024, null);
        float[] xb = SampleFixture.download(be, fx.model.input().value);
        int differing = 0;
        for (int i = 0; i < a.length; i++) {
            assertEquals(xb[i], xa[i], 1e-4, "float sample " + i);
            int d = Math.abs((a[i] & 0xff) - (b[i] & 0xff));
            assertTrue(d <= 1, "sub-pixel " + i + ": " + (a[i] & 0xff) + " vs " + (b[i] & 0xff));
            differing += d;
        }
        assertTrue(differing <= 8, differing + " of " + a.length + " sub-pixels differ");
        assertTrue(new java.util.HashSet<>(java.util.Arrays.asList(box(a))).size() > 50, "the images are sampled, not constant");
    }

    private static Byte[] box(byte[] a) {
        Byte[] o = new Byte[a.length];
        for (int i = 0; i < a.length; i++) o[i] = a[i];
        return o;
    }

    /** Same seed twice: the same images bit for bit (the caches are reset between batches). */
    @Test
    void sameSeedSameImagesAcrossBatches() {
        ModelConfig cfg = cfg(1, 0, 8, 8, 1, "concat_elu");
        SampleFixture fx = new SampleFixture(be, cfg, 2, 8);
        CachedSampler s = new CachedSampler(be, fx.model, 2);
        byte[] first = s.sample(7, null);
        byte[] other = s.sample(8, null);
        assertTrue(!java.util.Arrays.equals(first, other), "another seed gives other images");
        assertArrayEquals(first, s.sample(7, null));
    }

    /**
     * Image completion: the kept rows come back bit for bit, the first sampled position uses the mixture
     * parameters of a teacher-forced pass over the prefix (whatever the images hold after it), every later
     * one those of a pass over the completed images.
     */
    @ParameterizedTest(name = "C={0} K={1} rows {2}")
    @CsvSource({"3, 0, 3", "1, 4, 5", "3, 0, 0"})
    void prefixIsKeptAndConditionsTheCompletion(int c, int classes, int rows) {
        int n = 2, h = 8, w = 8, positions = h * w;
        ModelConfig cfg = cfg(c, classes, h, w, 1, "concat_elu");
        SampleFixture fx = new SampleFixture(be, cfg, n, 9);
        byte[] real = SampleFixture.images(n, h, w, c, 40);
        int start = rows * w;
        float[][] seen = new float[positions][];
        CachedSampler sampler = new CachedSampler(be, fx.model, n).observe((pos, l) -> seen[pos] = SampleFixture.download(be, l));
        int[] labels = fx.cycleLabels(n);
        byte[] done = sampler.complete(real, start, 5, labels);
        int per = positions * c;
        int changed = 0;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < per; k++) {
                int at = i * per + k;
                if (k < start * c) assertEquals(real[at], done[at], "kept pixel " + at);
                else if (real[at] != done[at]) changed++;
            }
        assertTrue(changed > (positions - start) * c * n / 2, "the rest is sampled: " + changed + " sub-pixels changed");
        for (int pos = 0; pos < start; pos++) assertNull(seen[pos], "kept position " + pos + " was sampled");

        int outputs = cfg.outputChannels();
        float[] teacherPrefix = fx.teacherForced(PixelScaling.toUnit(real), labels);
        float[] teacherFinal = fx.teacherForced(sampler.lastImages(), labels);
        for (int i = 0; i < n; i++) {
            float[] got = java.util.Arrays.copyOfRange(seen[start], i * outputs, (i + 1) * outputs);
            PathTolerance.assertClose(SampleFixture.at(teacherPrefix, i, start, positions, outputs), got, "first sampled position, image " + i);
            for (int pos = start; pos < positions; pos++)
                PathTolerance.assertClose(SampleFixture.at(teacherFinal, i, pos, positions, outputs),
                        java.util.Arrays.copyOfRange(seen[pos], i * outputs, (i + 1) * outputs), "position " + pos + ", image " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> sampler.complete(new byte[3], 0, 1, labels));
        assertThrows(IllegalArgumentException.class, () -> sampler.complete(real, positions + 1, 1, labels));
    }

    /**
     * Each activation once: every operation computes each of its positions at most once (its count equals
     * its frontier), all of them except those no output reads (the last row before a down_shift, the last
     * position before a right_shift, the last pixel), and the multiply-adds of the whole batch are one forward pass's,
     * not H*W of them (within 10%: the transposed convolutions gather every tap, zeros included).
     */
    @Test
    void everyActivationIsComputedOnceAndTheWorkIsOneForwardPass() {
        int n = 3;
        ModelConfig cfg = cfg(3, 5, 16, 12, 2, "concat_elu");
        SampleFixture fx = new SampleFixture(be, cfg, n, 12);
        CachedSampler sampler = new CachedSampler(be, fx.model, n);
        for (int round = 0; round < 2; round++) {
            sampler.sample(round, fx.cycleLabels(n));
            long macs = 0;
            int partial = 0;
            for (CachedOp op : sampler.ops()) {
                assertEquals(op.out.done, op.computed, op.name + ": positions computed vs its frontier");
                int missing = op.out.positions() - op.out.done;
                assertTrue(missing == 0 || missing <= op.out.w, op.name + ": " + missing + " positions never computed");
                if (missing > 0) partial++;
                macs += op.computed * op.macsPerPosition;
            }
            // x_pad (its last position is never read: it is the last pixel) and the three first convolutions, under a down_shift
            // (the last row) or a right_shift (the last position)
            assertTrue(partial <= 4, partial + " operations stop short");
            double ratio = macs / (double) (fx.model.macsPerImage() * n);
            assertTrue(ratio > 0.9 && ratio < 1.1, "multiply-adds of the cached batch / one forward pass: " + ratio);
        }
    }

    @Test
    void badLabelsAreRefused() {
        ModelConfig cfg = cfg(1, 3, 4, 4, 1, "concat_elu");
        SampleFixture fx = new SampleFixture(be, cfg, 1, 1);
        CachedSampler s = new CachedSampler(be, fx.model, 2);
        assertThrows(IllegalArgumentException.class, () -> s.sample(1, null));
        assertThrows(IllegalArgumentException.class, () -> s.sample(1, new int[]{0, 3}));
    }
}
