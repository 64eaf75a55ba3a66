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
 * the figure covers every image exactly once. {@link #score} hands out what the sum is made of: the
 * nats of every image and, when asked, of every sub-pixel ({@code score}).
 */
public final class Evaluator {
    /** What one batch of a split scored. */
    @FunctionalInterface
    public interface BatchScores {
        /**
         * @param first        index in the split of the batch's first image
         * @param count        real images in the batch (the last batch may be partial)
         * @param nats         nats of each image, first {@code count} entries valid (reused between batches)
         * @param subpixelNats when asked for, nats of every sub-pixel of the batch's images, [count, H, W, C]
         *                     NHWC in the first count*H*W*C entries (reused between batches); else null
         */
        void accept(int first, int count, double[] nats, float[] subpixelNats);
    }

    private final Backend be;
    private final PixelCnnPP model;
    private final double[] perImage;
    private final Buf subpixels;
    private final float[] hostSubpixels;

    /** An eval network of the given batch on be (no gradients). */
    public Evaluator(Backend be, ModelConfig cfg, int batch) {
        this(be, cfg, batch, false);
    }

    /**
     * An eval network of the given batch on be (no gradients).
     *
     * @param subpixels also allocate what {@link #score} needs for per-sub-pixel nats (batch*H*W*C floats
     *                  on the backend and on the host)
     */
    public Evaluator(Backend be, ModelConfig cfg, int batch, boolean subpixels) {
        this.be = be;
        this.model = new PixelCnnPP(be, cfg, batch, false);
        this.perImage = new double[batch];
        this.subpixels = subpixels ? be.alloc(model.input().size()) : null;
        this.hostSubpixels = subpixels ? new float[(int) model.input().size()] : null;
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
        double[] total = {0};
        score(split, false, (first, count, nats, sub) -> {
            for (int i = 0; i < count; i++) total[0] += nats[i];
            progress.accept(first + count);
        });
        return total[0];
    }

    /**
     * Runs the network over the split in order, batch by batch, and hands each batch's per-image nats
     * (from {@link Backend#mixLogisticLoss}) and, with {@code withSubpixels}, the nats of every
     * sub-pixel ({@link Backend#mixLogisticSubpixelNll}) to the sink, on the calling thread.
     * Class-conditional models use the split's labels.
     *
     * @throws IllegalStateException when sub-pixels are asked for but the evaluator was built without them
     */
    public void score(ImageSet split, boolean withSubpixels, BatchScores sink) {
        if (withSubpixels && subpixels == null) throw new IllegalStateException("evaluator built without per-sub-pixel buffers");
        ModelConfig c = model.config;
        int first = 0;
        try (TestBatches batches = new TestBatches(split, model.batch)) {
            while (batches.hasNext()) {
                Batch b = batches.next();
                model.load(b.x(), b.labels(), 0, b.size());
                model.forward(Pass.eval());
                be.mixLogisticLoss(model.output().value, model.input().value, null, 1f, perImage,
                        model.batch, c.height(), c.width(), c.channels(), c.nrLogisticMix());
                float[] sub = null;
                if (withSubpixels) {
                    be.mixLogisticSubpixelNll(model.output().value, model.input().value, subpixels,
                            model.batch, c.height(), c.width(), c.channels(), c.nrLogisticMix());
                    be.download(subpixels, 0, hostSubpixels, 0, (int) (b.size() * c.dims()));
                    sub = hostSubpixels;
                }
                sink.accept(first, b.size(), perImage, sub);
                first += b.size();
            }
        }
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
