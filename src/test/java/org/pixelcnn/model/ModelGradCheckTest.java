package org.pixelcnn.model;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.model.layers.Nonlinearity;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole model against the float64 oracle {@link RefNet}: forward outputs, then every parameter
 * tensor's and the input's gradient of L = sum(l * R) (R random) against central finite differences
 * of the oracle, for C = 1 and 3, with and without class conditioning, dropout on with a fixed mask.
 */
class ModelGradCheckTest {
    static CpuBackend be;

    @BeforeAll
    static void up() {
        be = new CpuBackend(2);
    }

    @AfterAll
    static void down() {
        be.close();
    }

    @ParameterizedTest(name = "C={0} R={1} F={2} M={3} {4} {5}x{6} classes={7} dropout={8}")
    @CsvSource({
            "3, 1, 4, 2, concat_elu, 8, 8, 0, 0.0",
            "1, 1, 4, 2, concat_elu, 8, 4, 3, 0.5",
            "3, 1, 3, 1, elu, 4, 8, 2, 0.0",
            "1, 0, 3, 2, relu, 8, 8, 0, 0.3",
    })
    void gradientsMatchFiniteDifferences(int c, int r, int f, int m, String nl, int h, int w, int classes, float p) {
        ModelConfig cfg = new ModelConfig(r, f, m, Nonlinearity.parse(nl), h, w, c, classes, p);
        ModelFixture fx = new ModelFixture(be, cfg, 2, 11);
        Pass pass = p > 0 ? Pass.train(5, 3, 0) : Pass.eval();
        PixelCnnPP model = fx.model;
        model.forward(pass);
        float[] out = fx.output();

        double[] theta = fx.theta();
        RefNet.T ref = fx.reference(theta, pass);
        double maxAbs = 0, maxErr = 0;
        for (int i = 0; i < out.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(ref.d[i]));
            maxErr = Math.max(maxErr, Math.abs(ref.d[i] - out[i]));
        }
        assertTrue(maxErr <= 1e-5 * maxAbs + 1e-6, "forward differs from oracle: max err " + maxErr + " of max " + maxAbs);

        SplittableRandom rng = new SplittableRandom(3);
        float[] rproj = new float[out.length];
        for (int i = 0; i < rproj.length; i++) rproj[i] = (float) (2 * rng.nextDouble() - 1);
        be.upload(rproj, 0, model.output().grad, 0, rproj.length);
        be.fill(model.params().grads(), 0f);
        model.backward(pass);

        int pTotal = (int) model.params().total();
        double[] grad = new double[theta.length];
        float[] gp = new float[pTotal], gx = new float[fx.x.length];
        be.download(model.params().grads(), 0, gp, 0, pTotal);
        be.download(model.input().grad, 0, gx, 0, gx.length);
        for (int i = 0; i < pTotal; i++) grad[i] = gp[i];
        for (int i = 0; i < gx.length; i++) grad[pTotal + i] = gx[i];

        GradCheck check = new GradCheck(t -> {
            RefNet.T o = fx.reference(t, pass);
            double s = 0;
            for (int i = 0; i < o.d.length; i++) s += o.d[i] * rproj[i];
            return s;
        }, theta, 1e-5, 1e-3);
        for (Param prm : model.params().params())
            check.check(new GradCheck.Segment(prm.name, (int) prm.offset, (int) prm.size), grad, 2, rng);
        check.check(new GradCheck.Segment("input x", pTotal, gx.length), grad, 4, rng);
        System.out.printf("model grad check %s: worst rel err %.2e at %s%n", cfg, check.worst(), check.worstWhere());
        check.assertOk(cfg.toString());
    }
}
