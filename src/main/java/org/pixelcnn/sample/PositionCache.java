package org.pixelcnn.sample;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;

/**
 * One activation of the network kept position by position for the cached sampler: [h, w, n, c]
 * position-major at the activation's own resolution (the n images of one position contiguous, so a run
 * of positions in raster order is one block, [count, n, c], on which the backend's elementwise
 * operations work unchanged), and how many positions are final: [0, done) in raster order. Positions
 * at or after done hold stale values and are never read.
 */
final class PositionCache {
    final String name;
    /** Height, width (this activation's resolution), images, channels. */
    final int h, w, n, c;
    /** [h, w, n, c]. */
    final Buf buf;
    /** Positions [0, done) are final. */
    int done;

    PositionCache(Backend be, String name, int h, int w, int n, int c) {
        this.name = name;
        this.h = h;
        this.w = w;
        this.n = n;
        this.c = c;
        this.buf = be.alloc((long) h * w * n * c);
    }

    /** h * w. */
    int positions() {
        return h * w;
    }

    /** The block of positions [p0, p0 + count): [count, n, c]. */
    Buf at(int p0, int count) {
        return buf.slice((long) p0 * n * c, (long) count * n * c);
    }

    /** n * c floats per position. */
    long floatsPerPosition() {
        return (long) n * c;
    }

    @Override
    public String toString() {
        return name + " [" + h + "," + w + "," + n + "," + c + "] done " + done;
    }
}
