package org.pixelcnn.selftest;

/**
 * The tensor sizes a table of operation cases is built for: batch n, image h x w, f channels (nr_filters),
 * image channels and mixture components for the likelihood.
 *
 * @param label    short name printed with each case ("default", "odd")
 * @param n        batch
 * @param h        height
 * @param w        width
 * @param f        nr_filters
 * @param channels image channels (1 or 3)
 * @param nrMix    nr_logistic_mix
 * @param classes  number of classes for the class-conditional products
 */
public record Shapes(String label, int n, int h, int w, int f, int channels, int nrMix, int classes) {
    /** The default model's: batch 16, 32x32, 160 filters, RGB, 10 components (CIFAR-10 in the paper). */
    public static final Shapes DEFAULT = new Shapes("default", 16, 32, 32, 160, 3, 10, 10);

    /** Small odd sizes that no kernel's blocking divides evenly; grayscale likelihood. */
    public static final Shapes ODD = new Shapes("odd", 3, 7, 5, 13, 1, 3, 7);

    /** n*h*w. */
    public long rows() {
        return (long) n * h * w;
    }
}
