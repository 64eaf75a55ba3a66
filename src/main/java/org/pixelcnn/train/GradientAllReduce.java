package org.pixelcnn.train;

import java.util.List;
import java.util.concurrent.ExecutorService;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.backend.cuda.CudaBackend;
import org.pixelcnn.backend.cuda.CudaRingAllReduce;

/**
 * Sums the replicas' flat gradient blocks in place: afterwards every replica's block holds the
 * elementwise sum over replicas, bit-identical on all of them (train.py adds every GPU's gradients;
 * DESIGN.md section 4 asks for an NCCL-style ring: reduce-scatter then all-gather over chunks). Both
 * implementations follow {@link RingAllReduce}'s chunks and order of additions, so they give the same bits.
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

    /**
     * The all-reduce for these replica backends: {@link CpuGradientAllReduce} when they are all CPU backends
     * (run on {@code pool}, one task per replica), {@link CudaRingAllReduce} when they are all CUDA backends.
     *
     * @param length floats in each gradient block
     * @throws IllegalArgumentException for a mix of backends, or another kind
     */
    static GradientAllReduce of(List<Backend> backends, long length, ExecutorService pool) {
        if (backends.stream().allMatch(b -> b instanceof CpuBackend)) return new CpuGradientAllReduce(backends.size(), pool);
        if (backends.stream().allMatch(b -> b instanceof CudaBackend))
            return new CudaRingAllReduce(backends.stream().map(b -> (CudaBackend) b).toList(), length);
        throw new IllegalArgumentException("replicas must all use the CPU backend or all the CUDA backend: "
                + backends.stream().map(Backend::name).toList());
    }
}
