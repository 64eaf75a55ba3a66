package org.pixelcnn.sample;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.data.PixelScaling;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.Pass;
import org.pixelcnn.model.PixelCnnPP;

import java.util.function.IntConsumer;

/**
 * Raster-order generation as train.py does it: start from zeros, run the network once per pixel
 * position (dropout off, the parameters loaded into the model by the caller: usually the Polyak
 * averages), and sample that position of every image from the mixture
 * (nn.sample_from_discretized_mix_logistic) with uniforms from a seeded generator. Same seed, same
 * images. A prefix can be kept: positions before {@code startPosition} are left as given.
 *
 * <p>The network is causal in rows (every layer pads on top only and looks up and left), so the
 * outputs of rows [0, h') depend only on input rows [0, h'). Positions of row y are therefore
 * computed by a copy of the network built for the top h' = 4 ceil((y+1)/4) rows, which shares the
 * full network's parameter block and classes ({@link PixelCnnPP#sharingParameters}: one parameter block in
 * device memory, nothing copied per batch): the same outputs as the full network (the tests compare them
 * with one teacher-forced pass), at about half the cost of running all H rows for every pixel.
 */
public final class Sampler implements ImageSampler {
    /**
     * Sees the network's output just before a position is sampled: l [batch,rows,W,P] (P = 10M for
     * C = 3, 3M for C = 1) for the top rows of the images as they stand, positions [position, H*W) not
     * yet sampled. Called on the sampling thread; do not write to l.
     */
    @FunctionalInterface
    public interface PositionObserver {
        /**
         * @param position      raster index y*W + x about to be sampled
         * @param mixtureParams the network output l [batch, rows, W, P] of the top {@code rows} rows
         * @param rows          the rows l covers (at least y + 1)
         */
        void beforeSample(int position, Buf mixtureParams, int rows);
    }

    private final Backend be;
    private final PixelCnnPP model;
    /** Networks for the top 4, 8, ..., H-4 rows (index rows/4 - 1); the full model serves the last rows. */
    private final PixelCnnPP[] tops;
    private final PixelDraw draw;
    private PositionObserver observer;
    private IntConsumer listener;

    /** @param model an eval network (its batch is the number of images sampled at once) */
    public Sampler(Backend be, PixelCnnPP model) {
        this.be = be;
        this.model = model;
        ModelConfig c = model.config;
        this.draw = new PixelDraw(be, c, model.batch, 0);
        this.tops = new PixelCnnPP[c.height() / 4 - 1];
        for (int k = 0; k < tops.length; k++) {
            ModelConfig top = new ModelConfig(c.nrResnet(), c.nrFilters(), c.nrLogisticMix(), c.nonlinearity(), 4 * (k + 1),
                    c.width(), c.channels(), c.numClasses(), c.dropoutP());
            tops[k] = PixelCnnPP.sharingParameters(top, model);
        }
    }

    /** The network that computes row y: the one for the top 4 ceil((y+1)/4) rows. */
    private PixelCnnPP networkFor(int y) {
        int k = y / 4;
        return k < tops.length ? tops[k] : model;
    }

    /** Copies the top rows of every image between the full input and a top network's input. */
    private void copyTop(PixelCnnPP top, boolean toTop) {
        if (top == model) return;
        ModelConfig c = model.config;
        long full = (long) c.height() * c.width() * c.channels(), part = (long) top.config.height() * c.width() * c.channels();
        for (int b = 0; b < model.batch; b++) {
            Buf f = model.input().value.slice(b * full, part), t = top.input().value.slice(b * part, part);
            if (toTop) be.copy(f, t);
            else be.copy(t, f);
        }
    }

    /** Sets (or with null removes) the observer called once per sampled position; returns this sampler. */
    public Sampler observe(PositionObserver observer) {
        this.observer = observer;
        return this;
    }

    @Override
    public ModelConfig config() {
        return model.config;
    }

    /** The model's batch. */
    @Override
    public int batch() {
        return model.batch;
    }

    @Override
    public Sampler onPosition(IntConsumer listener) {
        this.listener = listener;
        return this;
    }

    /**
     * Samples a batch. labels (length batch) set the classes of a class-conditional model (ignored
     * otherwise). Returns the images as uint8 NHWC.
     */
    @Override
    public byte[] sample(long seed, int[] labels) {
        be.fill(model.input().value, 0f);
        return continueFrom(0, seed, labels);
    }

    /**
     * Sets the classes (labels, length batch; ignored for unconditional models), which the cropped networks
     * share with the model: what {@link #continueFrom} does before its first position.
     */
    public void prepare(int[] labels) {
        ModelConfig c = model.config;
        if (c.numClasses() > 0) model.loadLabels(labels); // the top-rows networks share these classes and the parameters
    }

    /**
     * Samples positions [from, to) in raster order into model.input(), the uniforms continuing the draws
     * of the last seed, after {@link #prepare}: the body of {@link #continueFrom}, public so that bench can
     * time the positions of every band of rows (the cropped networks differ in cost).
     */
    public void samplePositions(int from, int to) {
        ModelConfig c = model.config;
        PixelCnnPP net = null;
        for (int pos = from; pos < to; pos++) {
            int y = pos / c.width();
            PixelCnnPP next = networkFor(y);
            if (next != net) {
                if (net != null) copyTop(net, false);
                copyTop(next, true);
                net = next;
            }
            net.forward(Pass.eval());
            if (observer != null) observer.beforeSample(pos, net.output().value, net.config.height());
            draw.sample(net.output().value, net.input().value, net.config.height(), y, pos % c.width());
            if (listener != null) listener.accept(pos);
        }
        if (net != null) copyTop(net, false);
    }

    /** Writes the prefix into model.input() and continues from startPosition; the prefix bytes are returned as given. */
    @Override
    public byte[] complete(byte[] prefix, int startPosition, long seed, int[] labels) {
        ModelConfig c = model.config;
        int positions = c.height() * c.width();
        if (prefix == null || prefix.length != model.input().size())
            throw new IllegalArgumentException("prefix of " + (prefix == null ? 0 : prefix.length) + " bytes for " + model.batch + " images of "
                    + c.height() + "x" + c.width() + "x" + c.channels());
        if (startPosition < 0 || startPosition > positions)
            throw new IllegalArgumentException("start position " + startPosition + " outside [0, " + positions + "]");
        float[] x = PixelScaling.toUnit(prefix);
        be.upload(x, 0, model.input().value, 0, x.length);
        byte[] out = continueFrom(startPosition, seed, labels);
        for (int b = 0; b < model.batch; b++) {
            int at = b * positions * c.channels();
            System.arraycopy(prefix, at, out, at, startPosition * c.channels());
        }
        return out;
    }

    /**
     * Samples positions [startPosition, H*W) in raster order, keeping what model.input() holds before
     * it. Returns the images as uint8 NHWC.
     */
    public byte[] continueFrom(int startPosition, long seed, int[] labels) {
        prepare(labels);
        draw.reseed(seed);
        samplePositions(startPosition, model.config.height() * model.config.width());
        float[] x = new float[(int) model.input().size()];
        be.download(model.input().value, 0, x, 0, x.length);
        byte[] out = new byte[x.length];
        for (int i = 0; i < x.length; i++) out[i] = PixelScaling.toPixel(x[i]);
        return out;
    }
}
