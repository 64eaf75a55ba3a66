package org.pixelcnn.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pixelcnn.backend.ConvGeom;
import org.pixelcnn.model.layers.Conv2d;
import org.pixelcnn.model.layers.Deconv2d;

/**
 * The mapping of an asymmetric-padding {@link ConvGeom} onto cuDNN's symmetric padding ({@link ConvPlan}),
 * checked by emulation in float64: cuDNN's semantics (symmetric zero padding padH/padW, stride) applied to
 * the explicitly padded input, with the output cropped (forward) or the gradient zero-extended (backward),
 * must equal the ConvGeom definition for forward, backward data and backward filter, on every geometry the
 * model makes and on random ones.
 */
class ConvPlanTest {

    /** The geometries of the model at a few image sizes and filter counts. */
    static List<ConvGeom> modelGeometries() {
        List<ConvGeom> g = new ArrayList<>();
        for (int[] s : new int[][]{{2, 8, 8, 4}, {1, 32, 32, 6}, {3, 12, 16, 5}}) {
            int n = s[0], h = s[1], w = s[2], f = s[3];
            g.add(Conv2d.downShifted(n, h, w, 4, f, 2, 3, 1));
            g.add(Conv2d.downShifted(n, h, w, 4, f, 1, 3, 1));
            g.add(Conv2d.downRightShifted(n, h, w, 4, f, 2, 1, 1));
            g.add(Conv2d.downShifted(n, h, w, 2 * f, f, 2, 3, 1));
            g.add(Conv2d.downRightShifted(n, h, w, 2 * f, 2 * f, 2, 2, 1));
            g.add(Conv2d.downShifted(n, h, w, f, f, 2, 3, 2));
            g.add(Conv2d.downRightShifted(n, h, w, f, f, 2, 2, 2));
            g.add(Deconv2d.downShifted(n, h / 2, w / 2, f, f, 2, 3, 2));
            g.add(Deconv2d.downRightShifted(n, h / 2, w / 2, f, f, 2, 2, 2));
        }
        return g;
    }

    static List<ConvGeom> randomGeometries(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<ConvGeom> g = new ArrayList<>();
        while (g.size() < count) {
            int fh = 1 + r.nextInt(3), fw = 1 + r.nextInt(3), s = 1 + r.nextInt(2);
            int h = 1 + r.nextInt(7), w = 1 + r.nextInt(7), pt = r.nextInt(fh), pl = r.nextInt(fw);
            int hoMax = (pt + h - 1) / s + 1, woMax = (pl + w - 1) / s + 1;
            int ho = 1 + r.nextInt(hoMax), wo = 1 + r.nextInt(woMax);
            g.add(new ConvGeom(1 + r.nextInt(2), h, w, 1 + r.nextInt(3), ho, wo, 1 + r.nextInt(3), fh, fw, s, pt, pl));
        }
        return g;
    }

    @Test
    void modelConvolutionsNeedNoExplicitPadding() {
        for (ConvGeom g : modelGeometries()) {
            ConvPlan p = ConvPlan.of(g);
            assertFalse(p.padsInput(), "model geometry " + g + " should run on cuDNN's own padding");
            assertEquals(g.padTop(), p.padH());
            assertEquals(g.padLeft(), p.padW());
        }
    }

    @Test
    void randomGeometriesCoverEveryPlanKind() {
        boolean pads = false, crops = false, direct = false;
        for (ConvGeom g : randomGeometries(400, 5)) {
            ConvPlan p = ConvPlan.of(g);
            pads |= p.padsInput();
            crops |= p.cropsOutput();
            direct |= !p.padsInput() && !p.cropsOutput();
        }
        assertTrue(pads && crops && direct, "random geometries must exercise padding, cropping and the direct path");
    }

    @Test
    void planReproducesTheConvolutionOnModelAndRandomGeometries() {
        List<ConvGeom> all = new ArrayList<>(modelGeometries());
        all.addAll(randomGeometries(400, 11));
        SplittableRandom rng = new SplittableRandom(3);
        for (ConvGeom g : all) {
            double[] x = rand(g.inSize(), rng), w = rand(g.weightSize(), rng), dy = rand(g.outSize(), rng);
            assertClose(direct(g, x, w), viaPlan(g, x, w), g + " forward");
            assertClose(directBackwardData(g, dy, w), viaPlanBackwardData(g, dy, w), g + " backward data");
            assertClose(directBackwardFilter(g, x, dy), viaPlanBackwardFilter(g, x, dy), g + " backward filter");
        }
    }

    private static double[] rand(long n, SplittableRandom r) {
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) v[i] = 2 * r.nextDouble() - 1;
        return v;
    }

    private static void assertClose(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what + ": size");
        for (int i = 0; i < want.length; i++)
            assertEquals(want[i], got[i], 1e-12 * (1 + Math.abs(want[i])), what + ": element " + i);
    }

    // ------------------------------------------------------------ ConvGeom's definition (NHWC, HWIO)

    private static double xAt(ConvGeom g, double[] x, int n, int r, int q, int c) {
        return r < 0 || r >= g.h() || q < 0 || q >= g.w() ? 0 : x[((n * g.h() + r) * g.w() + q) * g.cin() + c];
    }

    static double[] direct(ConvGeom g, double[] x, double[] w) {
        double[] y = new double[Math.toIntExact(g.outSize())];
        for (int n = 0; n < g.n(); n++) for (int i = 0; i < g.ho(); i++) for (int j = 0; j < g.wo(); j++) for (int co = 0; co < g.cout(); co++) {
            double s = 0;
            for (int di = 0; di < g.fh(); di++) for (int dj = 0; dj < g.fw(); dj++) for (int ci = 0; ci < g.cin(); ci++)
                s += xAt(g, x, n, i * g.stride() + di - g.padTop(), j * g.stride() + dj - g.padLeft(), ci)
                        * w[((di * g.fw() + dj) * g.cin() + ci) * g.cout() + co];
            y[((n * g.ho() + i) * g.wo() + j) * g.cout() + co] = s;
        }
        return y;
    }

    static double[] directBackwardData(ConvGeom g, double[] dy, double[] w) {
        double[] dx = new double[Math.toIntExact(g.inSize())];
        for (int n = 0; n < g.n(); n++) for (int i = 0; i < g.ho(); i++) for (int j = 0; j < g.wo(); j++) for (int co = 0; co < g.cout(); co++)
            for (int di = 0; di < g.fh(); di++) for (int dj = 0; dj < g.fw(); dj++) {
                int r = i * g.stride() + di - g.padTop(), q = j * g.stride() + dj - g.padLeft();
                if (r < 0 || r >= g.h() || q < 0 || q >= g.w()) continue;
                for (int ci = 0; ci < g.cin(); ci++)
                    dx[((n * g.h() + r) * g.w() + q) * g.cin() + ci] += dy[((n * g.ho() + i) * g.wo() + j) * g.cout() + co]
                            * w[((di * g.fw() + dj) * g.cin() + ci) * g.cout() + co];
            }
        return dx;
    }

    static double[] directBackwardFilter(ConvGeom g, double[] x, double[] dy) {
        double[] dw = new double[Math.toIntExact(g.weightSize())];
        for (int n = 0; n < g.n(); n++) for (int i = 0; i < g.ho(); i++) for (int j = 0; j < g.wo(); j++) for (int co = 0; co < g.cout(); co++)
            for (int di = 0; di < g.fh(); di++) for (int dj = 0; dj < g.fw(); dj++) for (int ci = 0; ci < g.cin(); ci++)
                dw[((di * g.fw() + dj) * g.cin() + ci) * g.cout() + co] += xAt(g, x, n, i * g.stride() + di - g.padTop(),
                        j * g.stride() + dj - g.padLeft(), ci) * dy[((n * g.ho() + i) * g.wo() + j) * g.cout() + co];
        return dw;
    }

    // ------------------------------------------------------------ the plan: pad / extend / crop around cuDNN semantics

    /** A geometry as cuDNN sees it: input he x we, output grid hoC x woC, symmetric pads as top/left. */
    private static ConvGeom cudnnView(ConvPlan p) {
        ConvGeom g = p.g();
        return new ConvGeom(g.n(), p.he(), p.we(), g.cin(), p.hoC(), p.woC(), g.cout(), g.fh(), g.fw(), g.stride(), p.padH(), p.padW());
    }

    /** pad_nhwc: [n,h,w,c] into [n,he,we,c] at (top, left), zeros elsewhere. */
    private static double[] pad(double[] x, int n, int h, int w, int c, int he, int we, int top, int left) {
        double[] o = new double[n * he * we * c];
        for (int b = 0; b < n; b++) for (int r = 0; r < h; r++) for (int q = 0; q < w; q++) for (int k = 0; k < c; k++)
            o[((b * he + r + top) * we + q + left) * c + k] = x[((b * h + r) * w + q) * c + k];
        return o;
    }

    /** crop_nhwc: [n,he,we,c] at (top, left) to [n,h,w,c]. */
    private static double[] crop(double[] xe, int n, int h, int w, int c, int he, int we, int top, int left) {
        double[] o = new double[n * h * w * c];
        for (int b = 0; b < n; b++) for (int r = 0; r < h; r++) for (int q = 0; q < w; q++) for (int k = 0; k < c; k++)
            o[((b * h + r) * w + q) * c + k] = xe[((b * he + r + top) * we + q + left) * c + k];
        return o;
    }

    static double[] viaPlan(ConvGeom g, double[] x, double[] w) {
        ConvPlan p = ConvPlan.of(g);
        double[] xe = pad(x, g.n(), g.h(), g.w(), g.cin(), p.he(), p.we(), p.extraTop(), p.extraLeft());
        double[] yc = direct(cudnnView(p), xe, w);
        return crop(yc, g.n(), g.ho(), g.wo(), g.cout(), p.hoC(), p.woC(), 0, 0);
    }

    static double[] viaPlanBackwardData(ConvGeom g, double[] dy, double[] w) {
        ConvPlan p = ConvPlan.of(g);
        double[] dyc = pad(dy, g.n(), g.ho(), g.wo(), g.cout(), p.hoC(), p.woC(), 0, 0);
        double[] dxe = directBackwardData(cudnnView(p), dyc, w);
        return crop(dxe, g.n(), g.h(), g.w(), g.cin(), p.he(), p.we(), p.extraTop(), p.extraLeft());
    }

    static double[] viaPlanBackwardFilter(ConvGeom g, double[] x, double[] dy) {
        ConvPlan p = ConvPlan.of(g);
        double[] xe = pad(x, g.n(), g.h(), g.w(), g.cin(), p.he(), p.we(), p.extraTop(), p.extraLeft());
        double[] dyc = pad(dy, g.n(), g.ho(), g.wo(), g.cout(), p.hoC(), p.woC(), 0, 0);
        return directBackwardFilter(cudnnView(p), xe, dyc);
    }
}
