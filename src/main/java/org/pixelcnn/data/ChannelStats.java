package org.pixelcnn.data;

/**
 * Per-channel mean and standard deviation of a split, in pixel units (0..255), over every pixel of
 * every image: population statistics (divisor N*H*W), from exact integer sums.
 *
 * @param mean one value per channel
 * @param std  one value per channel
 */
public record ChannelStats(double[] mean, double[] std) {

    /** Computes the statistics of {@code set}; an empty set gives NaN. */
    public static ChannelStats of(ImageSet set) {
        int c = set.channels();
        long[] sum = new long[c];
        long[] sumSq = new long[c];
        for (int k = 0; k < set.chunkCount(); k++) {
            byte[] chunk = set.chunk(k);
            for (int i = 0; i < chunk.length; i += c) {
                for (int ch = 0; ch < c; ch++) {
                    int v = chunk[i + ch] & 0xff;
                    sum[ch] += v;
                    sumSq[ch] += v * v;
                }
            }
        }
        double n = (double) set.count() * set.height() * set.width();
        double[] mean = new double[c];
        double[] std = new double[c];
        for (int ch = 0; ch < c; ch++) {
            mean[ch] = sum[ch] / n;
            std[ch] = Math.sqrt(Math.max(0, sumSq[ch] / n - mean[ch] * mean[ch]));
        }
        return new ChannelStats(mean, std);
    }
}
