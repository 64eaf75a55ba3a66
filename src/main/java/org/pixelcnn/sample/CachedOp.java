package org.pixelcnn.sample;

/**
 * One operation of the cached network: it computes positions of {@link #out} from its inputs' final
 * positions. {@code reach[k][q]} is the last raster position of {@code in[k]} that output positions
 * [0, q] read ({@link Reach}; -1 for none), so position q can run once every input holds that
 * prefix. {@link #body} computes a run of positions [p0, p0 + count) (count at most the schedule's chunk)
 * with backend operations; the {@link Schedule} runs each position exactly once.
 */
final class CachedOp {
    /** Computes positions [p0, p0 + count) of the output from the inputs' final positions. */
    @FunctionalInterface
    interface Body {
        void run(int p0, int count);
    }

    final String name;
    final PositionCache out;
    final PositionCache[] in;
    final int[][] reach;
    final Body body;
    /** Multiply-adds per output position (for all images), of its matrix products: the work count. */
    final long macsPerPosition;
    /** Output positions computed since the last reset (each once). */
    long computed;

    CachedOp(String name, PositionCache out, PositionCache[] in, int[][] reach, long macsPerPosition, Body body) {
        if (in.length != reach.length) throw new IllegalArgumentException(name + ": " + in.length + " inputs, " + reach.length + " reach arrays");
        for (int[] r : reach)
            if (r.length != out.positions()) throw new IllegalArgumentException(name + ": reach of " + r.length + " for " + out.positions() + " positions");
        this.name = name;
        this.out = out;
        this.in = in;
        this.reach = reach;
        this.macsPerPosition = macsPerPosition;
        this.body = body;
    }

    /** Whether position q can run: every input's positions [0, reach[k][q]] are final. */
    boolean readable(int q) {
        for (int k = 0; k < in.length; k++) if (reach[k][q] >= in[k].done) return false;
        return true;
    }

    @Override
    public String toString() {
        return name + " -> " + out;
    }
}
