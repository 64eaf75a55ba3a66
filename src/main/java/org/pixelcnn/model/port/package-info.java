/**
 * Models trained with the PyTorch port of PixelCNN++ (pclucas14/pixel-cnn-pp): its hyper-parameters read
 * off a state_dict and its layers in the engine's order ({@code PortModel}), and its tensors mapped onto
 * the engine's weight-normalised parameters (V, g, b) so that every layer computes the port's function,
 * the transposed convolutions re-normalised per output filter ({@code PortWeights}). Used by
 * {@code import}.
 *
 * <p>May import: model, io (io/torch for the tensors). Not backend (nothing is computed on a device).
 */
package org.pixelcnn.model.port;
