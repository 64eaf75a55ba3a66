package org.pixelcnn.model;

import org.pixelcnn.backend.Backend;

import java.util.SplittableRandom;

/**
 * A small model on a backend with random (not just initial) parameters, random inputs in [-1, 1],
 * random labels; and the float64 oracle of the same function, for tests.
 */
final class ModelFixture {
    final Backend be;
    final ModelConfig cfg;
    final PixelCnnPP model;
    final float[] params;
    final float[] x;
    final int[] labels;
    final int n;

    ModelFixture(Backend be, ModelConfig cfg, int n, long seed) {
        this.be = be;
        this.cfg = cfg;
        this.n = n;
        this.model = new PixelCnnPP(be, cfg, n, true);
        SplittableRandom rng = new SplittableRandom(seed);
        params = model.initialValues(seed);
        for (Param p : model.params().params()) {
            for (int i = 0; i < p.size; i++) {
                int k = (int) (p.offset + i);
                if (p.init == Param.Init.ONES) params[k] = (float) (0.6 + 0.8 * rng.nextDouble());
                else if (p.init == Param.Init.ZEROS) params[k] = (float) (0.2 * (rng.nextDouble() - 0.5));
                else params[k] *= 4; // V ~ N(0, 0.2^2): a less flat network
            }
        }
        be.upload(params, 0, model.params().values(), 0, params.length);
        x = new float[(int) model.input().size()];
        for (int i = 0; i < x.length; i++) x[i] = (float) (2 * rng.nextDouble() - 1);
        be.upload(x, 0, model.input().value, 0, x.length);
        labels = new int[n];
        if (cfg.numClasses() > 0) {
            float[] h = new float[n * cfg.numClasses()];
            for (int b = 0; b < n; b++) {
                labels[b] = rng.nextInt(cfg.numClasses());
                h[b * cfg.numClasses() + labels[b]] = 1f;
            }
            be.upload(h, 0, model.classes(), 0, h.length);
        }
    }

    double[][] oneHot() {
        if (cfg.numClasses() == 0) return null;
        double[][] h = new double[n][cfg.numClasses()];
        for (int b = 0; b < n; b++) h[b][labels[b]] = 1;
        return h;
    }

    /** The oracle's output for parameters theta[0, P) and input theta[P, P + |x|). */
    RefNet.T reference(double[] theta, Pass pass) {
        long pTotal = model.params().total();
        RefNet ref = new RefNet(name -> {
            Param p = model.params().get(name);
            double[] v = new double[(int) p.size];
            System.arraycopy(theta, (int) p.offset, v, 0, v.length);
            return v;
        }, pass.dropout() ? new long[]{pass.seed(), pass.step(), pass.replica()} : null, cfg.dropoutP());
        double[] xd = new double[x.length];
        System.arraycopy(theta, (int) pTotal, xd, 0, x.length);
        RefNet.T xt = new RefNet.T(n, cfg.height(), cfg.width(), cfg.channels(), xd);
        return ref.model(xt, oneHot(), cfg.nrResnet(), cfg.nrFilters(), cfg.nrLogisticMix(), cfg.nonlinearity().flag());
    }

    /** Parameters then input, as float64. */
    double[] theta() {
        double[] t = new double[params.length + x.length];
        for (int i = 0; i < params.length; i++) t[i] = params[i];
        for (int i = 0; i < x.length; i++) t[params.length + i] = x[i];
        return t;
    }

    float[] output() {
        float[] o = new float[(int) model.output().size()];
        be.download(model.output().value, 0, o, 0, o.length);
        return o;
    }
}
