package org.pixelcnn.data.loader;

import java.util.SplittableRandom;

/**
 * The shuffled order of an epoch: a Fisher-Yates permutation of 0..n-1 drawn from a
 * {@link SplittableRandom} whose seed is a SplitMix64 hash of (seed, epoch). Every epoch's order is a
 * function of the seed and the epoch number alone, so a stream can be resumed at any epoch without
 * replaying earlier ones. (The reference reshuffles in place with numpy's RandomState at each
 * epoch start; same seed, same order holds here too, but not the same order as numpy.)
 */
public final class EpochOrder {
    /** The epoch key used for the data-dependent initialisation batch, apart from every training epoch. */
    static final long INIT_EPOCH = -1;

    private EpochOrder() {
    }

    /** The permutation of epoch {@code epoch}: image {@code perm[k]} comes k-th. */
    public static int[] permutation(long seed, long epoch, int n) {
        SplittableRandom rng = new SplittableRandom(mix(seed * 0x9E3779B97F4A7C15L + mix(epoch ^ 0x5DEECE66DL)));
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return perm;
    }

    /** The SplitMix64 finaliser. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
