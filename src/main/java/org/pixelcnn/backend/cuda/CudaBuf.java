package org.pixelcnn.backend.cuda;

import org.pixelcnn.backend.Buf;

/**
 * A float32 buffer in device memory: a range of a {@link DeviceArena}, as (device address of element 0,
 * length in floats). Views share storage.
 */
public final class CudaBuf implements Buf {
    private final long address;
    private final long size;

    CudaBuf(long address, long size) {
        this.address = address;
        this.size = size;
    }

    /** Device address of element 0. */
    public long address() {
        return address;
    }

    /** Device address of element i. */
    long at(long i) {
        return address + 4L * i;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public CudaBuf slice(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > size)
            throw new IndexOutOfBoundsException("slice [" + offset + ", " + (offset + length) + ") of " + size);
        return new CudaBuf(at(offset), length);
    }

    /** The CudaBuf behind a Buf, or null for null. @throws IllegalArgumentException for another backend's buffer */
    static CudaBuf of(Buf b) {
        if (b == null) return null;
        if (b instanceof CudaBuf c) return c;
        throw new IllegalArgumentException("not a CUDA buffer: " + b.getClass().getName());
    }

    /** Device address of a Buf, 0 (a null pointer) for null. */
    static long addr(Buf b) {
        return b == null ? 0L : of(b).address;
    }

    @Override
    public String toString() {
        return "CudaBuf[0x" + Long.toHexString(address) + ", " + size + "]";
    }
}
