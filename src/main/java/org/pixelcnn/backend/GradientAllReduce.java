package org.pixelcnn.backend;

/**
 * Sums the replicas' flat gradient blocks in place: afterwards every replica's block holds the
 * elementwise sum over replicas, bit-identical on all of them (train.py adds every GPU's gradients;
 * here an NCCL-style ring: reduce-scatter then all-gather over chunks). Both
 * implementations follow {@link org.pixelcnn.backend.cpu.RingAllReduce}'s chunks and order of additions, so they give the same bits.
 */
public interface GradientAllReduce extends AutoCloseable {

    /**
     * All-reduces {@code grads[r]} (replica r's gradient block, all of the same length) over the replicas.
     * Call it once every replica's backward pass has been issued. On the CPU it returns when the sums are
     * there; on CUDA it returns once the work is queued, ordered (by events) after each replica's queued
     * backward pass and before anything that replica queues next.
     *
     * @throws IllegalArgumentException when the number or the lengths of the buffers do not fit
     */
    void allReduce(Buf[] grads);

    /** Frees streams, events and threads the implementation made (not the buffers). */
    @Override
    default void close() {}
}
