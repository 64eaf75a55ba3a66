package org.pixelcnn.io;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A float32 tensor for a checkpoint: its shape (the reference's layout, e.g. conv V as [fh, fw, Cin, Cout])
 * and a view of its elements (row-major). The view is not copied: pass {@code flat.slice(offset, length)}
 * of the model's flat block.
 *
 * @param shape the shape
 * @param data  the elements, from position to limit; {@code data.remaining()} must equal the shape's product
 */
public record CheckpointTensor(long[] shape, FloatBuffer data) {
    /** @throws IllegalArgumentException when the shape does not hold data.remaining() elements */
    public CheckpointTensor {
        shape = shape.clone();
        data = data.slice();
        long n = SafetensorsTensor.elementCount(shape);
        if (n != data.remaining())
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n + " elements, the data has " + data.remaining());
    }

    /** @return a tensor over the array (not copied) */
    public static CheckpointTensor of(long[] shape, float[] data) {
        return new CheckpointTensor(shape, FloatBuffer.wrap(data));
    }

    /** @return a copy of the shape */
    @Override
    public long[] shape() {
        return shape.clone();
    }
}
