package org.pixelcnn.train;

import org.pixelcnn.backend.AdamPolyak;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.Pass;
import org.pixelcnn.model.PixelCnnPP;

/**
 * One data-parallel replica ("device context": a GPU, or a CPU thread): its backend, a full model of
 * batch B with its own parameter copy, and Adam moments and Polyak averages laid out like the flat
 * parameter block. Every replica applies the same update to the same summed gradient, so their
 * states stay bit-identical.
 */
public final class Replica implements AutoCloseable {
    public final int index;
    public final Backend be;
    public final PixelCnnPP model;
    public final Buf adamM, adamV, ema;

    public Replica(int index, Backend be, ModelConfig cfg, int batch) {
        this.index = index;
        this.be = be;
        this.model = new PixelCnnPP(be, cfg, batch, true);
        long p = model.params().total();
        this.adamM = be.alloc(p);
        this.adamV = be.alloc(p);
        this.ema = be.alloc(p);
    }

    /** Uploads images [offset, offset + batch) of x (NHWC floats in [-1,1]) and their labels as one-hot h. */
    public void load(float[] x, int[] labels, int offset) {
        model.load(x, labels, offset, model.batch);
    }

    /**
     * Forward, loss and backward of one training step: returns this replica's summed nats; the
     * parameter gradients (d nats / d params) are left in the flat gradient block.
     */
    public double lossAndGradients(Pass pass) {
        ModelConfig c = model.config;
        model.forward(pass);
        double nats = be.mixLogisticLoss(model.output().value, model.input().value, model.output().grad, 1f, null,
                model.batch, c.height(), c.width(), c.channels(), c.nrLogisticMix());
        be.fill(model.params().grads(), 0f);
        model.backward(pass);
        return nats;
    }

    /** One Adam + Polyak update of this replica's parameters with the (summed) gradients. */
    public void update(AdamPolyak.Scalars s) {
        be.adamPolyak(s, model.params().values(), model.params().grads(), adamM, adamV, ema);
    }

    @Override
    public void close() {
        be.close();
    }
}
