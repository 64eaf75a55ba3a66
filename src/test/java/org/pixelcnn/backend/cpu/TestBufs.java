package org.pixelcnn.backend.cpu;

import org.pixelcnn.backend.Buf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/**
 * Host arrays to and from the CPU backend's buffers, for its tests. A buffer passed as a temporary
 * ({@code be.op(up(be, x), ...)}) stays valid during the operation: the backend keeps every buffer it allocated
 * until it is closed or released ({@link CpuBufferLifetimeTest}).
 */
final class TestBufs {
    private TestBufs() {}

    /** A new buffer of be holding v. */
    static Buf up(CpuBackend be, float[] v) {
        Buf b = be.alloc(v.length);
        be.upload(v, 0, b, 0, v.length);
        return b;
    }

    /** b's contents. */
    static float[] down(CpuBackend be, Buf b) {
        float[] v = new float[Math.toIntExact(b.size())];
        be.download(b, 0, v, 0, v.length);
        return v;
    }

    /** n floats uniform in [lo, hi) from r. */
    static float[] rand(SplittableRandom r, long n, double lo, double hi) {
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return v;
    }

    /** n floats uniform in [-1, 1) from r. */
    static float[] rand(SplittableRandom r, long n) {
        return rand(r, n, -1, 1);
    }

    /** A direct native-order FloatBuffer holding v (what CpuBuf wraps). */
    static FloatBuffer direct(float[] v) {
        FloatBuffer b = ByteBuffer.allocateDirect(4 * v.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
        b.put(0, v);
        return b;
    }
}
