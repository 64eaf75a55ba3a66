/**
 * PyTorch's {@code torch.save} files of a state_dict (the zip format of torch &ge; 1.6 and the legacy pickle
 * stream), read without Python: the pickle by net.razorvine:pickle, taught only torch's persistent ids for
 * storages and its tensor rebuild functions ({@code TorchUnpickler}); tensors by name with dtype, shape and
 * float32 values gathered through their strides ({@code TorchStateDict}, {@code TorchTensor}). What the
 * tensors mean is the concern of {@code model/port}.
 *
 * <p>May import: io (BadInputException); the JDK and the pickle library.
 */
package org.pixelcnn.io.torch;
