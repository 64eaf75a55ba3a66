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

    public ModelConfig {
        if (nrResnet < 0 || nrFilters <= 0 || nrLogisticMix <= 0)
            throw new IllegalArgumentException("nr_resnet >= 0, nr_filters > 0 and nr_logistic_mix > 0 are required");
        if (channels != 1 && channels != 3)
            throw new IllegalArgumentException("images must have 1 or 3 channels, not " + channels);
        if (height <= 0 || width <= 0 || height % 4 != 0 || width % 4 != 0)
            throw new IllegalArgumentException("image height and width must be positive and divisible by 4 (two stride-2 stages), not "
                    + height + "x" + width);
        if (numClasses < 0) throw new IllegalArgumentException("numClasses must be >= 0");
        if (!(dropoutP >= 0 && dropoutP < 1)) throw new IllegalArgumentException("dropout_p must be in [0, 1), not " + dropoutP);
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
