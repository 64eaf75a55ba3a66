/**
 * The floor of the engine: the operations PixelCNN++ needs ({@link org.pixelcnn.backend.Backend}) on
 * buffers a backend owns ({@link org.pixelcnn.backend.Buf}), flat NHWC float32, and every numeric
 * kernel behind them, each with its CPU version in {@code backend/cpu} (the reference, the oracle
 * every other backend is tested against) and its CUDA version in {@code backend/cuda} plus
 * {@code src/main/cuda}. Here: the interface, convolution geometry ({@code ConvGeom}), the dropout
 * mask's counter-based generator, the Adam + Polyak scalars, the gradient all-reduce interface, and
 * {@code Backends}, the one place that chooses and makes a backend ({@code --backend auto|cpu|cuda}).
 *
 * <p>May import: io. Nothing of data, model, sample, train, bench, selftest or cli.
 */
package org.pixelcnn.backend;
