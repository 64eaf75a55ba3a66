package org.pixelcnn.selftest;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.Param;
import org.pixelcnn.model.Pass;
import org.pixelcnn.model.PixelCnnPP;
import org.pixelcnn.sample.CachedSampler;
import org.pixelcnn.sample.Sampler;
import org.pixelcnn.selftest.Parity.Result;

/**
 * The cached sampler ({@link CachedSampler}) on the backend under test: the mixture parameters it computes
 * before each position against one teacher-forced full forward pass over its final images, on the backend
 * under test (relative error over all positions, the model bound: different product shapes round
 * differently); and, in fp32, the images it draws against the naive sampler on the backend under test
 * and against the cached sampler on the reference backend, with the same seed: the fraction of
 * sub-pixels more than one level apart (a rounding difference moves a sample by less than a level; a
 * wrong position or weight gives other images). Parameters as {@link ModelParity}: initial values with
 * g, b and V perturbed, the same on both backends.
 */
public final class SamplerParity {
    /** Sub-pixels allowed more than one level apart between two samplers in fp32 (see the class comment). */
    public static final double PIXEL_BOUND = 0.01;

    private final Backend ref, dut;
    private final long seed;
    private final StickyGuard guard;

    /** @param guard told about every failure; once it has stopped the run, no further check runs */
    public SamplerParity(Backend ref, Backend dut, long seed, StickyGuard guard) {
        this.ref = ref;
        this.dut = dut;
        this.seed = seed;
        this.guard = guard;
    }

    /** Checks that never stop (two CPU backends in tests). */
    public SamplerParity(Backend ref, Backend dut, long seed) {
        this(ref, dut, seed, StickyGuard.never());
    }

    /** A model of batch n on be with the parameters of {@link #parameters}. */
    private PixelCnnPP model(Backend be, ModelConfig cfg, int n) {
        PixelCnnPP m = new PixelCnnPP(be, cfg, n, false);
        float[] p = parameters(m);
        be.upload(p, 0, m.params().values(), 0, p.length);
        return m;
    }

    /** Initial values with g in [0.6, 1.4), b in [-0.1, 0.1), V doubled: the same for a seed on every backend. */
    private float[] parameters(PixelCnnPP m) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] p = m.initialValues(seed);
        for (Param q : m.params().params())
            for (long i = 0; i < q.size; i++) {
                int k = (int) (q.offset + i);
                if (q.init == Param.Init.ONES) p[k] = (float) (0.6 + 0.8 * rng.nextDouble());
                else if (q.init == Param.Init.ZEROS) p[k] = (float) (0.2 * (rng.nextDouble() - 0.5));
                else p[k] *= 2;
            }
        return p;
    }

    /**
     * The checks for one configuration and batch.
     *
     * @param modelBound bound of the teacher-forcing comparison (the whole-model bound of the precision)
     * @param pixels     also compare images (fp32 only: in tf32 the rounding differences are large enough
     *                   to change samples, and a changed sample changes everything after it)
     */
    public List<Result> compare(ModelConfig cfg, int n, double modelBound, boolean pixels) {
        List<Result> out = new ArrayList<>();
        if (guard.stopped()) return out;
        long refMark = Parity.mark(ref), dutMark = Parity.mark(dut);
        String shape = String.format("%dx%dx%dx%d r%d f%d M%d K%d", n, cfg.height(), cfg.width(), cfg.channels(), cfg.nrResnet(),
                cfg.nrFilters(), cfg.nrLogisticMix(), cfg.numClasses());
        int[] labels = null;
        if (cfg.numClasses() > 0) {
            labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = (i * 7 + 1) % cfg.numClasses();
        }
        final int[] y = labels;
        try {
            PixelCnnPP d = model(dut, cfg, n);
            CachedSampler cached = new CachedSampler(dut, d, n);
            int positions = cfg.height() * cfg.width(), pc = cfg.outputChannels();
            float[] seen = new float[n * positions * pc];
            cached.observe((pos, l) -> {
                float[] at = new float[n * pc];
                dut.download(l, 0, at, 0, at.length);
                for (int i = 0; i < n; i++) System.arraycopy(at, i * pc, seen, (i * positions + pos) * pc, pc);
            });
            byte[] images = cached.sample(seed + 5, y);
            guard.check(out, "cached sampler vs teacher forcing", shape, modelBound, () -> {
                // teacher forcing on the float samples the sampler conditioned on (their bytes are rounded)
                float[] floats = cached.lastImages();
                dut.upload(floats, 0, d.input().value, 0, floats.length);
                setClasses(dut, d, y);
                d.forward(Pass.eval());
                float[] teacher = new float[(int) d.output().size()];
                dut.download(d.output().value, 0, teacher, 0, teacher.length);
                return Parity.relativeError(teacher, seen);
            });
            if (pixels) {
                guard.check(out, "cached vs naive sampler pixels", shape, PIXEL_BOUND, () -> {
                    cached.observe(null);
                    byte[] naive = new Sampler(dut, d).sample(seed + 5, y);
                    return farApart(images, naive);
                });
                guard.check(out, "cached sampler pixels dut vs ref", shape, PIXEL_BOUND, () -> {
                    PixelCnnPP r = model(ref, cfg, n);
                    return farApart(new CachedSampler(ref, r, n).sample(seed + 5, y), images);
                });
            }
        } catch (RuntimeException | Error e) {
            guard.failed(e);
            out.add(new Result("cached sampler setup", shape, Double.NaN, modelBound, Parity.describe(e)));
        } finally {
            Parity.release(ref, refMark);
            Parity.release(dut, dutMark);
        }
        return out;
    }

    private static void setClasses(Backend be, PixelCnnPP m, int[] labels) {
        if (labels == null) return;
        int k = m.config.numClasses();
        float[] h = new float[m.batch * k];
        for (int i = 0; i < m.batch; i++) h[i * k + labels[i]] = 1f;
        be.upload(h, 0, m.classes(), 0, h.length);
    }

    /** Fraction of sub-pixels more than one level apart. */
    static double farApart(byte[] a, byte[] b) {
        if (a.length != b.length) return Double.NaN;
        int far = 0;
        for (int i = 0; i < a.length; i++) if (Math.abs((a[i] & 0xff) - (b[i] & 0xff)) > 1) far++;
        return far / (double) a.length;
    }
}
