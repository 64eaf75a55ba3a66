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
    private final float[] hostX, hostH;

    /** An eval network of the given batch on be (no gradients). */
    public Evaluator(Backend be, ModelConfig cfg, int batch) {
        this.be = be;
        this.model = new PixelCnnPP(be, cfg, batch, false);
        this.perImage = new double[batch];
        this.hostX = new float[(int) model.input().size()];
        this.hostH = cfg.numClasses() > 0 ? new float[batch * cfg.numClasses()] : null;
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
        ModelConfig c = model.config;
        double total = 0;
        try (TestBatches batches = new TestBatches(split, model.batch)) {
            while (batches.hasNext()) {
                Batch b = batches.next();
                java.util.Arrays.fill(hostX, 0f);
                System.arraycopy(b.x(), 0, hostX, 0, b.x().length);
                be.upload(hostX, 0, model.input().value, 0, hostX.length);
                if (hostH != null && b.labels() != null) {
                    java.util.Arrays.fill(hostH, 0f);
                    for (int i = 0; i < b.size(); i++) hostH[i * c.numClasses() + b.labels()[i]] = 1f;
                    be.upload(hostH, 0, model.classes(), 0, hostH.length);
                }
                model.forward(Pass.eval());
                be.mixLogisticLoss(model.output().value, model.input().value, null, 1f, perImage,
                        model.batch, c.height(), c.width(), c.channels(), c.nrLogisticMix());
                for (int i = 0; i < b.size(); i++) total += perImage[i];
            }
        }
        return total;
    }

    /** bits/dim of the split. */
    public double bitsPerDim(ImageSet split) {
        return nats(split) / (Math.log(2) * split.count() * model.config.dims());
    }
}
