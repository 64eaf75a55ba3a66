package org.pixelcnn.backend;

/**
 * A float32 buffer owned by a {@link Backend} (host memory for the CPU backend, device memory for
 * CUDA), or a view of a contiguous range of one. Tensors are stored flat, row-major, NHWC.
 */
public interface Buf {
    /** Number of float32 elements. */
    long size();

    /**
     * A view of elements [offset, offset + length) sharing storage with this buffer.
     *
     * @throws IndexOutOfBoundsException if the range is not inside this buffer
     */
    Buf slice(long offset, long length);
}
