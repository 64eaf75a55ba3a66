package org.pixelcnn.io;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;

/**
 * One tensor to write to (or read from) a safetensors file: a dtype, a shape (row-major, the last axis
 * varying fastest: NHWC stays NHWC) and its elements. The data is a view of the caller's array or buffer
 * (elements from its position to its limit at construction), not a copy: for writing a slice of a flat
 * parameter block, pass {@code block.slice(offset, length)}.
 */
public final class SafetensorsTensor {
    private final SafetensorsDtype dtype;
    private final long[] shape;
    private final Buffer data;

    private SafetensorsTensor(SafetensorsDtype dtype, long[] shape, Buffer data) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data;
        long count = elementCount(this.shape);
        if (count != data.remaining())
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + count + " elements, the data has " + data.remaining());
    }

    /** F32 tensor over the array. @throws IllegalArgumentException when the shape does not hold data.length elements */
    public static SafetensorsTensor f32(long[] shape, float[] data) {
        return new SafetensorsTensor(SafetensorsDtype.F32, shape, FloatBuffer.wrap(data));
    }

    /** F32 tensor over the buffer's remaining elements. @throws IllegalArgumentException on a shape/length mismatch */
    public static SafetensorsTensor f32(long[] shape, FloatBuffer data) {
        return new SafetensorsTensor(SafetensorsDtype.F32, shape, data.slice());
    }

    /** F64 tensor over the array. @throws IllegalArgumentException on a shape/length mismatch */
    public static SafetensorsTensor f64(long[] shape, double[] data) {
        return new SafetensorsTensor(SafetensorsDtype.F64, shape, DoubleBuffer.wrap(data));
    }

    /** I64 tensor over the array. @throws IllegalArgumentException on a shape/length mismatch */
    public static SafetensorsTensor i64(long[] shape, long[] data) {
        return new SafetensorsTensor(SafetensorsDtype.I64, shape, LongBuffer.wrap(data));
    }

    /** U8 tensor over the array (bytes read as unsigned 0..255). @throws IllegalArgumentException on a shape/length mismatch */
    public static SafetensorsTensor u8(long[] shape, byte[] data) {
        return new SafetensorsTensor(SafetensorsDtype.U8, shape, ByteBuffer.wrap(data));
    }

    /** @return the element type */
    public SafetensorsDtype dtype() {
        return dtype;
    }

    /** @return a copy of the shape ({@code []} for a scalar) */
    public long[] shape() {
        return shape.clone();
    }

    /** @return the number of elements, the product of the shape (1 for a scalar) */
    public long elementCount() {
        return data.remaining();
    }

    /** @return the data size in the file, elementCount * dtype size */
    public long byteLength() {
        return elementCount() * dtype.size();
    }

    /** @return a copy of an F32 tensor's elements. @throws IllegalStateException for another dtype */
    public float[] floats() {
        FloatBuffer b = ((FloatBuffer) as(SafetensorsDtype.F32)).duplicate();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }

    /** @return a copy of an F64 tensor's elements. @throws IllegalStateException for another dtype */
    public double[] doubles() {
        DoubleBuffer b = ((DoubleBuffer) as(SafetensorsDtype.F64)).duplicate();
        double[] out = new double[b.remaining()];
        b.get(out);
        return out;
    }

    /** @return a copy of an I64 tensor's elements. @throws IllegalStateException for another dtype */
    public long[] longs() {
        LongBuffer b = ((LongBuffer) as(SafetensorsDtype.I64)).duplicate();
        long[] out = new long[b.remaining()];
        b.get(out);
        return out;
    }

    /** @return a copy of a U8 tensor's elements. @throws IllegalStateException for another dtype */
    public byte[] bytes() {
        ByteBuffer b = ((ByteBuffer) as(SafetensorsDtype.U8)).duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** The data view (for the writer); read it through a duplicate. */
    Buffer data() {
        return data;
    }

    private Buffer as(SafetensorsDtype wanted) {
        if (dtype != wanted) throw new IllegalStateException("tensor is " + dtype + ", not " + wanted);
        return data;
    }

    /**
     * @param shape a shape
     * @return the product of its extents (1 for {@code []})
     * @throws IllegalArgumentException for a negative extent or a product beyond a long
     */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative extent in shape " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
