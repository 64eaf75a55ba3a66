package org.pixelcnn.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pixelcnn.backend.ConvGeom;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.model.layers.Deconv2d;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data-dependent init of the shifted deconvolutions normalises what nn.deconv2d normalises: the full
 * transposed-convolution output, before down_shifted_deconv2d / down_right_shifted_deconv2d crop it.
 * After init, the float64 oracle's UNCROPPED output (nn.deconv2d with the new g and b) has mean 0 and
 * std 1 per channel; the cropped output the next layer sees does not (its last row is bias only).
 */
class DeconvInitTest {

    @ParameterizedTest(name = "down_right={0}")
    @ValueSource(booleans = {false, true})
    void momentsAreTakenBeforeTheCrop(boolean downRight) {
        try (CpuBackend be = new CpuBackend(2)) {
            int n = 4, h = 4, w = 4, cin = 3, cout = 2, fw = downRight ? 2 : 3;
            ParamStore ps = new ParamStore();
            ConvGeom g = downRight ? Deconv2d.downRightShifted(n, h, w, cin, cout, 2, 2, 2) : Deconv2d.downShifted(n, h, w, cin, cout, 2, 3, 2);
            Deconv2d layer = new Deconv2d(be, ps, g, 1f);
            ps.allocate(be, false);
            float[] p = ps.initialValues(3);
            be.upload(p, 0, ps.values(), 0, p.length);
            SplittableRandom rng = new SplittableRandom(5);
            float[] x = new float[n * h * w * cin];
            for (int i = 0; i < x.length; i++) x[i] = (float) (2 * rng.nextDouble() - 1);
            var xb = be.alloc(x.length);
            var y = be.alloc(g.inSize());
            be.upload(x, 0, xb, 0, x.length);
            layer.forward(be, xb, y, true);
            float[] after = new float[p.length];
            be.download(ps.values(), 0, after, 0, after.length);
            RefNet ref = new RefNet(name -> {
                Param q = ps.get(name);
                double[] v = new double[(int) q.size];
                for (int i = 0; i < v.length; i++) v[i] = after[(int) q.offset + i];
                return v;
            }, null, 0);
            double[] xd = new double[x.length];
            for (int i = 0; i < x.length; i++) xd[i] = x[i];
            RefNet.T full = ref.deconv2d(new RefNet.T(n, h, w, cin, xd), cout, 2, fw, 2);
            assertEquals(2 * h + 1, full.h);
            for (int c = 0; c < cout; c++) {
                double s = 0, s2 = 0;
                int rows = full.n * full.h * full.w;
                for (int r = 0; r < rows; r++) {
                    double v = full.d[r * cout + c];
                    s += v;
                    s2 += v * v;
                }
                double mean = s / rows, std = Math.sqrt(s2 / rows - mean * mean);
                assertTrue(Math.abs(mean) < 1e-4, "channel " + c + " mean of the uncropped output " + mean);
                assertEquals(1.0, std, 1e-4, "channel " + c + " std of the uncropped output");
            }
        }
    }
}
