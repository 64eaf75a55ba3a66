package org.pixelcnn.model;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.ConvGeom;
import org.pixelcnn.backend.DropoutMask;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.model.layers.Conv2d;
import org.pixelcnn.model.layers.Deconv2d;
import org.pixelcnn.model.layers.Dense;
import org.pixelcnn.model.layers.GatedResnet;
import org.pixelcnn.model.layers.Nonlinearity;

import java.util.List;

/**
 * Every layer alone against the float64 oracle: forward output, and gradients of every parameter
 * tensor and input against central finite differences.
 */
class LayerGradCheckTest {
    static CpuBackend be;

    @BeforeAll
    static void up() {
        be = new CpuBackend(2);
    }

    @AfterAll
    static void down() {
        be.close();
    }

    private static Activation act(int n, int h, int w, int c) {
        return new Activation(be, n, h, w, c, true);
    }

    @ParameterizedTest(name = "down_shifted_conv2d {0}x{1} stride {2} on {3}x{4}x{5}")
    @CsvSource({"2,3,1, 5,6,3", "1,3,1, 4,4,2", "2,3,2, 8,8,3", "2,3,2, 4,8,2"})
    void downShiftedConv2d(int fh, int fw, int s, int h, int w, int cin) {
        ParamStore ps = new ParamStore();
        Activation x = act(2, h, w, cin);
        ConvGeom g = Conv2d.downShifted(2, h, w, cin, 4, fh, fw, s);
        Conv2d layer = new Conv2d(be, ps, g, 1f);
        Activation y = act(2, g.ho(), g.wo(), 4);
        LayerHarness.check(be, "down_shifted_conv2d", ps, List.of(x), y,
                () -> layer.forward(be, x.value, y.value, false), () -> layer.backward(be, x.value, y.grad, x.grad),
                (p, in) -> new RefNet(p, null, 0).downShiftedConv2d(in[0], 4, fh, fw, s), 1);
    }

    @ParameterizedTest(name = "down_right_shifted_conv2d {0}x{1} stride {2} on {3}x{4}x{5}")
    @CsvSource({"2,2,1, 5,6,3", "2,1,1, 4,4,2", "2,2,2, 8,8,3", "2,2,2, 8,4,1"})
    void downRightShiftedConv2d(int fh, int fw, int s, int h, int w, int cin) {
        ParamStore ps = new ParamStore();
        Activation x = act(2, h, w, cin);
        ConvGeom g = Conv2d.downRightShifted(2, h, w, cin, 3, fh, fw, s);
        Conv2d layer = new Conv2d(be, ps, g, 1f);
        Activation y = act(2, g.ho(), g.wo(), 3);
        LayerHarness.check(be, "down_right_shifted_conv2d", ps, List.of(x), y,
                () -> layer.forward(be, x.value, y.value, false), () -> layer.backward(be, x.value, y.grad, x.grad),
                (p, in) -> new RefNet(p, null, 0).downRightShiftedConv2d(in[0], 3, fh, fw, s), 2);
    }

    @ParameterizedTest(name = "down_shifted_deconv2d on {0}x{1}x{2}")
    @CsvSource({"2,2,3", "2,4,2", "4,2,1"})
    void downShiftedDeconv2d(int h, int w, int cin) {
        ParamStore ps = new ParamStore();
        Activation x = act(2, h, w, cin);
        ConvGeom g = Deconv2d.downShifted(2, h, w, cin, 4, 2, 3, 2);
        Deconv2d layer = new Deconv2d(be, ps, g, 1f);
        Activation y = act(2, 2 * h, 2 * w, 4);
        LayerHarness.check(be, "down_shifted_deconv2d", ps, List.of(x), y,
                () -> layer.forward(be, x.value, y.value, false), () -> layer.backward(be, x.value, y.grad, x.grad),
                (p, in) -> new RefNet(p, null, 0).downShiftedDeconv2d(in[0], 4, 2, 3, 2), 3);
    }

    @ParameterizedTest(name = "down_right_shifted_deconv2d on {0}x{1}x{2}")
    @CsvSource({"2,2,3", "4,2,2"})
    void downRightShiftedDeconv2d(int h, int w, int cin) {
        ParamStore ps = new ParamStore();
        Activation x = act(2, h, w, cin);
        ConvGeom g = Deconv2d.downRightShifted(2, h, w, cin, 3, 2, 2, 2);
        Deconv2d layer = new Deconv2d(be, ps, g, 1f);
        Activation y = act(2, 2 * h, 2 * w, 3);
        LayerHarness.check(be, "down_right_shifted_deconv2d", ps, List.of(x), y,
                () -> layer.forward(be, x.value, y.value, false), () -> layer.backward(be, x.value, y.grad, x.grad),
                (p, in) -> new RefNet(p, null, 0).downRightShiftedDeconv2d(in[0], 3, 2, 2, 2), 4);
    }

    @Test
    void ninDense() {
        ParamStore ps = new ParamStore();
        Activation x = act(2, 3, 4, 5);
        Dense layer = new Dense(be, ps, x.rows(), 5, 7, 1f);
        Activation y = act(2, 3, 4, 7);
        LayerHarness.check(be, "nin", ps, List.of(x), y,
                () -> layer.forward(be, x.value, y.value, false), () -> layer.backward(be, x.value, y.grad, x.grad),
                (p, in) -> new RefNet(p, null, 0).nin(in[0], 7), 5);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"concat_elu", "elu", "relu"})
    void nonlinearities(String kind) {
        Nonlinearity f = Nonlinearity.parse(kind);
        Activation x = act(2, 3, 4, 3);
        Activation y = act(2, 3, 4, 3 * f.factor);
        LayerHarness.check(be, kind, new ParamStore(), List.of(x), y,
                () -> f.forward(be, x.value, y.value, x.rows(), 3), () -> f.backward(be, y.value, y.grad, x.grad, x.rows(), 3),
                (p, in) -> RefNet.nonlinearity(kind, in[0]), 6);
    }

    @Test
    void shifts() {
        Activation x = act(2, 3, 4, 2);
        Activation y = act(2, 3, 4, 2);
        LayerHarness.check(be, "down_shift", new ParamStore(), List.of(x), y,
                () -> be.downShiftForward(x.value, y.value, 2, 3, 4, 2), () -> be.downShiftBackward(y.grad, x.grad, 2, 3, 4, 2),
                (p, in) -> RefNet.downShift(in[0]), 7);
        Activation x2 = act(2, 3, 4, 2);
        Activation y2 = act(2, 3, 4, 2);
        LayerHarness.check(be, "right_shift", new ParamStore(), List.of(x2), y2,
                () -> be.rightShiftForward(x2.value, y2.value, 2, 3, 4, 2), () -> be.rightShiftBackward(y2.grad, x2.grad, 2, 3, 4, 2),
                (p, in) -> RefNet.rightShift(in[0]), 8);
    }

    @Test
    void concatAndSum() {
        Activation a = act(2, 2, 3, 2), b = act(2, 2, 3, 3), y = act(2, 2, 3, 5);
        LayerHarness.check(be, "concat", new ParamStore(), List.of(a, b), y,
                () -> be.concatChannelsForward(a.value, 2, b.value, 3, y.value, a.rows()),
                () -> be.concatChannelsBackward(y.grad, a.grad, 2, b.grad, 3, a.rows()),
                (p, in) -> RefNet.concat(in[0], in[1]), 9);
        Activation c = act(2, 2, 3, 2), d = act(2, 2, 3, 2), s = act(2, 2, 3, 2);
        LayerHarness.check(be, "sum", new ParamStore(), List.of(c, d), s,
                () -> be.add(c.value, d.value, s.value),
                () -> {
                    be.axpy(1f, s.grad, c.grad);
                    be.axpy(1f, s.grad, d.grad);
                },
                (p, in) -> RefNet.add(in[0], in[1]), 10);
    }

    @Test
    void dropoutWithFixedMask() {
        long key = DropoutMask.key(9, 4, 1, 2);
        float p = 0.5f;
        Activation x = act(2, 4, 4, 3), y = act(2, 4, 4, 3);
        LayerHarness.check(be, "dropout", new ParamStore(), List.of(x), y,
                () -> be.dropoutForward(x.value, y.value, p, key), () -> be.dropoutBackward(y.grad, x.grad, p, key),
                (prm, in) -> {
                    RefNet.T o = new RefNet.T(2, 4, 4, 3);
                    for (int i = 0; i < o.d.length; i++) o.d[i] = DropoutMask.keep(key, i, p) ? in[0].d[i] / (1 - p) : 0;
                    return o;
                }, 11);
    }

    @ParameterizedTest(name = "gated_resnet {0} a={1} h={2} {3} dropout={4}")
    @CsvSource({
            "DOWN, false, false, concat_elu, 0.0",
            "DOWN_RIGHT, true, false, concat_elu, 0.0",
            "DOWN, true, true, concat_elu, 0.5",
            "DOWN_RIGHT, true, true, elu, 0.3",
            "DOWN, false, true, relu, 0.0",
    })
    void gatedResnet(GatedResnet.Stream stream, boolean withA, boolean withH, String nl, float p) {
        ParamStore ps = new ParamStore();
        int n = 2, h = 4, w = 4, f = 3, classes = 3;
        Activation x = act(n, h, w, f);
        Activation a = withA ? act(n, h, w, 2 * f) : null;
        Buf hb = null;
        double[][] hd = null;
        if (withH) {
            hb = be.alloc((long) n * classes);
            float[] oh = new float[n * classes];
            hd = new double[n][classes];
            for (int b = 0; b < n; b++) {
                oh[b * classes + (b + 1) % classes] = 1;
                hd[b][(b + 1) % classes] = 1;
            }
            be.upload(oh, 0, hb, 0, oh.length);
        }
        Pass pass = p > 0 ? Pass.train(3, 7, 0) : Pass.eval();
        GatedResnet block = new GatedResnet(be, ps, stream, x, a, hb, classes, Nonlinearity.parse(nl), p, 0, true);
        double[][] hh = hd;
        LayerHarness.check(be, "gated_resnet", ps, withA ? List.of(x, a) : List.of(x), block.out,
                () -> block.forward(be, pass), () -> block.backward(be, pass),
                (prm, in) -> new RefNet(prm, p > 0 ? new long[]{3, 7, 0} : null, p)
                        .gatedResnet(in[0], withA ? in[1] : null, hh, nl, stream == GatedResnet.Stream.DOWN), 12);
    }
}
