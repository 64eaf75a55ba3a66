package org.pixelcnn.sample;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.data.PixelScaling;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.PixelCnnPP;

import java.util.List;
import java.util.function.IntConsumer;

/**
 * Fast raster-order generation (Ramachandran et al., "Fast Generation for Convolutional Autoregressive
 * Models", ICLR 2017 workshop, arXiv:1704.06001): every layer keeps its output for the positions computed
 * so far ({@link PositionCache}, [H_l, W_l, batch, C] at the layer's resolution) and each generation step
 * computes only the positions whose inputs have just become final ({@link Schedule}). Over a whole batch
 * every activation is computed once: about one forward pass of work instead of H*W of them.
 *
 * <p>The arithmetic is that of a teacher-forced full pass ({@link PixelCnnPP#forward} with dropout off):
 * the same layers' weights (W = g V/||V|| computed once per batch from the model's current parameters,
 * usually the Polyak averages loaded by the caller), the same backend operations in the same order per
 * position; only the matrix products have other shapes (a run of positions instead of the whole batch),
 * so outputs agree with a full pass within float32 rounding, not bit for bit. The uniforms are drawn by
 * {@link PixelDraw}, as {@link Sampler} draws them (see {@link ImageSampler}), so for one seed both give the same pixels but
 * where such a rounding difference moves a sample across a pixel boundary.
 *
 * <p>Memory: one cache per activation of the network (plus the gated resnets' f(x) and f(c1)) for the
 * batch, allocated at construction; nothing is allocated per position.
 */
public final class CachedSampler implements ImageSampler {
    /** Sees the mixture parameters of a position just before it is sampled; do not write to them. */
    @FunctionalInterface
    public interface MixtureObserver {
        /**
         * @param position      raster index y*W + x about to be sampled
         * @param mixtureParams l [batch, P] at that position (P = 10M for C = 3, 3M for C = 1)
         */
        void beforeSample(int position, Buf mixtureParams);
    }

    private final Backend be;
    private final ModelConfig config;
    private final int batch;
    private final CachedGraph graph;
    private final Schedule schedule;
    private final PixelDraw draw;
    private final float[] hostImage, hostClasses;
    private MixtureObserver observer;
    private IntConsumer listener;

    /**
     * Builds the caches for batch images of the model's configuration. The model supplies the graph and
     * the parameters (read at each {@link #sample} / {@link #complete}); its own activations are not used,
     * so it may be built for batch 1.
     *
     * @throws IllegalArgumentException when batch &lt; 1
     */
    public CachedSampler(Backend be, PixelCnnPP model, int batch) {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, not " + batch);
        this.be = be;
        this.config = model.config;
        this.batch = batch;
        this.graph = new CachedGraph(be, model, batch);
        this.schedule = new Schedule(graph.ops, graph.image, graph.chunk);
        this.draw = new PixelDraw(be, config, batch, 0);
        this.hostImage = new float[Math.toIntExact(config.dims() * batch)];
        this.hostClasses = config.numClasses() > 0 ? new float[batch * config.numClasses()] : null;
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public int batch() {
        return batch;
    }

    /** Sets (or with null removes) the observer of the mixture parameters; returns this sampler. */
    public CachedSampler observe(MixtureObserver observer) {
        this.observer = observer;
        return this;
    }

    @Override
    public CachedSampler onPosition(IntConsumer listener) {
        this.listener = listener;
        return this;
    }

    @Override
    public byte[] sample(long seed, int[] labels) {
        return run(null, 0, seed, labels);
    }

    @Override
    public byte[] complete(byte[] prefix, int startPosition, long seed, int[] labels) {
        if (prefix == null || prefix.length != hostImage.length)
            throw new IllegalArgumentException("prefix of " + (prefix == null ? 0 : prefix.length) + " bytes for " + batch + " images of "
                    + config.height() + "x" + config.width() + "x" + config.channels());
        if (startPosition < 0 || startPosition > config.height() * config.width())
            throw new IllegalArgumentException("start position " + startPosition + " outside [0, " + config.height() * config.width() + "]");
        return run(prefix, startPosition, seed, labels);
    }

    /**
     * The cached operations in schedule order, with how many positions each computed in the last batch
     * (package-private: the tests count them).
     */
    List<CachedOp> ops() {
        return schedule.ops();
    }

    /**
     * The images of the last batch as the network saw them: float32 NHWC [batch, H, W, C] in [-1, 1], the
     * samples before their rounding to pixels, which the next positions were conditioned on (a teacher-forced
     * pass over them reproduces the mixture parameters the sampler used). Downloads (synchronises).
     */
    public float[] lastImages() {
        int positions = config.height() * config.width(), c = config.channels();
        float[] x = new float[hostImage.length];
        be.download(graph.image.buf, 0, hostImage, 0, hostImage.length);
        for (int p = 0; p < positions; p++)
            for (int b = 0; b < batch; b++)
                System.arraycopy(hostImage, (p * batch + b) * c, x, (b * positions + p) * c, c);
        return x;
    }

    private byte[] run(byte[] prefix, int start, long seed, int[] labels) {
        int positions = config.height() * config.width(), c = config.channels(), k = config.numClasses();
        if (k > 0) {
            if (labels == null || labels.length != batch) throw new IllegalArgumentException("a class-conditional model needs " + batch + " labels");
            java.util.Arrays.fill(hostClasses, 0f);
            for (int b = 0; b < batch; b++) {
                if (labels[b] < 0 || labels[b] >= k) throw new IllegalArgumentException("label " + labels[b] + " outside [0, " + k + ")");
                hostClasses[b * k + labels[b]] = 1f;
            }
            be.upload(hostClasses, 0, graph.classes, 0, hostClasses.length);
        }
        graph.prepare();
        schedule.reset();
        PositionCache x = graph.image, l = graph.output;
        if (start > 0) { // the prefix, NHWC to position-major [position, image, channel]
            for (int p = 0; p < start; p++)
                for (int b = 0; b < batch; b++)
                    PixelScaling.toUnit(prefix, (b * positions + p) * c, hostImage, (p * batch + b) * c, c);
            be.upload(hostImage, 0, x.buf, 0, start * batch * c);
        }
        x.done = start;
        draw.reseed(seed);
        for (int p = start; p < positions; p++) {
            schedule.advance(p + 1);
            if (observer != null) observer.beforeSample(p, l.at(p, 1));
            draw.sample(l.at(p, 1), x.at(p, 1));
            x.done = p + 1;
            if (listener != null) listener.accept(p);
        }
        be.download(x.buf, 0, hostImage, 0, hostImage.length);
        byte[] out = new byte[hostImage.length];
        for (int p = 0; p < positions; p++)
            for (int b = 0; b < batch; b++)
                for (int ch = 0; ch < c; ch++) {
                    int at = (b * positions + p) * c + ch;
                    out[at] = p < start ? prefix[at] : PixelScaling.toPixel(hostImage[(p * batch + b) * c + ch]);
                }
        return out;
    }
}
