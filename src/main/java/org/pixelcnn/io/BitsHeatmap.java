package org.pixelcnn.io;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The picture of what a model finds surprising: a grid of images, each beside a heat map of its
 * per-pixel negative log-likelihood in bits (the mean over the pixel's sub-pixels, so the colour scale
 * reads in bits/dim), with a colour bar as legend. Drawn with java.awt in headless mode, each image and
 * map enlarged by the same whole factor (nearest neighbour) to at least 64 pixels.
 *
 * <p>Colours: viridis (dark purple = few bits, yellow = many), linear from 0 to the 99th percentile of
 * the shown per-pixel values rounded up to a multiple of 0.5 (at least 1); higher values are drawn in
 * the top colour, as the legend says.
 */
public final class BitsHeatmap {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** Viridis at 0, 1/4, 1/2, 3/4, 1 (matplotlib's values), interpolated linearly between. */
    private static final int[][] VIRIDIS = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
    private static final int GAP = 3, PAD = 12, CAPTION = 16, TITLE = 30, LEGEND = 58;

    private BitsHeatmap() {
    }

    /** The colour of t in [0, 1] (clamped; NaN as 1) on the viridis scale, as 0xRRGGBB. */
    public static int colour(double t) {
        if (!(t >= 0)) t = Double.isNaN(t) ? 1 : 0;
        if (t > 1) t = 1;
        double x = t * (VIRIDIS.length - 1);
        int i = Math.min((int) x, VIRIDIS.length - 2);
        double f = x - i;
        int rgb = 0;
        for (int k = 0; k < 3; k++) rgb = (rgb << 8) | (int) Math.round(VIRIDIS[i][k] + f * (VIRIDIS[i + 1][k] - VIRIDIS[i][k]));
        return rgb;
    }

    /**
     * The top of the colour scale: the 99th percentile of the values (NaN and infinities skipped),
     * rounded up to a multiple of 0.5, at least 1.
     */
    public static double scaleTop(float[] pixelBits) {
        double[] v = new double[pixelBits.length];
        int n = 0;
        for (float b : pixelBits) if (Float.isFinite(b)) v[n++] = b;
        if (n == 0) return 1;
        Arrays.sort(v, 0, n);
        double p99 = v[Math.min(n - 1, (int) Math.ceil(0.99 * n) - 1)];
        return Math.max(1, Math.ceil(p99 * 2) / 2);
    }

    /**
     * Per-pixel bits from per-sub-pixel bits: the mean over each pixel's C sub-pixels.
     *
     * @param bits [n, H, W, C] NHWC
     * @return [n, H, W]
     */
    public static float[] perPixel(float[] bits, int pixels, int channels) {
        float[] out = new float[pixels];
        for (int p = 0; p < pixels; p++) {
            double s = 0;
            for (int c = 0; c < channels; c++) s += bits[p * channels + c];
            out[p] = (float) (s / channels);
        }
        return out;
    }

    /**
     * Renders the grid.
     *
     * @param images   n images, uint8 NHWC [n, H, W, C], C = 1 or 3
     * @param bits     their per-sub-pixel negative log-likelihood in bits, [n, H, W, C]
     * @param captions one short line per image (e.g. its index and bits/dim), or null
     * @param title    the title line
     * @return an RGB picture on white
     * @throws IllegalArgumentException when the sizes do not match
     */
    public static BufferedImage render(byte[] images, float[] bits, int n, int h, int w, int c, String[] captions, String title) {
        long size = (long) n * h * w * c;
        if (n < 1 || images.length != size || bits.length != size || (c != 1 && c != 3))
            throw new IllegalArgumentException(images.length + " pixels and " + bits.length + " values for " + n + " images of " + h + "x" + w + "x" + c);
        float[] pix = perPixel(bits, n * h * w, c);
        double top = scaleTop(pix);
        int s = Math.max(1, (int) Math.ceil(64.0 / Math.max(h, w)));
        int cols = (int) Math.ceil(Math.sqrt(n)), rows = (n + cols - 1) / cols;
        int pairW = 2 * w * s + GAP, cellW = Math.max(pairW, 110) + PAD, cellH = h * s + CAPTION + PAD;
        int width = Math.max(Math.max(cols * cellW + PAD, 480), textWidth(title, new Font(Font.SANS_SERIF, Font.BOLD, 14)) + 2 * PAD);
        int height = TITLE + rows * cellH + LEGEND;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            centered(g, title, width / 2, 20);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            for (int k = 0; k < n; k++) {
                int x0 = PAD + (k % cols) * cellW, y0 = TITLE + (k / cols) * cellH;
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int at = ((k * h + y) * w + x) * c;
                        int r = images[at] & 0xff, gg = c == 3 ? images[at + 1] & 0xff : r, b = c == 3 ? images[at + 2] & 0xff : r;
                        int heat = colour(pix[(k * h + y) * w + x] / top);
                        for (int dy = 0; dy < s; dy++) {
                            for (int dx = 0; dx < s; dx++) {
                                img.setRGB(x0 + x * s + dx, y0 + y * s + dy, (r << 16) | (gg << 8) | b);
                                img.setRGB(x0 + w * s + GAP + x * s + dx, y0 + y * s + dy, heat);
                            }
                        }
                    }
                }
                if (captions != null && k < captions.length && captions[k] != null) {
                    g.setColor(Color.BLACK);
                    g.drawString(captions[k], x0, y0 + h * s + CAPTION - 4);
                }
            }
            legend(g, width, height, top);
        } finally {
            g.dispose();
        }
        return img;
    }

    private static void legend(Graphics2D g, int width, int height, double top) {
        int barW = Math.min(300, width - 2 * PAD), x0 = (width - barW) / 2, y0 = height - LEGEND + 8;
        for (int x = 0; x < barW; x++) {
            g.setColor(new Color(colour(x / (double) (barW - 1))));
            g.drawLine(x0 + x, y0, x0 + x, y0 + 11);
        }
        g.setColor(Color.BLACK);
        g.drawRect(x0, y0, barW - 1, 11);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        FontMetrics fm = g.getFontMetrics();
        double step = tickStep(top);
        for (int i = 0; i * step < top - 0.4 * step; i++) tick(g, x0, y0, barW, i * step / top, String.format(Locale.ROOT, "%.3g", i * step));
        tick(g, x0, y0, barW, 1, String.format(Locale.ROOT, ">= %.3g", top));
        centered(g, "negative log-likelihood per sub-pixel, bits (mean over each pixel's channels)", width / 2, y0 + 30 + fm.getAscent());
    }

    private static void tick(Graphics2D g, int x0, int y0, int barW, double t, String label) {
        int x = x0 + (int) Math.round(t * (barW - 1));
        g.drawLine(x, y0 + 11, x, y0 + 15);
        centered(g, label, x, y0 + 16 + g.getFontMetrics().getAscent());
    }

    /** A round tick spacing (1, 2, 2.5 or 5 times a power of ten) giving 3 to 5 ticks below top. */
    static double tickStep(double top) {
        double raw = top / 4, p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) if (m * p >= raw) return m * p;
        return 10 * p;
    }

    private static int textWidth(String s, Font f) {
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = probe.createGraphics();
        try {
            return g.getFontMetrics(f).stringWidth(s);
        } finally {
            g.dispose();
        }
    }

    private static void centered(Graphics2D g, String s, int cx, int baseline) {
        g.drawString(s, cx - g.getFontMetrics().stringWidth(s) / 2, baseline);
    }

    /**
     * Renders and writes the PNG (a temporary file renamed into place).
     *
     * @throws BadInputException naming the file when it cannot be written
     */
    public static void write(Path png, byte[] images, float[] bits, int n, int h, int w, int c, String[] captions, String title) {
        BufferedImage img = render(images, bits, n, h, w, c, captions, title);
        try (AtomicOutput out = AtomicOutput.open(png)) {
            try {
                if (!ImageIO.write(img, "png", out.stream())) throw new IOException("no PNG writer available");
            } catch (IOException e) {
                throw out.failed(e);
            }
            out.commit();
        }
    }
}
