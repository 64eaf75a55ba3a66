/**
 * Generation: raster-order sampling from a trained network, two ways behind {@code ImageSampler}: the
 * cached sampler ({@code CachedSampler}: each activation computed once, position caches per layer
 * ({@code PositionCache}) filled by a demand-driven {@code Schedule} over the model's graph as
 * {@code CachedGraph} / {@code CachedOp}s, receptive fields in {@code Reach}) and the naive one
 * ({@code Sampler}: one pass of the network, cropped to the rows above, per pixel position, the
 * reference); the draw of one pixel from the mixture with seeded uniforms ({@code PixelDraw}), the images
 * an image completion keeps ({@code PrefixImages}), and the outputs (PNG grids as train.py tiles them,
 * uint8 .npy).
 *
 * <p>May import: model, data, backend, io.
 */
package org.pixelcnn.sample;
