package org.pixelcnn.model;

import org.pixelcnn.model.layers.Nonlinearity;

/**
 * The hyper-parameters of model_spec (model.py) plus the image shape.
 *
 * @param nrResnet      residual blocks per stage (--nr_resnet)
 * @param nrFilters     channels of every stream (--nr_filters)
 * @param nrLogisticMix mixture components (--nr_logistic_mix)
 * @param nonlinearity  the resnet nonlinearity (--resnet_nonlinearity)
 * @param height        image height, divisible by 4
 * @param width         image width, divisible by 4
 * @param channels      image channels, 1 or 3
 * @param numClasses    classes for class-conditional models (--class_conditional), 0 otherwise
 * @param dropoutP      dropout probability in training (--dropout_p)
 */
public record ModelConfig(int nrResnet, int nrFilters, int nrLogisticMix, Nonlinearity nonlinearity,
                          int height, int width, int channels, int numClasses, float dropoutP) {

    /**
     * The one place the model's settings are validated; each message names the flag (or the images) and
     * the value.
     *
     * @throws IllegalArgumentException naming the first setting out of range
     */
    public ModelConfig {
        if (nrResnet < 0) throw new IllegalArgumentException("--nr_resnet must be >= 0, not " + nrResnet);
        if (nrFilters < 1) throw new IllegalArgumentException("--nr_filters must be >= 1, not " + nrFilters);
        if (nrLogisticMix < 1) throw new IllegalArgumentException("--nr_logistic_mix must be >= 1, not " + nrLogisticMix);
        if (nonlinearity == null) throw new IllegalArgumentException("--resnet_nonlinearity is missing");
        if (channels != 1 && channels != 3)
            throw new IllegalArgumentException("images must have 1 or 3 channels, not " + channels);
        if (height <= 0 || width <= 0 || height % 4 != 0 || width % 4 != 0)
            throw new IllegalArgumentException(String.format("images are %dx%d but PixelCNN++ needs height and width divisible by 4"
                    + " (the network downsamples twice by 2); crop or pad them, e.g. to %dx%d",
                    height, width, Math.max(4, (height + 3) / 4 * 4), Math.max(4, (width + 3) / 4 * 4)));
        if (numClasses < 0) throw new IllegalArgumentException("the number of classes must be >= 0, not " + numClasses);
        if (!(dropoutP >= 0 && dropoutP < 1)) throw new IllegalArgumentException("--dropout_p must be in [0, 1), not " + dropoutP);
    }

    /** Outputs per pixel: 10 M for RGB, 3 M for grayscale. */
    public int outputChannels() {
        return (channels == 3 ? 10 : 3) * nrLogisticMix;
    }

    /** Sub-pixels per image, H*W*C (the bits/dim denominator per image). */
    public long dims() {
        return (long) height * width * channels;
    }
}
