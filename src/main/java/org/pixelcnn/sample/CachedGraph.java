package org.pixelcnn.sample;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.ConvGeom;
import org.pixelcnn.model.Activation;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.Node;
import org.pixelcnn.model.PixelCnnPP;
import org.pixelcnn.model.layers.Conv2d;
import org.pixelcnn.model.layers.Deconv2d;
import org.pixelcnn.model.layers.Dense;
import org.pixelcnn.model.layers.GatedResnet;
import org.pixelcnn.model.layers.Nonlinearity;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model's graph ({@link PixelCnnPP#graph()}) as cached operations for a batch of n images: a
 * {@link PositionCache} per activation and a {@link CachedOp} per node that computes a run of positions
 * with the same backend operations, in the same order, as the node's full forward pass (dropout off):
 * <ul>
 *   <li>convolutions: {@link Backend#gatherWindows} of the cached input, one GEMM with the layer's W
 *       [fh*fw*cin, cout], the bias; transposed convolutions the same with
 *       {@link Backend#gatherWindowsTransposed} and W per tap transposed;</li>
 *   <li>a gated resnet as three operations, because its two convolutions read windows: f(x); c1 = conv1(f(x))
 *       [+ nin(f(a))] then f(c1); c2 = conv2(f(c1)) [+ h hw] and out = x + A sigmoid(B). c1, c2, f(a) and
 *       nin(f(a)) are only read at their own position and live in scratch buffers;</li>
 *   <li>nin, shifts (copies of the cached input shifted by a row or a column), sum, concatenation, elu on
 *       the position blocks directly.</li>
 * </ul>
 * Weights are read from the layers: {@link #prepare} computes W = g V/||V|| once per sampling run (and
 * the class projections h hw), not per position. Everything is allocated here, at set-up.
 */
final class CachedGraph {
    final Backend be;
    final ModelConfig config;
    final int n;
    /** Positions per run of a body: one image row at full resolution. */
    final int chunk;
    final PositionCache image, output;
    final List<CachedOp> ops = new ArrayList<>();
    /** One-hot classes [n, K], or null. */
    final Buf classes;
    private final Map<Activation, PositionCache> caches = new IdentityHashMap<>();
    /** Run once per sampling run, in order: weights, transposed deconv weights, class projections. */
    private final List<Runnable> prepare = new ArrayList<>();
    /** Scratch sizes (floats) found while building; the buffers are allocated at the end. */
    private long colSize = 1, s1Size = 1, s2Size = 1, s3Size = 1;
    private Buf col, s1, s2, s3;
    private int resnets;

    /**
     * @param model the network whose graph, layers and parameters are used (any batch; its activations are not)
     * @param n     images sampled at once
     */
    CachedGraph(Backend be, PixelCnnPP model, int n) {
        this.be = be;
        this.config = model.config;
        this.n = n;
        this.chunk = config.width();
        this.classes = config.numClasses() > 0 ? be.alloc((long) n * config.numClasses()) : null;
        this.image = cache(model.input(), "x");
        for (Node node : model.graph()) add(node);
        this.output = caches.get(model.output());
        if (ops.isEmpty() || ops.get(ops.size() - 1).out != output) throw new IllegalStateException("the graph does not end at the model's output");
        col = be.alloc(colSize);
        s1 = be.alloc(s1Size);
        s2 = be.alloc(s2Size);
        s3 = be.alloc(s3Size);
    }

    /** Computes every layer's W from the current parameters and the class projections of {@link #classes}. */
    void prepare() {
        for (Runnable r : prepare) r.run();
    }

    // ---------------------------------------------------------------- caches and scratch

    private PositionCache cache(Activation a, String name) {
        PositionCache c = caches.get(a);
        if (c == null) {
            c = new PositionCache(be, name, a.h, a.w, n, a.c);
            caches.put(a, c);
        }
        return c;
    }

    private PositionCache cache(Activation a) {
        PositionCache c = caches.get(a);
        if (c == null) throw new IllegalStateException("activation " + a + " is read before any node writes it");
        return c;
    }

    private static Buf head(Buf b, long floats) {
        return b.slice(0, floats);
    }

    private void needCol(long perPosition) {
        colSize = Math.max(colSize, chunk * perPosition);
    }

    private void op(String name, PositionCache out, PositionCache[] in, int[][] reach, long macs, CachedOp.Body body) {
        ops.add(new CachedOp(name, out, in, reach, macs, body));
    }

    // ---------------------------------------------------------------- nodes

    private void add(Node node) {
        int k = ops.size();
        if (node instanceof Node.Resnet r) {
            resnet(r.block());
            return;
        }
        PositionCache out = cache(node.output(), kind(node) + "_" + k);
        if (node instanceof Node.ConcatOnes c) {
            PositionCache x = cache(c.in());
            op(out.name, out, new PositionCache[]{x}, new int[][]{Reach.pointwise(x.h, x.w)}, 0,
                    (p0, m) -> be.concatChannelsForward(x.at(p0, m), x.c, null, 1, out.at(p0, m), (long) m * n));
        } else if (node instanceof Node.Conv c) {
            conv(out, cache(c.in()), c.layer());
        } else if (node instanceof Node.Deconv d) {
            deconv(out, cache(d.in()), d.layer());
        } else if (node instanceof Node.Nin d) {
            PositionCache x = cache(d.in());
            Dense layer = d.layer();
            prepare.add(() -> layer.computeWeight(be));
            op(out.name, out, new PositionCache[]{x}, new int[][]{Reach.pointwise(x.h, x.w)}, (long) n * layer.cin * layer.cout,
                    (p0, m) -> dense(layer, x.at(p0, m), out.at(p0, m), m * n));
        } else if (node instanceof Node.DownShift s) {
            PositionCache x = cache(s.in());
            op(out.name, out, new PositionCache[]{x}, new int[][]{Reach.downShift(x.h, x.w)}, 0, (p0, m) -> downShift(x, out, p0, m));
        } else if (node instanceof Node.RightShift s) {
            PositionCache x = cache(s.in());
            op(out.name, out, new PositionCache[]{x}, new int[][]{Reach.rightShift(x.h, x.w)}, 0, (p0, m) -> rightShift(x, out, p0, m));
        } else if (node instanceof Node.Sum s) {
            PositionCache a = cache(s.a()), b = cache(s.b());
            op(out.name, out, new PositionCache[]{a, b}, new int[][]{Reach.pointwise(a.h, a.w), Reach.pointwise(b.h, b.w)}, 0,
                    (p0, m) -> be.add(a.at(p0, m), b.at(p0, m), out.at(p0, m)));
        } else if (node instanceof Node.Concat s) {
            PositionCache a = cache(s.a()), b = cache(s.b());
            op(out.name, out, new PositionCache[]{a, b}, new int[][]{Reach.pointwise(a.h, a.w), Reach.pointwise(b.h, b.w)}, 0,
                    (p0, m) -> be.concatChannelsForward(a.at(p0, m), a.c, b.at(p0, m), b.c, out.at(p0, m), (long) m * n));
        } else if (node instanceof Node.Elu e) {
            PositionCache x = cache(e.in());
            op(out.name, out, new PositionCache[]{x}, new int[][]{Reach.pointwise(x.h, x.w)}, 0, (p0, m) -> be.eluForward(x.at(p0, m), out.at(p0, m)));
        } else {
            throw new IllegalArgumentException("the cached sampler has no operation for " + node.getClass().getSimpleName());
        }
    }

    private static String kind(Node node) {
        return node.getClass().getSimpleName().toLowerCase();
    }

    /** y [rows, cout] = x [rows, cin] W + b, as Dense.forward. */
    private void dense(Dense layer, Buf x, Buf y, int rows) {
        be.gemm(false, false, rows, layer.cout, layer.cin, 1f, x, layer.weight(), 0f, y);
        be.addBias(y, layer.bias(), rows, layer.cout);
    }

    /** y [m*n, cout] = conv(in, W) + b at positions [p0, p0 + m), as convForward with its bias. */
    private void convRun(ConvGeom g, Conv2d layer, PositionCache in, int p0, int m, Buf y) {
        long k = (long) g.fh() * g.fw() * g.cin();
        Buf c = head(col, m * n * k);
        be.gatherWindows(g, in.buf, p0, m, c);
        be.gemm(false, false, m * n, g.cout(), (int) k, 1f, c, layer.weight(), 0f, y);
        be.addBias(y, layer.bias(), (long) m * n, g.cout());
    }

    private void conv(PositionCache out, PositionCache in, Conv2d layer) {
        ConvGeom g = layer.geom.withBatch(n);
        prepare.add(() -> layer.computeWeight(be));
        needCol((long) n * g.fh() * g.fw() * g.cin());
        op(out.name, out, new PositionCache[]{in}, new int[][]{Reach.window(g)}, (long) n * g.fh() * g.fw() * g.cin() * g.cout(),
                (p0, m) -> convRun(g, layer, in, p0, m, out.at(p0, m)));
    }

    /** The transposed convolution from in [ho, wo] to out [h, w] of the layer's geometry, as Deconv2d.forward. */
    private void deconv(PositionCache out, PositionCache in, Deconv2d layer) {
        ConvGeom g = layer.geom.withBatch(n);
        int taps = g.fh() * g.fw();
        long k = (long) taps * g.cout();
        Buf wt = be.alloc(taps * (long) g.cin() * g.cout());
        prepare.add(() -> {
            layer.computeWeight(be);
            be.transposeTaps(layer.weight(), wt, taps, g.cin(), g.cout());
        });
        needCol(n * k);
        op(out.name, out, new PositionCache[]{in}, new int[][]{Reach.transposed(g)}, n * k * g.cin(), (p0, m) -> {
            Buf c = head(col, m * n * k);
            Buf y = out.at(p0, m);
            be.gatherWindowsTransposed(g, in.buf, p0, m, c);
            be.gemm(false, false, m * n, g.cin(), (int) k, 1f, c, wt, 0f, y);
            be.addBias(y, layer.bias(), (long) m * n, g.cin());
        });
    }

    /**
     * nn.gated_resnet as three operations (GatedResnet.forward with dropout off):
     * fx = f(x); fc1 = f(conv1(fx) [+ nin(f(a))]); out = x + A sigmoid(B), (A, B) = conv2(fc1) [+ h hw].
     */
    private void resnet(GatedResnet block) {
        int id = resnets++;
        Nonlinearity f = block.nonlinearity();
        PositionCache x = cache(block.input()), a = block.aux() == null ? null : cache(block.aux());
        int fch = x.c, kf = f.factor * fch;
        String name = "gated_resnet_" + id;
        PositionCache fx = new PositionCache(be, name + "/f(x)", x.h, x.w, n, kf);
        PositionCache fc1 = new PositionCache(be, name + "/f(c1)", x.h, x.w, n, kf);
        PositionCache out = cache(block.out, name);
        Conv2d conv1 = block.conv1(), conv2 = block.conv2();
        Dense nin = block.nin();
        ConvGeom g1 = conv1.geom.withBatch(n), g2 = conv2.geom.withBatch(n);
        prepare.add(() -> conv1.computeWeight(be));
        if (nin != null) prepare.add(() -> nin.computeWeight(be));
        prepare.add(() -> conv2.computeWeight(be));
        Buf hproj = classes == null ? null : be.alloc((long) n * 2 * fch);
        if (hproj != null)
            prepare.add(() -> be.gemm(false, false, n, 2 * fch, config.numClasses(), 1f, classes, block.classWeights().value(), 0f, hproj));
        needCol((long) n * g1.fh() * g1.fw() * g1.cin());
        needCol((long) n * g2.fh() * g2.fw() * g2.cin());
        s1Size = Math.max(s1Size, (long) chunk * n * 2 * fch);
        if (a != null) {
            s2Size = Math.max(s2Size, (long) chunk * n * f.factor * a.c);
            s3Size = Math.max(s3Size, (long) chunk * n * fch);
        }

        op(fx.name, fx, new PositionCache[]{x}, new int[][]{Reach.pointwise(x.h, x.w)}, 0,
                (p0, m) -> f.forward(be, x.at(p0, m), fx.at(p0, m), (long) m * n, fch));

        PositionCache[] in1 = a == null ? new PositionCache[]{fx} : new PositionCache[]{fx, a};
        int[][] reach1 = a == null ? new int[][]{Reach.window(g1)} : new int[][]{Reach.window(g1), Reach.pointwise(a.h, a.w)};
        long macs1 = (long) n * g1.fh() * g1.fw() * g1.cin() * g1.cout() + (nin == null ? 0 : (long) n * nin.cin * nin.cout);
        op(fc1.name, fc1, in1, reach1, macs1, (p0, m) -> {
            int rows = m * n;
            Buf c1 = head(s1, (long) rows * fch);
            convRun(g1, conv1, fx, p0, m, c1);
            if (a != null) {
                Buf fa = head(s2, (long) rows * f.factor * a.c), na = head(s3, (long) rows * fch);
                f.forward(be, a.at(p0, m), fa, rows, a.c);
                dense(nin, fa, na, rows);
                be.add(c1, na, c1);
            }
            f.forward(be, c1, fc1.at(p0, m), rows, fch);
        });

        op(out.name, out, new PositionCache[]{fc1, x}, new int[][]{Reach.window(g2), Reach.pointwise(x.h, x.w)},
                (long) n * g2.fh() * g2.fw() * g2.cin() * g2.cout(), (p0, m) -> {
                    int rows = m * n;
                    Buf c2 = head(s1, (long) rows * 2 * fch);
                    convRun(g2, conv2, fc1, p0, m, c2);
                    if (hproj != null) be.addBias(c2, hproj, m, n * 2 * fch); // + h hw of each image, at every position
                    be.gateForward(x.at(p0, m), c2, out.at(p0, m), rows, fch);
                });
    }

    // ---------------------------------------------------------------- shifts

    /** out (i, j) = in (i-1, j), row 0 zeros, for positions [p0, p0 + m). */
    private void downShift(PositionCache in, PositionCache out, int p0, int m) {
        int zeros = Math.max(0, Math.min(p0 + m, in.w) - p0);
        if (zeros > 0) be.fill(out.at(p0, zeros), 0f);
        if (m > zeros) be.copy(in.at(p0 + zeros - in.w, m - zeros), out.at(p0 + zeros, m - zeros));
    }

    /** out (i, j) = in (i, j-1), column 0 zeros, for positions [p0, p0 + m), row by row. */
    private void rightShift(PositionCache in, PositionCache out, int p0, int m) {
        int p = p0, end = p0 + m;
        while (p < end) {
            int rowEnd = Math.min(end, (p / in.w + 1) * in.w);
            if (p % in.w == 0) be.fill(out.at(p++, 1), 0f);
            if (rowEnd > p) be.copy(in.at(p - 1, rowEnd - p), out.at(p, rowEnd - p));
            p = rowEnd;
        }
    }
}
