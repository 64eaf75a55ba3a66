package org.pixelcnn.backend;

/**
 * The counter-based generator behind dropout: a pure function of (key, element index), so the same
 * seed, step, replica and layer give the same mask on every backend and a run can be replayed. The
 * CUDA kernel computes the same integer hash (SplitMix64 finaliser) and the same 24-bit uniform.
 */
public final class DropoutMask {
    private DropoutMask() {}

    /** The key of one dropout layer in one step: mixes seed, step, replica and layer index. */
    public static long key(long seed, long step, int replica, int layer) {
        long k = mix(seed ^ 0x9E3779B97F4A7C15L);
        k = mix(k ^ step);
        k = mix(k ^ ((long) replica << 32 | (layer & 0xffffffffL)));
        return k;
    }

    /** A uniform in [0, 1) with 24 bits, exact in float32: (hash(key, i) >>> 40) * 2^-24. */
    public static float uniform(long key, long index) {
        return (mix(key + index * 0x9E3779B97F4A7C15L) >>> 40) * 0x1.0p-24f;
    }

    /** True where the element is kept (uniform >= p), as tf.nn.dropout keeps with probability 1-p. */
    public static boolean keep(long key, long index, float p) {
        return uniform(key, index) >= p;
    }

    /** The 24 random bits behind {@link #uniform}: hash(key, i) &gt;&gt;&gt; 40, in [0, 2^24). */
    public static long bits24(long key, long index) {
        return mix(key + index * 0x9E3779B97F4A7C15L) >>> 40;
    }

    /**
     * The integer form of {@link #keep}: an element is kept iff {@code bits24(key, i) >= threshold(p)}, which is
     * ceil(p 2^24) (exactly: uniform = bits24 2^-24 is &gt;= p iff the integer bits24 is &gt;= p 2^24).
     */
    public static long threshold(float p) {
        return (long) Math.ceil((double) p * 0x1p24);
    }

    /** The SplitMix64 finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
