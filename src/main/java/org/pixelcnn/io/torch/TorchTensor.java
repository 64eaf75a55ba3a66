package org.pixelcnn.io.torch;

import java.util.Arrays;

/**
 * One tensor of a PyTorch state_dict as stored by {@code torch.save}: its dtype (torch's name without
 * the {@code torch.} prefix: float32, float64, float16, int64, ...), its shape in torch's order (a
 * convolution weight is [out, in, kh, kw], NCHW activations), and, for float32 tensors only, its
 * values gathered through the tensor's strides into C (row-major) order.
 *
 * @param dtype  the element type, e.g. "float32"
 * @param shape  the sizes, outermost first (empty for a scalar)
 * @param values the elements in row-major order (length = product of shape) for float32; null otherwise
 */
public record TorchTensor(String dtype, long[] shape, float[] values) {

    /** Number of elements, the product of the shape (1 for a scalar). */
    public long elements() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    /** Whether the elements are float32 (then {@link #values} holds them). */
    public boolean isFloat32() {
        return "float32".equals(dtype);
    }

    /** The shape as torch prints it, e.g. {@code [8, 16, 2, 3]}. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public String toString() {
        return dtype + shapeString();
    }
}
