/**
 * Generation: raster-order sampling from a trained network ({@code Sampler}: one pass of the network,
 * cropped to the rows above, per pixel position), the draw of one pixel from the mixture with seeded
 * uniforms ({@code PixelDraw}), and the outputs (PNG grids as train.py tiles them, uint8 .npy).
 *
 * <p>May import: model, data, backend, io.
 */
package org.pixelcnn.sample;
