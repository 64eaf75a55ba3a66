package org.pixelcnn.sample;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.data.PixelScaling;
import org.pixelcnn.loss.MixLogisticSampler;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.Pass;
import org.pixelcnn.model.PixelCnnPP;

import java.util.SplittableRandom;

/**
 * Raster-order generation as train.py does it: start from zeros, run the network once per pixel
 * position (dropout off, the parameters loaded into the model by the caller: usually the Polyak
 * averages), and sample that position of every image from the mixture
 * (nn.sample_from_discretized_mix_logistic) with uniforms from a seeded generator. Same seed, same
 * images. A prefix can be kept: positions before {@code startPosition} are left as given.
 */
public final class Sampler {
    /**
     * Sees the network's output just before a position is sampled: l = model.output() [batch,H,W,P]
     * (P = 10M for C = 3, 3M for C = 1), computed from the images as they stand with positions
     * [position, H*W) not yet sampled. Called on the sampling thread; do not write to l.
     */
    @FunctionalInterface
    public interface PositionObserver {
        /** @param position raster index y*W + x about to be sampled; @param mixtureParams the network output l */
        void beforeSample(int position, Buf mixtureParams);
    }

    private final Backend be;
    private final PixelCnnPP model;
    private final Buf uMix, u;
    private final float[] hostMix, hostU;
    private PositionObserver observer;

    /** @param model an eval network (its batch is the number of images sampled at once) */
    public Sampler(Backend be, PixelCnnPP model) {
        this.be = be;
        this.model = model;
        ModelConfig c = model.config;
        this.hostMix = new float[model.batch * c.nrLogisticMix()];
        this.hostU = new float[model.batch * c.channels()];
        this.uMix = be.alloc(hostMix.length);
        this.u = be.alloc(hostU.length);
    }

    /** Sets (or with null removes) the observer called once per sampled position; returns this sampler. */
    public Sampler observe(PositionObserver observer) {
        this.observer = observer;
        return this;
    }

    /**
     * Samples a batch. labels (length batch) set the classes of a class-conditional model (ignored
     * otherwise). Returns the images as uint8 NHWC.
     */
    public byte[] sample(long seed, int[] labels) {
        be.fill(model.input().value, 0f);
        return continueFrom(0, seed, labels);
    }

    /**
     * Samples positions [startPosition, H*W) in raster order, keeping what model.input() holds before
     * it. Returns the images as uint8 NHWC.
     */
    public byte[] continueFrom(int startPosition, long seed, int[] labels) {
        ModelConfig c = model.config;
        if (c.numClasses() > 0) {
            float[] h = new float[model.batch * c.numClasses()];
            for (int b = 0; b < model.batch; b++) h[b * c.numClasses() + labels[b]] = 1f;
            be.upload(h, 0, model.classes(), 0, h.length);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int pos = startPosition; pos < c.height() * c.width(); pos++) {
            model.forward(Pass.eval());
            if (observer != null) observer.beforeSample(pos, model.output().value);
            for (int i = 0; i < hostMix.length; i++) hostMix[i] = MixLogisticSampler.uniformFromRaw(rng.nextDouble());
            for (int i = 0; i < hostU.length; i++) hostU[i] = MixLogisticSampler.uniformFromRaw(rng.nextDouble());
            be.upload(hostMix, 0, uMix, 0, hostMix.length);
            be.upload(hostU, 0, u, 0, hostU.length);
            be.mixLogisticSample(model.output().value, uMix, u, model.input().value, model.batch, c.height(), c.width(),
                    c.channels(), c.nrLogisticMix(), pos / c.width(), pos % c.width());
        }
        float[] x = new float[(int) model.input().size()];
        be.download(model.input().value, 0, x, 0, x.length);
        byte[] out = new byte[x.length];
        for (int i = 0; i < x.length; i++) out[i] = PixelScaling.toPixel(x[i]);
        return out;
    }
}
