/**
 * The network of model.py for a fixed batch, written once against {@link org.pixelcnn.backend.Backend}:
 * {@link org.pixelcnn.model.PixelCnnPP} reads like model_spec (the up pass builds the u and ul lists, the
 * down pass pops them), each step's backward beside its forward; all parameters in one flat block with
 * named views ({@code ParamStore}, {@code Param}: the reference's variable names); data-dependent init;
 * parameter and FLOP counts, the parameter layout of a configuration ({@code ModelStats}). The layers are
 * in {@code model/layers}; {@code model/port} maps the PyTorch port's tensors onto the parameters.
 *
 * <p>May import: backend, io. Not data (the caller loads images as floats), sample, train or above.
 */
package org.pixelcnn.model;
