package org.pixelcnn.sample;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.cpu.MixLogisticSampler;
import org.pixelcnn.model.ModelConfig;

import java.util.SplittableRandom;

/**
 * Samples one pixel position of every image of a batch from the network's mixture output
 * (nn.sample_from_discretized_mix_logistic): draws the uniforms on the host from a seeded generator,
 * M for the Gumbel-max choice of the component then C for the logistic, image by image, uploads them
 * and calls {@link Backend#mixLogisticSample}. The same seed gives the same draws in the same order,
 * whichever sampler calls it. Buffers are allocated once, at construction.
 */
public final class PixelDraw {
    private final Backend be;
    private final ModelConfig cfg;
    private final int batch;
    private final Buf uMix, u;
    private final float[] hostMix, hostU;
    private SplittableRandom rng;

    /** @param batch images sampled at once */
    public PixelDraw(Backend be, ModelConfig cfg, int batch, long seed) {
        this.be = be;
        this.cfg = cfg;
        this.batch = batch;
        this.hostMix = new float[batch * cfg.nrLogisticMix()];
        this.hostU = new float[batch * cfg.channels()];
        this.uMix = be.alloc(hostMix.length);
        this.u = be.alloc(hostU.length);
        reseed(seed);
    }

    /** Starts the draws again from seed. */
    public void reseed(long seed) {
        this.rng = new SplittableRandom(seed);
    }

    /**
     * Samples position (row, col) of every image: the mixture parameters l [batch, rows, W, P] (P = 10M
     * for C = 3, 3M for C = 1) of the network's top {@code rows} rows, the images x [batch, rows, W, C]
     * in [-1, 1] whose (row, col) sub-pixels are overwritten.
     */
    public void sample(Buf l, Buf x, int rows, int row, int col) {
        draw();
        be.mixLogisticSample(l, uMix, u, x, batch, rows, cfg.width(), cfg.channels(), cfg.nrLogisticMix(), row, col);
    }

    /**
     * Samples one position of every image from position-major blocks (the cached sampler's caches at that
     * position): mixture parameters l [batch, P], images x [batch, C] overwritten. The same draws as
     * {@link #sample(Buf, Buf, int, int, int)}.
     */
    public void sample(Buf l, Buf x) {
        draw();
        be.mixLogisticSample(l, uMix, u, x, batch, 1, 1, cfg.channels(), cfg.nrLogisticMix(), 0, 0);
    }

    /** The next batch*M then batch*C uniforms, uploaded. */
    private void draw() {
        for (int i = 0; i < hostMix.length; i++) hostMix[i] = MixLogisticSampler.uniformFromRaw(rng.nextDouble());
        for (int i = 0; i < hostU.length; i++) hostU[i] = MixLogisticSampler.uniformFromRaw(rng.nextDouble());
        be.upload(hostMix, 0, uMix, 0, hostMix.length);
        be.upload(hostU, 0, u, 0, hostU.length);
    }
}
