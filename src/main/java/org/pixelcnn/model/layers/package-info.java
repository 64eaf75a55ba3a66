/**
 * The layers of nn.py as forward/backward pairs, one file each, with the shapes on top: weight-normalised
 * convolution, transposed convolution and dense layer ({@code Conv2d}, {@code Deconv2d}, {@code Dense},
 * sharing {@code WeightNorm}: V, g, b and the data-dependent init), the gated resnet, the nonlinearities.
 *
 * <p>May import: backend, model, io.
 */
package org.pixelcnn.model.layers;
