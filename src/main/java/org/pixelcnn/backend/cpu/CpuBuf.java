package org.pixelcnn.backend.cpu;

import org.pixelcnn.backend.Buf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * A CPU buffer: a direct (off-heap, native-order) FloatBuffer, so OpenBLAS reads it in place.
 * Views share storage. Sizes are limited to 2^31-1 floats per buffer.
 */
public final class CpuBuf implements Buf {
    final FloatBuffer fb;

    CpuBuf(FloatBuffer fb) {
        this.fb = fb;
    }

    /** A new zero-filled buffer of n floats. */
    static CpuBuf allocate(long n) {
        if (n < 0 || n > Integer.MAX_VALUE / 4) throw new IllegalArgumentException("CPU buffer of " + n + " floats is too large");
        return new CpuBuf(ByteBuffer.allocateDirect((int) n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer());
    }

    /** The storage, position 0 and capacity {@link #size()}; absolute indexing only. */
    public FloatBuffer data() {
        return fb;
    }

    @Override
    public long size() {
        return fb.capacity();
    }

    @Override
    public CpuBuf slice(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > fb.capacity())
            throw new IndexOutOfBoundsException("slice [" + offset + ", " + (offset + length) + ") of " + fb.capacity());
        return new CpuBuf(fb.slice((int) offset, (int) length));
    }

    /** The FloatBuffer of a buffer made by a CPU backend. */
    public static FloatBuffer of(Buf b) {
        if (b instanceof CpuBuf c) return c.fb;
        throw new IllegalArgumentException("not a CPU buffer: " + b);
    }
}
