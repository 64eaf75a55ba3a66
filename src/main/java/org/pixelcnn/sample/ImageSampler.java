package org.pixelcnn.sample;

import org.pixelcnn.model.ModelConfig;

import java.util.function.IntConsumer;

/**
 * Raster-order generation of a batch of images from a PixelCNN++ (train.py's sample_from_model): each
 * pixel position in turn gets the network's mixture parameters for it, given the positions before it, and
 * every image's pixel there is drawn from the discretized mixture of logistics
 * (nn.sample_from_discretized_mix_logistic). Two implementations: {@link Sampler} (naive: the network
 * once per position, the reference) and {@link CachedSampler} (each activation computed once). For one
 * seed both draw the same uniforms in the same order: per position, batch*nr_logistic_mix for the mixture
 * choice, then batch*C for the logistic samples, from {@code new SplittableRandom(seed)}.
 */
public interface ImageSampler {
    /** The model's configuration (image shape, classes). */
    ModelConfig config();

    /** Images sampled at once. */
    int batch();

    /**
     * Samples a batch from empty images.
     *
     * @param labels the class of each image (length batch) for class-conditional models, ignored (may be null) otherwise
     * @return the images, uint8 NHWC [batch, H, W, C]
     */
    byte[] sample(long seed, int[] labels);

    /**
     * Completes images: keeps positions [0, startPosition) (raster order, y*W + x) of prefix and samples
     * the rest, conditioned on the prefix.
     *
     * @param prefix uint8 NHWC [batch, H, W, C]; only positions before startPosition are read
     * @return the completed images, uint8 NHWC, equal to prefix at the kept positions
     * @throws IllegalArgumentException when prefix has another size or startPosition is outside [0, H*W]
     */
    byte[] complete(byte[] prefix, int startPosition, long seed, int[] labels);

    /**
     * Sets (or with null removes) a listener told after each sampled position (its raster index), on the
     * sampling thread: for progress bars. Returns this sampler.
     */
    ImageSampler onPosition(IntConsumer listener);
}
