package org.pixelcnn.model;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.ConvGeom;
import org.pixelcnn.model.layers.Conv2d;
import org.pixelcnn.model.layers.Deconv2d;
import org.pixelcnn.model.layers.Dense;
import org.pixelcnn.model.layers.GatedResnet;
import org.pixelcnn.model.layers.GatedResnet.Stream;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The PixelCNN++ network of model.py (model_spec) for a fixed batch size, with every buffer
 * allocated up front. Reads like the reference: the up pass builds the u and ul lists, the down
 * pass pops them. The network is kept as an explicit graph ({@link #graph()}: {@link Node}s in forward
 * order, each naming the activations it reads and writes and its layer); {@link #forward} runs the nodes
 * in order, {@link #backward} in reverse, each node's backward written beside its forward.
 *
 * <p>Input: {@link #input()} x [n,H,W,C] in [-1,1] (written by the caller) and, for class-conditional
 * models, {@link #classes()} one-hot [n, K]. Output: {@link #output()} l [n,H,W,P] with P = 10M (C = 3)
 * or 3M (C = 1), the mixture parameters of each pixel.
 */
public final class PixelCnnPP {
    public final ModelConfig config;
    public final int batch;
    private final Backend be;
    private final boolean train;
    private final ParamStore params = new ParamStore();
    private final List<Node> nodes = new ArrayList<>();
    private final List<Activation> acts = new ArrayList<>();
    private final Activation x, out;
    private final Buf h;
    /** Host staging of {@link #load}: one batch of images [batch, H, W, C] and its one-hot classes [batch, K]. */
    private final float[] hostX, hostH;
    private long macs;
    private int gresCount;

    /**
     * Builds the network and allocates its parameters (uninitialised: see {@link #initialValues}).
     *
     * @param train also allocate gradients (training, gradient checks)
     */
    public PixelCnnPP(Backend be, ModelConfig config, int batch, boolean train) {
        this(be, config, batch, train, null);
    }

    /**
     * An evaluation network (no gradients) for {@code config}, which may differ from {@code owner}'s only in
     * the image size, that shares {@code owner}'s parameter block and one-hot classes buffer (nothing of them
     * is allocated or copied: a change to the owner's parameters or classes is seen here). Same batch and
     * backend as the owner. Used by the sampler for its top-rows networks.
     *
     * @throws IllegalArgumentException if the parameter layouts differ (another nr_filters, channels...)
     */
    public static PixelCnnPP sharingParameters(ModelConfig config, PixelCnnPP owner) {
        return new PixelCnnPP(owner.be, config, owner.batch, false, owner);
    }

    private PixelCnnPP(Backend be, ModelConfig config, int batch, boolean train, PixelCnnPP owner) {
        this.be = be;
        this.config = config;
        this.batch = batch;
        this.train = train;
        int n = batch, hh = config.height(), ww = config.width(), c = config.channels(), fch = config.nrFilters();
        int r = config.nrResnet();
        x = act(n, hh, ww, c);
        if (owner != null && owner.config.numClasses() != config.numClasses())
            throw new IllegalArgumentException("classes differ: " + config.numClasses() + " vs the owner's " + owner.config.numClasses());
        h = config.numClasses() > 0 ? (owner != null ? owner.h : be.alloc((long) n * config.numClasses())) : null;

        // ////////// up pass ////////
        Activation xPad = add(new Node.ConcatOnes(x, act(n, hh, ww, c + 1)));
        Deque<Activation> uList = new ArrayDeque<>(), ulList = new ArrayDeque<>();
        uList.push(downShift(conv(xPad, Conv2d.downShifted(n, hh, ww, c + 1, fch, 2, 3, 1))));
        Activation ulA = downShift(conv(xPad, Conv2d.downShifted(n, hh, ww, c + 1, fch, 1, 3, 1)));
        Activation ulB = rightShift(conv(xPad, Conv2d.downRightShifted(n, hh, ww, c + 1, fch, 2, 1, 1)));
        ulList.push(sum(ulA, ulB));

        for (int stage = 0; stage < 3; stage++) {
            if (stage > 0) {
                Activation u = uList.peek(), ul = ulList.peek();
                uList.push(conv(u, Conv2d.downShifted(n, u.h, u.w, fch, fch, 2, 3, 2)));
                ulList.push(conv(ul, Conv2d.downRightShifted(n, ul.h, ul.w, fch, fch, 2, 2, 2)));
            }
            for (int rep = 0; rep < r; rep++) {
                uList.push(gatedResnet(uList.peek(), null, Stream.DOWN));
                ulList.push(gatedResnet(ulList.peek(), uList.peek(), Stream.DOWN_RIGHT));
            }
        }

        // ////////// down pass ////////
        Activation u = uList.pop(), ul = ulList.pop();
        for (int stage = 0; stage < 3; stage++) {
            if (stage > 0) {
                u = deconv(u, Deconv2d.downShifted(n, u.h, u.w, fch, fch, 2, 3, 2));
                ul = deconv(ul, Deconv2d.downRightShifted(n, ul.h, ul.w, fch, fch, 2, 2, 2));
            }
            for (int rep = 0; rep < (stage == 0 ? r : r + 1); rep++) {
                u = gatedResnet(u, uList.pop(), Stream.DOWN);
                ul = gatedResnet(ul, concat(u, ulList.pop()), Stream.DOWN_RIGHT);
            }
        }
        if (!uList.isEmpty() || !ulList.isEmpty()) throw new IllegalStateException("u/ul lists not empty");

        Activation e = elu(ul);
        out = nin(e, config.outputChannels());
        if (owner != null) params.share(owner.params);
        else params.allocate(be, train);
        hostX = new float[Math.toIntExact(x.size())];
        hostH = h != null ? new float[n * config.numClasses()] : null;
    }

    // ---------------------------------------------------------------- building blocks

    private Activation act(int n, int hh, int ww, int c) {
        Activation a = new Activation(be, n, hh, ww, c, train);
        acts.add(a);
        return a;
    }

    private Activation add(Node node) {
        nodes.add(node);
        return node.output();
    }

    private Activation conv(Activation in, ConvGeom g) {
        macs += g.macs();
        return add(new Node.Conv(in, act(g.n(), g.ho(), g.wo(), g.cout()), new Conv2d(be, params, g, 1f)));
    }

    private Activation deconv(Activation in, ConvGeom g) {
        macs += g.macs();
        return add(new Node.Deconv(in, act(g.n(), g.h(), g.w(), g.cin()), new Deconv2d(be, params, g, 1f)));
    }

    private Activation nin(Activation in, int cout) {
        macs += in.rows() * in.c * cout;
        return add(new Node.Nin(in, act(in.n, in.h, in.w, cout), new Dense(be, params, in.rows(), in.c, cout, 1f)));
    }

    private Activation gatedResnet(Activation in, Activation a, Stream stream) {
        GatedResnet block = new GatedResnet(be, params, stream, in, a, h, config.numClasses(), config.nonlinearity(),
                config.dropoutP(), gresCount++, train);
        long k = config.nonlinearity().factor;
        long px = in.rows(), f = in.c;
        macs += px * (k * f) * f * (stream == Stream.DOWN ? 6 : 4) + px * (k * f) * (2 * f) * (stream == Stream.DOWN ? 6 : 4);
        if (a != null) macs += px * (k * a.c) * f;
        if (h != null) macs += (long) in.n * config.numClasses() * 2 * f;
        acts.add(block.out);
        return add(new Node.Resnet(block));
    }

    private Activation downShift(Activation in) {
        return add(new Node.DownShift(in, act(in.n, in.h, in.w, in.c)));
    }

    private Activation rightShift(Activation in) {
        return add(new Node.RightShift(in, act(in.n, in.h, in.w, in.c)));
    }

    private Activation sum(Activation a, Activation b) {
        return add(new Node.Sum(a, b, act(a.n, a.h, a.w, a.c)));
    }

    private Activation concat(Activation a, Activation b) {
        return add(new Node.Concat(a, b, act(a.n, a.h, a.w, a.c + b.c)));
    }

    private Activation elu(Activation in) {
        return add(new Node.Elu(in, act(in.n, in.h, in.w, in.c)));
    }

    // ---------------------------------------------------------------- running

    /**
     * Writes the network's inputs: images {@code [first, first + count)} of x (NHWC floats in [-1, 1],
     * whole images of this model's shape) into input() slots 0..count-1, zeros in the slots after them
     * (a partial last batch); for class-conditional models the one-hot rows of their labels into
     * {@link #classes()} (model.py's h, zero rows after them). labels may be null: unconditional models
     * ignore them, and a conditional model then gets zero rows (no class).
     *
     * @throws IllegalArgumentException when count exceeds the batch, or a label is outside [0, numClasses)
     */
    public void load(float[] x, int[] labels, int first, int count) {
        if (count > batch) throw new IllegalArgumentException(count + " images for a batch of " + batch);
        int per = hostX.length / batch;
        System.arraycopy(x, first * per, hostX, 0, count * per);
        java.util.Arrays.fill(hostX, count * per, hostX.length, 0f);
        be.upload(hostX, 0, this.x.value, 0, hostX.length);
        if (hostH != null) {
            int k = config.numClasses();
            java.util.Arrays.fill(hostH, 0f);
            for (int b = 0; labels != null && b < count; b++) {
                int label = labels[first + b];
                if (label < 0 || label >= k) throw new IllegalArgumentException("label " + label + " outside [0, " + k + ")");
                hostH[b * k + label] = 1f;
            }
            be.upload(hostH, 0, h, 0, hostH.length);
        }
    }

    /** Sets the one-hot classes of the batch's images from labels[0..batch) (class-conditional models only). */
    public void loadLabels(int[] labels) {
        if (hostH == null) return;
        int k = config.numClasses();
        java.util.Arrays.fill(hostH, 0f);
        for (int b = 0; b < batch; b++) hostH[b * k + labels[b]] = 1f;
        be.upload(hostH, 0, h, 0, hostH.length);
    }

    /** Runs the network on {@link #input()} (and {@link #classes()}), writing {@link #output()}. */
    public void forward(Pass pass) {
        for (Node node : nodes) node.forward(be, pass);
    }

    /**
     * Back-propagates {@code output().grad} (set by the caller, e.g. by the loss) through the network
     * of the last {@link #forward} with the same pass; parameter gradients ACCUMULATE into
     * {@link ParamStore#grads()} (zero them per step), the input gradient is written to input().grad.
     */
    public void backward(Pass pass) {
        if (!train) throw new IllegalStateException("model built without gradients");
        for (Activation a : acts) if (a != out) be.fill(a.grad, 0f);
        for (int i = nodes.size() - 1; i >= 0; i--) nodes.get(i).backward(be, pass);
    }

    /**
     * Data-dependent initialisation (model_spec(init=True)) on the batch in {@link #input()}: layer by
     * layer in forward order, each weight-normalised layer sets g and b so its output has zero mean
     * and std init_scale per channel, and recomputes its output before the next layer runs.
     */
    public void dataDependentInit(long seed) {
        forward(new Pass(Pass.Mode.INIT, seed, 0, 0));
    }

    /** Initial parameter values before data-dependent init (V, hw ~ N(0, 0.05^2), g = 1, b = 0). */
    public float[] initialValues(long seed) {
        return params.initialValues(seed);
    }

    /**
     * The network as a graph: its nodes in forward order (a topological order). The first reads
     * {@link #input()}, the last writes {@link #output()}; unmodifiable.
     */
    public List<Node> graph() {
        return java.util.Collections.unmodifiableList(nodes);
    }

    public ParamStore params() {
        return params;
    }

    /** x [batch, H, W, C] in [-1, 1]. */
    public Activation input() {
        return x;
    }

    /** One-hot classes [batch, numClasses], or null for unconditional models. */
    public Buf classes() {
        return h;
    }

    /** l [batch, H, W, P]: the mixture parameters. */
    public Activation output() {
        return out;
    }

    /** Multiply-adds of one forward pass for one image (a multiply-add = 2 FLOPs). */
    public long macsPerImage() {
        return macs / batch;
    }
}
