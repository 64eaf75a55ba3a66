package org.pixelcnn.selftest;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.selftest.Parity.Result;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.Param;
import org.pixelcnn.model.Pass;
import org.pixelcnn.model.PixelCnnPP;
import org.pixelcnn.backend.AdamPolyak;

/**
 * Whole-model comparisons of a backend under test against the reference backend, with the same
 * parameters and inputs on both: data-dependent init, a training forward (dropout on), a backward from a
 * random output gradient (every parameter gradient and the input gradient), the likelihood and its
 * gradient, and three training steps (forward, loss, backward, Adam + Polyak); plus the autoregressive
 * property on the backend under test alone (as org.pixelcnn.model.CausalityTest on the CPU).
 */
public final class ModelParity {
    private final Backend ref, dut;
    private final long seed;
    private final StickyGuard guard;

    public ModelParity(Backend ref, Backend dut, long seed) {
        this(ref, dut, seed, StickyGuard.never());
    }

    /** @param guard told about every failure; once it has stopped, no further check runs */
    public ModelParity(Backend ref, Backend dut, long seed, StickyGuard guard) {
        this.ref = ref;
        this.dut = dut;
        this.seed = seed;
        this.guard = guard;
    }

    /** A model on both backends with identical random parameters, input and classes. */
    private final class Pair {
        final PixelCnnPP r, d;
        final ModelConfig cfg;
        final float[] params, x;

        Pair(ModelConfig cfg, int batch) {
            this.cfg = cfg;
            r = new PixelCnnPP(ref, cfg, batch, true);
            d = new PixelCnnPP(dut, cfg, batch, true);
            SplittableRandom rng = new SplittableRandom(seed);
            params = r.initialValues(seed);
            for (Param p : r.params().params())
                for (long i = 0; i < p.size; i++) {
                    int k = (int) (p.offset + i);
                    if (p.init == Param.Init.ONES) params[k] = (float) (0.6 + 0.8 * rng.nextDouble());
                    else if (p.init == Param.Init.ZEROS) params[k] = (float) (0.2 * (rng.nextDouble() - 0.5));
                    else params[k] *= 4;
                }
            x = new float[(int) r.input().size()];
            for (int i = 0; i < x.length; i++) x[i] = (float) ((rng.nextInt(256) - 127.5) / 127.5);
            setParams(params);
            upload(x, r.input().value, d.input().value);
            if (cfg.numClasses() > 0) {
                float[] h = new float[batch * cfg.numClasses()];
                for (int b = 0; b < batch; b++) h[b * cfg.numClasses() + rng.nextInt(cfg.numClasses())] = 1f;
                upload(h, r.classes(), d.classes());
            }
        }

        void setParams(float[] p) {
            upload(p, r.params().values(), d.params().values());
        }

        void upload(float[] v, Buf onRef, Buf onDut) {
            ref.upload(v, 0, onRef, 0, v.length);
            dut.upload(v, 0, onDut, 0, v.length);
        }

        double compare(Buf onRef, Buf onDut) {
            int n = Math.toIntExact(onRef.size());
            float[] a = new float[n], b = new float[n];
            ref.download(onRef, 0, a, 0, n);
            dut.download(onDut, 0, b, 0, n);
            return Parity.relativeError(a, b);
        }

        double loss(PixelCnnPP m, Backend be, double[] perImage) {
            int n = m.batch;
            return be.mixLogisticLoss(m.output().value, m.input().value, m.output().grad, 1f, perImage, n, cfg.height(), cfg.width(),
                    cfg.channels(), cfg.nrLogisticMix());
        }
    }

    /** All whole-model comparisons for one configuration (none once the guard has stopped the run). */
    public List<Result> compare(ModelConfig cfg, int batch, double bound) {
        List<Result> out = new ArrayList<>();
        if (guard.stopped()) return out;
        long refMark = Parity.mark(ref), dutMark = Parity.mark(dut);
        String shape = String.format("%dx%dx%dx%d r%d f%d M%d %s K%d", batch, cfg.height(), cfg.width(), cfg.channels(), cfg.nrResnet(),
                cfg.nrFilters(), cfg.nrLogisticMix(), cfg.nonlinearity().flag(), cfg.numClasses());
        try {
            Pair p = new Pair(cfg, batch);
            guard.check(out, "model dataDependentInit", shape, bound, () -> {
                p.r.dataDependentInit(seed);
                p.d.dataDependentInit(seed);
                return p.compare(p.r.params().values(), p.d.params().values());
            });
            p.setParams(p.params);
            Pass pass = Pass.train(seed, 1, 0);
            guard.check(out, "model forward (train)", shape, bound, () -> {
                p.r.forward(pass);
                p.d.forward(pass);
                return p.compare(p.r.output().value, p.d.output().value);
            });
            guard.check(out, "model backward", shape, bound, () -> {
                float[] g = new float[(int) p.r.output().size()];
                SplittableRandom rng = new SplittableRandom(seed + 7);
                for (int i = 0; i < g.length; i++) g[i] = (float) (rng.nextDouble() - 0.5);
                p.upload(g, p.r.output().grad, p.d.output().grad);
                ref.fill(p.r.params().grads(), 0f);
                dut.fill(p.d.params().grads(), 0f);
                p.r.backward(pass);
                p.d.backward(pass);
                return Math.max(p.compare(p.r.params().grads(), p.d.params().grads()), p.compare(p.r.input().grad, p.d.input().grad));
            });
            guard.check(out, "model loss + dloss/dl", shape, bound, () -> {
                double[] pr = new double[batch], pd = new double[batch];
                double lr = p.loss(p.r, ref, pr), ld = p.loss(p.d, dut, pd);
                double e = Parity.relativeError(new double[]{lr}, new double[]{ld});
                return Math.max(Math.max(e, Parity.relativeError(pr, pd)), p.compare(p.r.output().grad, p.d.output().grad));
            });
            guard.check(out, "model 3 training steps", shape, bound, () -> train(p, batch));
        } catch (RuntimeException | Error e) {
            guard.failed(e);
            out.add(new Result("model setup", shape, Double.NaN, bound, Parity.describe(e)));
        } finally {
            Parity.release(ref, refMark);
            Parity.release(dut, dutMark);
        }
        return out;
    }

    /** Three steps of forward, loss, backward, Adam + Polyak on both; the worst error of losses, parameters and averages. */
    private double train(Pair p, int batch) {
        p.setParams(p.params);
        long n = p.r.params().total();
        Buf[] stR = {ref.alloc(n), ref.alloc(n), ref.alloc(n)}, stD = {dut.alloc(n), dut.alloc(n), dut.alloc(n)};
        ref.copy(p.r.params().values(), stR[2]);
        dut.copy(p.d.params().values(), stD[2]);
        AdamPolyak adam = new AdamPolyak(AdamPolyak.DEFAULT_POLYAK_DECAY);
        double[] lossR = new double[3], lossD = new double[3];
        for (int step = 1; step <= 3; step++) {
            Pass pass = Pass.train(seed, step, 0);
            AdamPolyak.Scalars s = adam.scalars(step, 2e-3);
            lossR[step - 1] = step(p.r, ref, pass, s, stR, p, batch);
            lossD[step - 1] = step(p.d, dut, pass, s, stD, p, batch);
        }
        double e = Parity.relativeError(lossR, lossD);
        e = Math.max(e, p.compare(p.r.params().values(), p.d.params().values()));
        return Math.max(e, p.compare(stR[2], stD[2]));
    }

    private static double step(PixelCnnPP m, Backend be, Pass pass, AdamPolyak.Scalars s, Buf[] st, Pair p, int batch) {
        m.forward(pass);
        double nats = p.loss(m, be, null);
        be.fill(m.params().grads(), 0f);
        m.backward(pass);
        be.adamPolyak(s, m.params().values(), m.params().grads(), st[0], st[1], st[2]);
        return nats;
    }

    /**
     * The autoregressive property on the backend under test: changing input pixel (i, j) leaves every
     * output at raster positions up to (i, j) bit-for-bit unchanged and changes some later one.
     *
     * @return a result whose error is the number of violations (bound 0); null when the guard has stopped the run
     */
    public Result causality(ModelConfig cfg) {
        if (guard.stopped()) return null;
        String shape = String.format("1x%dx%dx%d r%d f%d", cfg.height(), cfg.width(), cfg.channels(), cfg.nrResnet(), cfg.nrFilters());
        long mark = Parity.mark(dut);
        try {
            PixelCnnPP m = new PixelCnnPP(dut, cfg, 1, false);
            float[] prm = m.initialValues(seed + 21);
            dut.upload(prm, 0, m.params().values(), 0, prm.length);
            int h = cfg.height(), w = cfg.width(), c = cfg.channels();
            SplittableRandom rng = new SplittableRandom(seed + 3);
            float[] x = new float[h * w * c];
            for (int i = 0; i < x.length; i++) x[i] = (float) (2 * rng.nextDouble() - 1);
            float[] base = eval(m, x);
            int per = base.length / (h * w);
            int[][] positions = {{0, 0}, {h / 2, w / 2}, {h - 1, 0}, {h / 3, w - 1}, {h - 1, w - 2}};
            int violations = 0;
            for (int[] pos : positions) {
                float[] x2 = x.clone();
                int at = pos[0] * w + pos[1];
                for (int k = 0; k < c; k++) x2[at * c + k] = -x2[at * c + k] * 0.5f + 0.3f;
                float[] o = eval(m, x2);
                boolean later = false;
                for (int r = 0; r < h * w; r++)
                    for (int k = 0; k < per; k++) {
                        int idx = r * per + k;
                        if (r <= at && Float.floatToRawIntBits(o[idx]) != Float.floatToRawIntBits(base[idx])) violations++;
                        else if (r > at && o[idx] != base[idx]) later = true;
                    }
                if (at < h * w - 1 && !later) violations++;
            }
            return new Result("causality (dut only)", shape, violations, 0, null);
        } catch (RuntimeException | Error e) {
            guard.failed(e);
            return new Result("causality (dut only)", shape, Double.NaN, 0, Parity.describe(e));
        } finally {
            Parity.release(dut, mark);
        }
    }

    private float[] eval(PixelCnnPP m, float[] x) {
        dut.upload(x, 0, m.input().value, 0, x.length);
        m.forward(Pass.eval());
        float[] o = new float[(int) m.output().size()];
        dut.download(m.output().value, 0, o, 0, o.length);
        return o;
    }
}
