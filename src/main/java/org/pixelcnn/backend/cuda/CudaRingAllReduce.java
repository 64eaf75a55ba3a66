package org.pixelcnn.backend.cuda;

import java.util.List;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.GradientAllReduce;

/**
 * The ring all-reduce on the device, over N {@link CudaBackend} replicas (one per GPU, or several sharing
 * a GPU): reduce-scatter then all-gather over chunks of the flat gradient block, scheduled by
 * {@link RingPlan}. Each replica has a second stream for copies and a two-slot receive scratch (from its
 * arena, sized to the largest chunk); a copy from the left neighbour's buffer is a cudaMemcpyAsync with
 * cudaMemcpyDefault (one process, unified addressing: a peer copy across GPUs, device-to-device on one
 * GPU) on the receiver's copy stream, the add is the kernel {@code allreduce_add} (dst += src, one IEEE
 * rounding, as Java's float +) on the receiver's own stream, and CUDA events order them, so nothing reads a
 * chunk before it is complete and copies overlap adds. The additions are those of
 * {@link org.pixelcnn.backend.cpu.RingAllReduce} in the same order, and the all-gather copies the final chunks,
 * so every replica ends with the same bits, equal to the CPU ring's. Peer access is enabled between GPUs
 * that support it. Only long-standing runtime calls are used (cudaEventCreateWithFlags, cudaEventRecord,
 * cudaStreamWaitEvent, cudaMemcpyAsync, cudaDeviceCanAccessPeer, cudaDeviceEnablePeerAccess).
 */
public final class CudaRingAllReduce implements GradientAllReduce {
    private final List<CudaBackend> replicas;
    private final RingPlan plan;
    private final long length;
    private final CUstream_st[] copyStreams;
    private final long[] scratch;
    private final long slotFloats;
    private final CUevent_st[] events;

    /**
     * @param replicas the replicas' backends, in ring order
     * @param length   floats in each gradient block
     * @throws CudaException when a stream, an event or the scratch cannot be made (arena full: out of memory)
     */
    public CudaRingAllReduce(List<CudaBackend> replicas, long length) {
        this.replicas = List.copyOf(replicas);
        int n = replicas.size();
        this.plan = RingPlan.of(n);
        this.length = length;
        this.slotFloats = RingPlan.maxChunk(n, length);
        this.copyStreams = new CUstream_st[n];
        this.scratch = new long[n];
        this.events = new CUevent_st[plan.eventCount()];
        if (n == 1) return;
        for (int r = 0; r < n; r++) {
            CudaBackend be = replicas.get(r);
            be.bind();
            copyStreams[r] = be.context().createStream();
            scratch[r] = be.arena().allocateScratch(Math.max(1, 2 * slotFloats) * 4);
        }
        for (int e = 0; e < events.length; e++) {
            replicas.get(plan.recorder(e)).bind();
            CUevent_st ev = new CUevent_st();
            CudaException.runtime(cudart.cudaEventCreateWithFlags(ev, cudart.cudaEventDisableTiming), "cudaEventCreateWithFlags");
            events[e] = ev;
        }
        enablePeerAccess();
    }

    /** Lets each GPU read its left neighbour GPU's memory directly where the hardware allows (else copies stage through the host). */
    private void enablePeerAccess() {
        int n = replicas.size();
        int[] can = new int[1];
        for (int r = 0; r < n; r++) {
            CudaContext self = replicas.get(r).context(), left = replicas.get(Math.floorMod(r - 1, n)).context();
            if (self.device == left.device) continue;
            if (cudart.cudaDeviceCanAccessPeer(can, self.device, left.device) != cudart.cudaSuccess || can[0] == 0) continue;
            self.bind();
            int err = cudart.cudaDeviceEnablePeerAccess(left.device, 0);
            if (err == cudart.cudaErrorPeerAccessAlreadyEnabled) cudart.cudaGetLastError(); // clear it; not an error
            else CudaException.runtime(err, "cudaDeviceEnablePeerAccess(" + self.device + " -> " + left.device + ")");
        }
    }

    /** The schedule (for tests and the self-test's report). */
    public RingPlan plan() {
        return plan;
    }

    /**
     * Queues the all-reduce of the replicas' gradient blocks (CudaBufs of {@code length} floats, buffer r on
     * replica r's arena) on their streams and returns; see {@link GradientAllReduce#allReduce}.
     *
     * @throws IllegalArgumentException when the buffers do not fit
     * @throws CudaException            when a CUDA call fails
     */
    @Override
    public void allReduce(Buf[] grads) {
        int n = replicas.size();
        if (grads.length != n) throw new IllegalArgumentException("expected " + n + " gradient blocks, got " + grads.length);
        long[] base = new long[n];
        for (int r = 0; r < n; r++) {
            if (grads[r].size() != length) throw new IllegalArgumentException("gradient block " + r + " has " + grads[r].size() + " floats, the ring was made for " + length);
            base[r] = CudaBuf.addr(grads[r]);
        }
        for (RingPlan.Op op : plan.ops()) issue(op, base);
    }

    private void issue(RingPlan.Op op, long[] base) {
        int r = op.replica();
        CudaBackend be = replicas.get(r);
        be.bind();
        CUstream_st stream = op.lane() == RingPlan.Lane.COMPUTE ? be.stream() : copyStreams[r];
        for (int e : op.waits()) CudaException.runtime(cudart.cudaStreamWaitEvent(stream, events[e], 0), "cudaStreamWaitEvent(ring event " + e + ")");
        int n = replicas.size();
        long begin = op.chunk() < 0 ? 0 : RingPlan.chunkStart(op.chunk(), n, length);
        long count = op.chunk() < 0 ? 0 : RingPlan.chunkStart(op.chunk() + 1, n, length) - begin;
        long slot = op.slot() < 0 ? 0 : scratch[r] + 4L * slotFloats * op.slot();
        if (count > 0) {
            switch (op.kind()) {
                case COPY_TO_SCRATCH -> copy(slot, base[op.from()] + 4 * begin, count, stream, op);
                case ADD_SCRATCH -> be.kernels().grid1d(Kernel.ALLREDUCE_ADD, count).p(base[r] + 4 * begin).p(slot).l(count).go();
                case COPY_TO_OWN -> copy(base[r] + 4 * begin, base[op.from()] + 4 * begin, count, stream, op);
                case NONE -> { }
            }
        }
        if (op.records() >= 0) CudaException.runtime(cudart.cudaEventRecord(events[op.records()], stream), "cudaEventRecord(ring event " + op.records() + ")");
    }

    private static void copy(long dst, long src, long floats, CUstream_st stream, RingPlan.Op op) {
        CudaException.runtime(cudart.cudaMemcpyAsync(new DevicePtr(dst), new DevicePtr(src), 4 * floats, cudart.cudaMemcpyDefault, stream),
                "cudaMemcpyAsync(ring " + op.kind() + " step " + op.step() + ", chunk " + op.chunk() + " of replica " + op.from() + " to " + op.replica() + ")");
    }

    /** Waits for the copy streams, then destroys them and the events (the scratch belongs to the arenas). */
    @Override
    public void close() {
        for (int r = 0; r < copyStreams.length; r++) {
            if (copyStreams[r] == null) continue;
            replicas.get(r).bind();
            cudart.cudaStreamSynchronize(copyStreams[r]);
            CudaException.runtime(cudart.cudaStreamDestroy(copyStreams[r]), "cudaStreamDestroy(ring copy stream)");
            copyStreams[r] = null;
        }
        for (int e = 0; e < events.length; e++) {
            if (events[e] == null) continue;
            replicas.get(plan.recorder(e)).bind();
            cudart.cudaEventDestroy(events[e]);
            events[e] = null;
        }
    }
}
