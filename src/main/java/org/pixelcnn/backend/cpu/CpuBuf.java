package org.pixelcnn.backend.cpu;

import org.pixelcnn.backend.Buf;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

import java.nio.FloatBuffer;

/**
 * A CPU buffer: native memory allocated by JavaCPP (outside the Java heap and outside the JVM's
 * direct-buffer limit), seen through a direct FloatBuffer so OpenBLAS reads it in place and Java loops
 * index it. Views share storage and keep the allocation alive; the {@link CpuBackend} that allocated a
 * buffer holds it until the backend is closed. At most 2^31-1 floats per buffer.
 */
public final class CpuBuf implements Buf {
    final FloatBuffer fb;
    /** The allocation this buffer views; referenced so it is not freed while a view lives. */
    private final Pointer owner;

    CpuBuf(FloatBuffer fb, Pointer owner) {
        this.fb = fb;
        this.owner = owner;
    }

    /**
     * A new zero-filled buffer of n floats.
     *
     * @throws IllegalArgumentException over 2^31-1 floats
     * @throws OutOfMemoryError when the native allocation fails
     */
    static CpuBuf allocate(long n) {
        if (n < 0 || n > Integer.MAX_VALUE) throw new IllegalArgumentException("CPU buffer of " + n + " floats is too large");
        FloatPointer p = new FloatPointer(Math.max(1, n));
        if (p.isNull()) throw new OutOfMemoryError("cannot allocate " + (4 * n) + " bytes of native memory for a CPU buffer");
        Pointer.memset(p, 0, 4 * Math.max(1, n));
        FloatBuffer fb = p.asBuffer();
        return new CpuBuf(n == 0 ? fb.slice(0, 0) : fb, p);
    }

    /** Frees the native memory now (the backend that allocated the buffer calls it when it is released). */
    void free() {
        owner.close();
    }

    /**
     * The storage, position 0 and capacity {@link #size()}; absolute indexing only. The FloatBuffer does
     * not keep the native memory alive: hold the CpuBuf while using it.
     */
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
        return new CpuBuf(fb.slice((int) offset, (int) length), owner);
    }

    /** The FloatBuffer of a buffer made by a CPU backend. */
    public static FloatBuffer of(Buf b) {
        if (b instanceof CpuBuf c) return c.fb;
        throw new IllegalArgumentException("not a CPU buffer: " + b);
    }
}
