package org.pixelcnn.backend.cuda;

/**
 * One reusable scratch region from a {@link DeviceArena}'s top, grown (to at least twice its size, so
 * rarely) when an operation needs more; the old region is abandoned. Work on one stream runs in order,
 * so an operation may reuse the region as soon as the previous one was queued.
 */
final class Scratch {
    private final DeviceArena arena;
    private long address, bytes;

    Scratch(DeviceArena arena) {
        this.arena = arena;
    }

    /** Device address of at least {@code need} bytes. */
    long bytes(long need) {
        if (need > bytes) {
            long size = Math.max(need, 2 * bytes);
            address = arena.allocateScratch(size);
            bytes = size;
        }
        return address;
    }

    /** Device address of at least {@code n} floats (or doubles: {@code n * 8} bytes via {@link #bytes}). */
    long floats(long n) {
        return bytes(4L * n);
    }
}
