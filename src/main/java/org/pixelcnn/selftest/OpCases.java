package org.pixelcnn.selftest;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.ConvGeom;
import org.pixelcnn.selftest.Parity.Case;
import org.pixelcnn.selftest.Parity.OpCase;
import org.pixelcnn.selftest.Parity.T;
import org.pixelcnn.model.layers.Conv2d;
import org.pixelcnn.model.layers.Deconv2d;
import org.pixelcnn.backend.AdamPolyak;

/**
 * The table of Backend operation cases, forward and backward, for one {@link Shapes}: every method of
 * {@link Backend} at the sizes the model uses them (rows = n*h*w, f filters, 2f after concat_elu), the
 * convolutions of every kind the model makes (plus, for odd shapes, geometries that exercise cuDNN
 * cropping and explicit padding), the cached sampler's window gathers over the same geometries, all four
 * GEMM transposes, and the likelihood and sampler.
 */
public final class OpCases {
    private final List<OpCase> cases = new ArrayList<>();
    private final Shapes s;

    private OpCases(Shapes s) {
        this.s = s;
    }

    /** All cases for these shapes. */
    public static List<OpCase> all(Shapes s) {
        OpCases t = new OpCases(s);
        t.memory();
        t.algebra();
        t.convolutions();
        t.windows();
        t.weightNorm();
        t.pointwise();
        t.layout();
        t.likelihoodAndOptimiser();
        return t.cases;
    }

    private void add(String op, String shape, Function<Case, Consumer<Backend>> body) {
        cases.add(new OpCase(op, s.label() + " " + shape, body));
    }

    private void memory() {
        long r = s.rows(), n = r * s.f();
        add("fill", "[" + n + "]", c -> { T y = c.out(n); return be -> be.fill(y.on(be), 0.375f); });
        add("copy", "[" + n + "]", c -> { T x = c.in(n), y = c.out(n); return be -> be.copy(x.on(be), y.on(be)); });
        add("axpy", "[" + n + "]", c -> { T x = c.in(n), y = c.acc(n); return be -> be.axpy(-0.7f, x.on(be), y.on(be)); });
        add("add", "[" + n + "]", c -> { T a = c.in(n), b = c.in(n), y = c.out(n); return be -> be.add(a.on(be), b.on(be), y.on(be)); });
        int m = (int) Math.min(n, 100_003);
        add("upload+download", "[" + m + "] at offsets", c -> {
            T y = c.out(m);
            float[] src = c.host(m + 7);
            return be -> {
                be.upload(src, 7, y.on(be), 0, m);
                float[] back = new float[m / 2 + 3];
                be.download(y.on(be), 5, back, 3, m / 2);
                double[] d = new double[back.length];
                for (int i = 0; i < d.length; i++) d[i] = back[i];
                c.scalars(be, d);
            };
        });
    }

    private void algebra() {
        int r = Math.toIntExact(s.rows()), f = s.f(), k = s.classes();
        gemm(false, false, r, f, 2 * f, 0f);      // nin forward
        gemm(true, false, 2 * f, f, r, 1f);       // nin dV
        gemm(false, true, r, 2 * f, f, 1f);       // nin dx
        gemm(true, true, f, 7, 13, 0f);
        gemm(false, false, s.n(), 2 * f, k, 0f);  // class-conditional projection h hw
        gemm(true, false, k, 2 * f, s.n(), 1f);   // its dhw
    }

    private void gemm(boolean ta, boolean tb, int m, int n, int k, float beta) {
        add("gemm " + (ta ? "T" : "N") + (tb ? "T" : "N") + (beta == 0 ? "" : " beta=1"), "m=" + m + " n=" + n + " k=" + k, c -> {
            T a = c.in((long) m * k), b = c.in((long) k * n), y = beta == 0 ? c.out((long) m * n) : c.acc((long) m * n);
            return be -> be.gemm(ta, tb, m, n, k, 0.9f, a.on(be), b.on(be), beta, y.on(be));
        });
    }

    /** The convolution geometries the model makes at these shapes, plus special ones for odd shapes. */
    List<ConvGeom> geometries() {
        int n = s.n(), h = s.h(), w = s.w(), f = s.f(), c1 = s.channels() + 1;
        List<ConvGeom> g = new ArrayList<>(List.of(
                Conv2d.downShifted(n, h, w, c1, f, 2, 3, 1),
                Conv2d.downShifted(n, h, w, c1, f, 1, 3, 1),
                Conv2d.downRightShifted(n, h, w, c1, f, 2, 1, 1),
                Conv2d.downShifted(n, h, w, 2 * f, 2 * f, 2, 3, 1),
                Conv2d.downRightShifted(n, h, w, 2 * f, f, 2, 2, 1),
                Conv2d.downShifted(n, h, w, f, f, 2, 3, 2),
                Conv2d.downRightShifted(n, h, w, f, f, 2, 2, 2),
                Deconv2d.downShifted(n, (h + 1) / 2, (w + 1) / 2, f, f, 2, 3, 2),
                Deconv2d.downRightShifted(n, (h + 1) / 2, (w + 1) / 2, f, f, 2, 2, 2)));
        if (!s.equals(Shapes.DEFAULT)) {
            g.add(new ConvGeom(2, 5, 6, 3, 5, 6, 4, 3, 3, 1, 0, 0));  // padBottom, padRight > 0 = top, left: explicit padding
            g.add(new ConvGeom(2, 6, 7, 3, 3, 3, 5, 2, 3, 2, 1, 2));  // cuDNN grid larger than y: crop / extend
            g.add(new ConvGeom(1, 4, 4, 2, 4, 5, 3, 2, 2, 1, 0, 1));  // rows padded explicitly, columns cropped
        }
        return g;
    }

    private static String geom(ConvGeom g) {
        return String.format("%dx%dx%dx%d->%dx%dx%d f%dx%d s%d p%d,%d", g.n(), g.h(), g.w(), g.cin(), g.ho(), g.wo(), g.cout(),
                g.fh(), g.fw(), g.stride(), g.padTop(), g.padLeft());
    }

    private void convolutions() {
        for (ConvGeom g : geometries()) {
            add("convForward+bias", geom(g), c -> {
                T x = c.in(g.inSize()), w = c.in(g.weightSize(), -0.3, 0.3), b = c.in(g.cout()), y = c.out(g.outSize());
                return be -> be.convForward(g, x.on(be), w.on(be), b.on(be), y.on(be));
            });
            add("convBackwardData", geom(g), c -> {
                T dy = c.in(g.outSize()), w = c.in(g.weightSize(), -0.3, 0.3), dx = c.acc(g.inSize());
                return be -> be.convBackwardData(g, dy.on(be), w.on(be), dx.on(be));
            });
            add("convBackwardFilter", geom(g), c -> {
                T x = c.in(g.inSize()), dy = c.in(g.outSize()), dw = c.acc(g.weightSize());
                return be -> be.convBackwardFilter(g, x.on(be), dy.on(be), dw.on(be));
            });
        }
        ConvGeom g = geometries().get(0);
        add("convForward (no bias)", geom(g), c -> {
            T x = c.in(g.inSize()), w = c.in(g.weightSize(), -0.3, 0.3), y = c.out(g.outSize());
            return be -> be.convForward(g, x.on(be), w.on(be), null, y.on(be));
        });
    }

    /**
     * The cached sampler's gathers for every geometry, over position-major caches [h, w, n, c]: a run that
     * crosses a row end, a single position, and every position; the transposed gather over the same
     * geometries (as the deconvs use it), the per-tap weight transpose, and the small GEMMs of one position.
     */
    private void windows() {
        for (ConvGeom g : geometries()) {
            int outPositions = g.ho() * g.wo(), inPositions = g.h() * g.w();
            int[][] runs = {{Math.min(outPositions - 1, g.wo() / 2), Math.min(g.wo() + 1, outPositions - Math.min(outPositions - 1, g.wo() / 2))},
                    {outPositions - 1, 1}, {0, outPositions}};
            for (int[] r : runs) {
                long k = (long) g.fh() * g.fw() * g.cin();
                add("gatherWindows", geom(g) + " at " + r[0] + "+" + r[1], c -> {
                    T x = c.in(g.inSize()), col = c.out(r[1] * g.n() * k);
                    return be -> be.gatherWindows(g, x.on(be), r[0], r[1], col.on(be));
                });
            }
            int[][] tRuns = {{Math.min(inPositions - 1, g.w() / 2), Math.min(g.w() + 1, inPositions - Math.min(inPositions - 1, g.w() / 2))},
                    {0, inPositions}};
            for (int[] r : tRuns) {
                long k = (long) g.fh() * g.fw() * g.cout();
                add("gatherWindowsTransposed", geom(g) + " at " + r[0] + "+" + r[1], c -> {
                    T x = c.in(g.outSize()), col = c.out(r[1] * g.n() * k);
                    return be -> be.gatherWindowsTransposed(g, x.on(be), r[0], r[1], col.on(be));
                });
            }
            add("transposeTaps", geom(g), c -> {
                T w = c.in(g.weightSize()), wt = c.out(g.weightSize());
                return be -> be.transposeTaps(w.on(be), wt.on(be), g.fh() * g.fw(), g.cin(), g.cout());
            });
        }
        int f = s.f();
        gemm(false, false, s.n(), 2 * f, 6 * 2 * f, 0f);   // a 2x3 convolution 2f -> 2f at one position of the batch
        gemm(false, false, s.n() * s.w(), f, 6 * 2 * f, 0f); // ... and over one row
    }

    private void weightNorm() {
        int f = s.f();
        int[][] shapes = {{2 * 3 * 2 * f, f, 1}, {2 * 3, f, f}, {2 * f, 10 * s.nrMix(), 1}};  // conv, deconv, dense
        String[] names = {"conv", "deconv", "dense"};
        for (int i = 0; i < shapes.length; i++) {
            int outer = shapes[i][0], ch = shapes[i][1], inner = shapes[i][2];
            long size = (long) outer * ch * inner;
            String shape = names[i] + " outer=" + outer + " ch=" + ch + " inner=" + inner;
            add("weightNormForward", shape, c -> {
                T v = c.in(size), g = c.in(ch, 0.5, 1.5), w = c.out(size), norm = c.out(ch);
                return be -> be.weightNormForward(v.on(be), g.on(be), w.on(be), norm.on(be), outer, ch, inner);
            });
            add("weightNormBackward", shape, c -> {
                T v = c.in(size), g = c.in(ch, 0.5, 1.5), norm = c.in(ch, 0.5, 2), dw = c.in(size), dv = c.acc(size), dg = c.acc(ch);
                return be -> be.weightNormBackward(v.on(be), g.on(be), norm.on(be), dw.on(be), dv.on(be), dg.on(be), outer, ch, inner);
            });
        }
        long r = s.rows();
        int f2 = 2 * f;
        add("channelMoments", "rows=" + r + " c=" + f2, c -> {
            T y = c.in(r * f2, -1, 3), mean = c.out(f2), var = c.out(f2);
            return be -> be.channelMoments(y.on(be), r, f2, mean.on(be), var.on(be));
        });
        add("addBias", "rows=" + r + " c=" + f2, c -> {
            T y = c.acc(r * f2), b = c.in(f2);
            return be -> be.addBias(y.on(be), b.on(be), r, f2);
        });
        add("biasBackward", "rows=" + r + " c=" + f2, c -> {
            T dy = c.in(r * f2), db = c.acc(f2);
            return be -> be.biasBackward(dy.on(be), r, f2, db.on(be));
        });
    }

    private void pointwise() {
        long r = s.rows();
        int f = s.f();
        long n = r * f;
        String shape = "rows=" + r + " c=" + f;
        add("concatEluForward", shape, c -> { T x = c.in(n, -3, 3), y = c.out(2 * n); return be -> be.concatEluForward(x.on(be), y.on(be), r, f); });
        add("concatEluBackward", shape, c -> {
            T y = c.in(2 * n, -1, 3), dy = c.in(2 * n), dx = c.acc(n);
            return be -> be.concatEluBackward(y.on(be), dy.on(be), dx.on(be), r, f);
        });
        add("eluForward", shape, c -> { T x = c.in(n, -3, 3), y = c.out(n); return be -> be.eluForward(x.on(be), y.on(be)); });
        add("eluBackward", shape, c -> { T y = c.in(n, -1, 3), dy = c.in(n), dx = c.acc(n); return be -> be.eluBackward(y.on(be), dy.on(be), dx.on(be)); });
        add("reluForward", shape, c -> { T x = c.in(n), y = c.out(n); return be -> be.reluForward(x.on(be), y.on(be)); });
        add("reluBackward", shape, c -> { T y = c.in(n), dy = c.in(n), dx = c.acc(n); return be -> be.reluBackward(y.on(be), dy.on(be), dx.on(be)); });
        add("gateForward", shape, c -> {
            T x = c.in(n), c2 = c.in(2 * n, -4, 4), out = c.out(n);
            return be -> be.gateForward(x.on(be), c2.on(be), out.on(be), r, f);
        });
        add("gateBackward", shape, c -> {
            T c2 = c.in(2 * n, -4, 4), dout = c.in(n), dx = c.acc(n), dc2 = c.out(2 * n);
            return be -> be.gateBackward(c2.on(be), dout.on(be), dx.on(be), dc2.on(be), r, f);
        });
        long key = 0xDEADBEEFCAFEF00DL; // negative as a Java long: the hash must treat it as unsigned
        add("dropoutForward p=0.5", shape, c -> { T x = c.in(n), y = c.out(n); return be -> be.dropoutForward(x.on(be), y.on(be), 0.5f, key); });
        add("dropoutBackward p=0.3", shape, c -> { T dy = c.in(n), dx = c.acc(n); return be -> be.dropoutBackward(dy.on(be), dx.on(be), 0.3f, key + 1); });
    }

    private void layout() {
        int n = s.n(), h = s.h(), w = s.w(), f = s.f();
        long r = s.rows(), size = r * f;
        String shape = n + "x" + h + "x" + w + "x" + f;
        add("downShiftForward", shape, c -> { T x = c.in(size), y = c.out(size); return be -> be.downShiftForward(x.on(be), y.on(be), n, h, w, f); });
        add("downShiftBackward", shape, c -> { T dy = c.in(size), dx = c.acc(size); return be -> be.downShiftBackward(dy.on(be), dx.on(be), n, h, w, f); });
        add("rightShiftForward", shape, c -> { T x = c.in(size), y = c.out(size); return be -> be.rightShiftForward(x.on(be), y.on(be), n, h, w, f); });
        add("rightShiftBackward", shape, c -> { T dy = c.in(size), dx = c.acc(size); return be -> be.rightShiftBackward(dy.on(be), dx.on(be), n, h, w, f); });
        int cb = 2 * f;
        add("concatChannelsForward", shape + " + " + cb, c -> {
            T a = c.in(size), b = c.in(r * cb), y = c.out(r * (f + cb));
            return be -> be.concatChannelsForward(a.on(be), f, b.on(be), cb, y.on(be), r);
        });
        int ci = s.channels();
        add("concatChannelsForward ones", n + "x" + h + "x" + w + "x" + ci + " + 1", c -> {
            T a = c.in(r * ci), y = c.out(r * (ci + 1));
            return be -> be.concatChannelsForward(a.on(be), ci, null, 1, y.on(be), r);
        });
        add("concatChannelsBackward", shape + " + " + cb, c -> {
            T dy = c.in(r * (f + cb)), da = c.acc(size), db = c.acc(r * cb);
            return be -> be.concatChannelsBackward(dy.on(be), da.on(be), f, db.on(be), cb, r);
        });
        add("concatChannelsBackward db=null", n + "x" + h + "x" + w + "x" + ci + " + 1", c -> {
            T dy = c.in(r * (ci + 1)), da = c.acc(r * ci);
            return be -> be.concatChannelsBackward(dy.on(be), da.on(be), ci, null, 1, r);
        });
        long px = (long) h * w;
        int f2 = 2 * f;
        add("addPerImage", n + "x" + px + "x" + f2, c -> {
            T y = c.acc(n * px * f2), v = c.in((long) n * f2);
            return be -> be.addPerImage(y.on(be), v.on(be), n, px, f2);
        });
        add("sumPerImage", n + "x" + px + "x" + f2, c -> {
            T dy = c.in(n * px * f2), out = c.out((long) n * f2);
            return be -> be.sumPerImage(dy.on(be), out.on(be), n, px, f2);
        });
    }

    private void likelihoodAndOptimiser() {
        int n = s.n(), h = s.h(), w = s.w(), ch = s.channels(), m = s.nrMix();
        int p = (ch == 3 ? 10 : 3) * m;
        long pixels = (long) n * h * w;
        String shape = n + "x" + h + "x" + w + "x" + ch + " M=" + m;
        add("mixLogisticLoss", shape, c -> {
            T l = c.in(pixels * p, -2, 2), dl = c.out(pixels * p);
            T x = c.in(pixels * ch, rng -> (rng.nextInt(256) - 127.5) / 127.5);
            return be -> {
                double[] per = new double[n];
                double nats = be.mixLogisticLoss(l.on(be), x.on(be), dl.on(be), 0.5f, per, n, h, w, ch, m);
                double[] all = new double[n + 1];
                all[0] = nats;
                System.arraycopy(per, 0, all, 1, n);
                c.scalars(be, all);
            };
        });
        add("mixLogisticSubpixelNll", shape, c -> {
            T l = c.in(pixels * p, -2, 2), out = c.out(pixels * ch);
            T x = c.in(pixels * ch, rng -> (rng.nextInt(256) - 127.5) / 127.5);
            return be -> be.mixLogisticSubpixelNll(l.on(be), x.on(be), out.on(be), n, h, w, ch, m);
        });
        int row = h / 2, col = w - 1;
        add("mixLogisticSample", shape + " at " + row + "," + col, c -> {
            T l = c.in(pixels * p, -2, 2), uMix = c.in((long) n * m, 1e-5, 1 - 1e-5), u = c.in((long) n * ch, 1e-5, 1 - 1e-5);
            T x = c.acc(pixels * ch);
            return be -> be.mixLogisticSample(l.on(be), uMix.on(be), u.on(be), x.on(be), n, h, w, ch, m, row, col);
        });
        long np = pixels * s.f() / 4 + 17;
        AdamPolyak.Scalars sc = new AdamPolyak(AdamPolyak.DEFAULT_POLYAK_DECAY).scalars(3, 1e-3);
        long nsq = pixels * s.f() / 2 + 333; // a length with a tail past the 1024-column view
        add("sumSquares", "[" + nsq + "]", c -> {
            T g = c.in(nsq);
            return be -> c.scalars(be, be.sumSquares(g.on(be)));
        });
        add("adamPolyak", "[" + np + "] step 3", c -> {
            T prm = c.acc(np), g = c.in(np), mm = c.acc(np), v = c.in(np, 0, 0.01), ema = c.acc(np);
            c.compare(v);
            return be -> be.adamPolyak(sc, prm.on(be), g.on(be), mm.on(be), v.on(be), ema.on(be));
        });
    }
}
