package org.pixelcnn.data;

/**
 * uint8 pixels to the network's input range and back. The reference feeds
 * {@code np.cast[np.float32]((x - 127.5) / 127.5)} (train.py, make_feed_dict): computed in float64,
 * then rounded to float32, so 0 maps to -1, 255 to 1 and 127 to -0.003921569.
 */
public final class PixelScaling {
    private static final float[] TO_UNIT = new float[256];

    static {
        for (int p = 0; p < 256; p++) TO_UNIT[p] = (float) ((p - 127.5) / 127.5);
    }

    private PixelScaling() {
    }

    /** One pixel 0..255 (an unsigned byte) to {@code (p - 127.5) / 127.5} in [-1, 1]. */
    public static float toUnit(byte p) {
        return TO_UNIT[p & 0xff];
    }

    /** {@code src[srcOff .. srcOff+n)} converted into {@code dst[dstOff .. dstOff+n)}. */
    public static void toUnit(byte[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = TO_UNIT[src[srcOff + i] & 0xff];
    }

    /** A whole uint8 array (e.g. NHWC images) to floats in [-1, 1]. */
    public static float[] toUnit(byte[] pixels) {
        float[] out = new float[pixels.length];
        toUnit(pixels, 0, out, 0, pixels.length);
        return out;
    }

    /** The inverse for display: x in [-1, 1] to the nearest pixel value {@code round(x * 127.5 + 127.5)}, clipped to 0..255. */
    public static byte toPixel(float x) {
        long p = Math.round(x * 127.5 + 127.5);
        return (byte) Math.max(0, Math.min(255, p));
    }
}
