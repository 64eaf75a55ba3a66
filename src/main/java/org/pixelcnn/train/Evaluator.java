package org.pixelcnn.train;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.data.loader.Batch;
import org.pixelcnn.data.ImageSet;
import org.pixelcnn.data.loader.TestBatches;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.Pass;
import org.pixelcnn.model.PixelCnnPP;

/**
 * Test bits/dim of given parameters over a whole split, dropout off (train.py's loss_gen_test with the
 * Polyak-averaged parameters). The last partial batch is padded and only its real images counted, so
 * the figure covers every image exactly once.
 */
public final class Evaluator {
    private final Backend be;
    private final PixelCnnPP model;
    private final double[] perImage;

    /** An eval network of the given batch on be (no gradients). */
    public Evaluator(Backend be, ModelConfig cfg, int batch) {
        this.be = be;
        this.model = new PixelCnnPP(be, cfg, batch, false);
        this.perImage = new double[batch];
    }

    /** The network, to load parameters into and to sample with. */
    public PixelCnnPP model() {
        return model;
    }

    /** Copies a flat parameter block (same layout) into the eval network. */
    public void setParams(Buf flat) {
        be.copy(flat, model.params().values());
    }

    /** Summed nats over the split; bits/dim = nats / (ln 2 * count * H*W*C). */
    public double nats(ImageSet split) {
        return nats(split, done -> { });
    }

    /**
     * As {@link #nats(ImageSet)}, telling {@code progress} the number of images done after every batch
     * (on the calling thread).
     */
    public double nats(ImageSet split, java.util.function.IntConsumer progress) {
        ModelConfig c = model.config;
        double total = 0;
        int done = 0;
        try (TestBatches batches = new TestBatches(split, model.batch)) {
            while (batches.hasNext()) {
                Batch b = batches.next();
                model.load(b.x(), b.labels(), 0, b.size());
                model.forward(Pass.eval());
                be.mixLogisticLoss(model.output().value, model.input().value, null, 1f, perImage,
                        model.batch, c.height(), c.width(), c.channels(), c.nrLogisticMix());
                for (int i = 0; i < b.size(); i++) total += perImage[i];
                done += b.size();
                progress.accept(done);
            }
        }
        return total;
    }

    /** bits/dim of the split. */
    public double bitsPerDim(ImageSet split) {
        return bitsPerDim(split, done -> { });
    }

    /** bits/dim of the split, with progress as {@link #nats(ImageSet, java.util.function.IntConsumer)}. */
    public double bitsPerDim(ImageSet split, java.util.function.IntConsumer progress) {
        return nats(split, progress) / (Math.log(2) * split.count() * model.config.dims());
    }
}
