package org.pixelcnn.model;

import org.pixelcnn.backend.Backend;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs one layer alone on the engine (forward, then backward of L = sum(out * R)) and checks its
 * output and the gradients of every parameter tensor and every input against the float64 oracle.
 */
final class LayerHarness {
    private LayerHarness() {}

    /** The oracle: parameters by name and the inputs to the output. */
    interface Ref extends BiFunction<Function<String, double[]>, RefNet.T[], RefNet.T> {}

    static double check(Backend be, String label, ParamStore ps, List<Activation> inputs, Activation out,
                        Runnable forward, Runnable backward, Ref ref, long seed) {
        ps.allocate(be, true);
        SplittableRandom rng = new SplittableRandom(seed);
        int pTotal = (int) ps.total();
        float[] params = ps.initialValues(seed);
        for (Param p : ps.params())
            for (int i = 0; i < p.size; i++) {
                int k = (int) (p.offset + i);
                if (p.init == Param.Init.ONES) params[k] = (float) (0.6 + 0.8 * rng.nextDouble());
                else if (p.init == Param.Init.ZEROS) params[k] = (float) (0.2 * (rng.nextDouble() - 0.5));
                else params[k] *= 6;
            }
        if (pTotal > 0) be.upload(params, 0, ps.values(), 0, pTotal);
        int total = pTotal;
        for (Activation a : inputs) total += (int) a.size();
        double[] theta = new double[total];
        for (int i = 0; i < pTotal; i++) theta[i] = params[i];
        int off = pTotal;
        for (Activation a : inputs) {
            float[] v = new float[(int) a.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (2 * rng.nextDouble() - 1);
                theta[off + i] = v[i];
            }
            be.upload(v, 0, a.value, 0, v.length);
            off += v.length;
        }
        forward.run();
        float[] o = new float[(int) out.size()];
        be.download(out.value, 0, o, 0, o.length);
        Function<double[], RefNet.T> oracle = t -> ref.apply(name -> {
            Param p = ps.get(name);
            double[] v = new double[(int) p.size];
            System.arraycopy(t, (int) p.offset, v, 0, v.length);
            return v;
        }, split(t, pTotal, inputs));
        RefNet.T r0 = oracle.apply(theta);
        assertTrue(r0.d.length == o.length, label + ": output size " + o.length + " vs oracle " + r0.d.length);
        double maxAbs = 0, maxErr = 0;
        for (int i = 0; i < o.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(r0.d[i]));
            maxErr = Math.max(maxErr, Math.abs(r0.d[i] - o[i]));
        }
        assertTrue(maxErr <= 1e-5 * maxAbs + 1e-6, label + ": forward differs from oracle by " + maxErr + " (max " + maxAbs + ")");

        float[] rp = new float[o.length];
        for (int i = 0; i < rp.length; i++) rp[i] = (float) (2 * rng.nextDouble() - 1);
        be.upload(rp, 0, out.grad, 0, rp.length);
        if (pTotal > 0) be.fill(ps.grads(), 0f);
        for (Activation a : inputs) be.fill(a.grad, 0f);
        backward.run();
        double[] grad = new double[total];
        float[] gp = new float[pTotal];
        if (pTotal > 0) be.download(ps.grads(), 0, gp, 0, pTotal);
        for (int i = 0; i < pTotal; i++) grad[i] = gp[i];
        off = pTotal;
        for (Activation a : inputs) {
            float[] g = new float[(int) a.size()];
            be.download(a.grad, 0, g, 0, g.length);
            for (int i = 0; i < g.length; i++) grad[off + i] = g[i];
            off += g.length;
        }
        GradCheck check = new GradCheck(t -> {
            RefNet.T r = oracle.apply(t);
            double s = 0;
            for (int i = 0; i < r.d.length; i++) s += r.d[i] * rp[i];
            return s;
        }, theta, 1e-5, 1e-3);
        for (Param p : ps.params()) check.check(new GradCheck.Segment(p.name, (int) p.offset, (int) p.size), grad, 6, rng);
        off = pTotal;
        for (int k = 0; k < inputs.size(); k++) {
            check.check(new GradCheck.Segment("input" + k, off, (int) inputs.get(k).size()), grad, 8, rng);
            off += (int) inputs.get(k).size();
        }
        check.assertOk(label);
        return check.worst();
    }

    private static RefNet.T[] split(double[] t, int off, List<Activation> inputs) {
        RefNet.T[] r = new RefNet.T[inputs.size()];
        for (int k = 0; k < r.length; k++) {
            Activation a = inputs.get(k);
            double[] d = new double[(int) a.size()];
            System.arraycopy(t, off, d, 0, d.length);
            off += d.length;
            r[k] = new RefNet.T(a.n, a.h, a.w, a.c, d);
        }
        return r;
    }
}
