package org.pixelcnn.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The training curve: bits/dim against (fractional) epochs, as a PNG with axes, ticks, grid and legend
 * (the original kept only {@code test_bpd_<data_set>.npz}): the noisy per-batch train values faint, a
 * smoothed train curve over them (centred moving average; from {@value #SMOOTH_FROM} values on, fewer are
 * drawn as they are, with markers), each epoch's mean train value as a square,
 * and the test bits/dim (Polyak-averaged parameters) as diamonds drawn last, with their values written
 * beside them, so the test point is never hidden under the train curve. Drawn with java.awt, headless.
 */
public final class BitsPlot {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** Train colour (the smoothed curve and the epoch means; the batch values in a faint tint of it). */
    static final Color TRAIN = new Color(31, 119, 180);
    /** The per-batch train values. */
    static final Color TRAIN_BATCH = new Color(31, 119, 180, 70);
    /** Test colour. */
    static final Color TEST = new Color(255, 127, 14);

    /**
     * One x position's values; NaN marks a missing value.
     *
     * @param epoch     epoch (x), fractional for step points: step / steps per epoch
     * @param trainBits train bits/dim of one batch (a step line of the metrics log)
     * @param testBits  test bits/dim with the Polyak-averaged parameters (an epoch line)
     * @param trainMean train bits/dim averaged over the epoch (an epoch line)
     */
    public record Point(double epoch, double trainBits, double testBits, double trainMean) {
        /** A point without an epoch mean. */
        public Point(double epoch, double trainBits, double testBits) {
            this(epoch, trainBits, testBits, Double.NaN);
        }
    }

    private static final int LEFT = 78, RIGHT = 24, TOP = 46, BOTTOM = 58;
    /** Batch values from which the train curve is smoothed (fewer are drawn as they are, with markers). */
    static final int SMOOTH_FROM = 12;

    private BitsPlot() {
    }

    /**
     * Picks the {@code "event":"epoch"} lines of a metrics log ({@link MetricsLog#read}) with fields
     * {@code epoch}, {@code train_bits_per_dim} (the epoch mean), {@code test_bits_per_dim} (either may be absent).
     *
     * @param records the log's objects
     * @return one point per epoch line, in order
     */
    public static List<Point> fromMetrics(List<JsonObject> records) {
        List<Point> out = new ArrayList<>();
        for (JsonObject o : records) {
            JsonElement ev = o.get("event");
            if (ev == null || !"epoch".equals(ev.getAsString()) || !o.has("epoch")) continue;
            out.add(new Point(o.get("epoch").getAsDouble(), Double.NaN, number(o, "test_bits_per_dim"), number(o, "train_bits_per_dim")));
        }
        return out;
    }

    /**
     * The training curve of a metrics log at fractional epochs (x = step / stepsPerEpoch): each
     * {@code "event":"step"} line gives a batch train point, each {@code "event":"epoch"} line its test
     * point and the epoch's mean train value. A run shorter than an epoch still draws a curve.
     *
     * @param records       the log's objects
     * @param stepsPerEpoch optimiser steps in one epoch (at least 1)
     * @return the points, by x
     */
    public static List<Point> fromMetrics(List<JsonObject> records, int stepsPerEpoch) {
        List<Point> out = new ArrayList<>();
        for (JsonObject o : records) {
            JsonElement ev = o.get("event");
            if (ev == null || !o.has("step")) continue;
            double x = o.get("step").getAsDouble() / Math.max(1, stepsPerEpoch);
            switch (ev.getAsString()) {
                case "step" -> out.add(new Point(x, number(o, "train_bits_per_dim"), Double.NaN));
                case "epoch" -> out.add(new Point(x, Double.NaN, number(o, "test_bits_per_dim"), number(o, "train_bits_per_dim")));
                default -> { }
            }
        }
        out.sort(java.util.Comparator.comparingDouble(Point::epoch));
        return out;
    }

    private static double number(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber() ? Double.NaN : e.getAsDouble();
    }

    /**
     * Renders the plot and writes it as PNG (to a temporary file renamed into place, so a reader never sees
     * half an image).
     *
     * @param png    output file
     * @param title  title line, e.g. "cifar: bits/dim"
     * @param points the epochs, in any order
     * @throws UncheckedIOException when the file cannot be written
     */
    public static void write(Path png, String title, List<Point> points) {
        BufferedImage img = render(title, points, 800, 500);
        try {
            Path dir = png.toAbsolutePath().getParent();
            if (dir != null) Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write plot " + png, e);
        }
        try (AtomicOutput out = AtomicOutput.open(png)) {
            if (!ImageIO.write(img, "png", out.stream())) throw new IOException("no PNG writer available");
            out.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write plot " + png, e);
        }
    }

    /**
     * @param title  title line
     * @param points the epochs
     * @param width  image width in pixels (&ge; 200)
     * @param height image height in pixels (&ge; 150)
     * @return the plot, RGB on white
     */
    public static BufferedImage render(String title, List<Point> points, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            int x0 = LEFT, x1 = width - RIGHT, y0 = height - BOTTOM, y1 = TOP;
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.setColor(Color.BLACK);
            centered(g, title, width / 2, TOP - 18);

            List<Point> pts = new ArrayList<>(points);
            pts.sort((a, b) -> Double.compare(a.epoch(), b.epoch()));
            double[] xr = range(pts, true), yr = range(pts, false);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            if (xr == null || yr == null) {
                g.setColor(Color.DARK_GRAY);
                g.drawRect(x0, y1, x1 - x0, y0 - y1);
                centered(g, "no data yet", (x0 + x1) / 2, (y0 + y1) / 2);
                return img;
            }
            boolean noNegativeEpochs = pts.stream().allMatch(p -> p.epoch() >= 0);
            Axis ax = new Axis(xr[0], xr[1], x0, x1, 8, xr[1] - xr[0] >= 4, noNegativeEpochs ? 0 : Double.NEGATIVE_INFINITY);
            Axis ay = new Axis(yr[0], yr[1], y0, y1, 6, false, Double.NEGATIVE_INFINITY);
            FontMetrics fm = g.getFontMetrics();
            for (double t : ax.ticks) {
                int px = (int) Math.round(ax.pixel(t));
                g.setColor(new Color(230, 230, 230));
                g.drawLine(px, y0, px, y1);
                g.setColor(Color.BLACK);
                g.drawLine(px, y0, px, y0 + 5);
                centered(g, ax.label(t), px, y0 + 8 + fm.getAscent());
            }
            for (double t : ay.ticks) {
                int py = (int) Math.round(ay.pixel(t));
                g.setColor(new Color(230, 230, 230));
                g.drawLine(x0, py, x1, py);
                g.setColor(Color.BLACK);
                g.drawLine(x0 - 5, py, x0, py);
                String s = ay.label(t);
                g.drawString(s, x0 - 8 - fm.stringWidth(s), py + fm.getAscent() / 2 - 1);
            }
            g.setColor(Color.BLACK);
            g.drawRect(x0, y1, x1 - x0, y0 - y1);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            centered(g, "epoch", (x0 + x1) / 2, height - 14);
            AffineTransform saved = g.getTransform();
            g.rotate(-Math.PI / 2);
            centered(g, "bits/dim", -(y0 + y1) / 2, 20);
            g.setTransform(saved);

            g.setClip(x0, y1, x1 - x0 + 1, y0 - y1 + 1);
            double[] batch = new double[pts.size()], mean = new double[pts.size()], test = new double[pts.size()];
            for (int i = 0; i < pts.size(); i++) {
                batch[i] = pts.get(i).trainBits();
                mean[i] = pts.get(i).trainMean();
                test[i] = pts.get(i).testBits();
            }
            int batches = finite(batch);
            boolean smooth = batches >= SMOOTH_FROM;
            if (smooth) line(g, pts, batch, ax, ay, TRAIN_BATCH, 1f); // the noisy batch values, faint
            if (batches > 0) line(g, pts, smooth ? smoothed(batch, Math.max(5, batches / 10) | 1) : batch, ax, ay, TRAIN, 2.5f);
            if (batches > 0 && !smooth) markers(g, pts, batch, ax, ay, TRAIN, Shape.DOT, false);
            markers(g, pts, mean, ax, ay, TRAIN, Shape.SQUARE, false);
            if (batches == 0 && finite(mean) > 1) line(g, pts, mean, ax, ay, TRAIN, 2f);
            if (finite(test) > 1) line(g, pts, test, ax, ay, TEST, 2f);
            markers(g, pts, test, ax, ay, TEST, Shape.DIAMOND, true); // last, on top, with their values
            g.setClip(null);
            legend(g, x1 - 190, y1 + 12, batches >= SMOOTH_FROM, batches > 0);
        } finally {
            g.dispose();
        }
        return img;
    }

    private enum Shape { DOT, SQUARE, DIAMOND }

    private static int finite(double[] v) {
        int k = 0;
        for (double d : v) if (Double.isFinite(d)) k++;
        return k;
    }

    /**
     * The centred moving average of the finite values over a window of w of them (shorter at the ends),
     * NaN where v is NaN.
     */
    static double[] smoothed(double[] v, int w) {
        int[] at = new int[v.length];
        int n = 0;
        for (int i = 0; i < v.length; i++) if (Double.isFinite(v[i])) at[n++] = i;
        double[] out = new double[v.length];
        java.util.Arrays.fill(out, Double.NaN);
        int half = w / 2;
        for (int k = 0; k < n; k++) {
            double sum = 0;
            int lo = Math.max(0, k - half), hi = Math.min(n - 1, k + half);
            for (int j = lo; j <= hi; j++) sum += v[at[j]];
            out[at[k]] = sum / (hi - lo + 1);
        }
        return out;
    }

    /** A polyline through the finite values of v. */
    private static void line(Graphics2D g, List<Point> pts, double[] v, Axis ax, Axis ay, Color c, float width) {
        g.setColor(c);
        g.setStroke(new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        Path2D.Double line = new Path2D.Double();
        boolean open = false;
        for (int i = 0; i < pts.size(); i++) {
            if (!Double.isFinite(v[i])) continue;
            double px = ax.pixel(pts.get(i).epoch()), py = ay.pixel(v[i]);
            if (open) line.lineTo(px, py);
            else line.moveTo(px, py);
            open = true;
        }
        g.draw(line);
        g.setStroke(new BasicStroke(1f));
    }

    /** A marker at every finite value of v (at most 60 of them); with labels, the value beside the last ones. */
    private static void markers(Graphics2D g, List<Point> pts, double[] v, Axis ax, Axis ay, Color c, Shape shape, boolean labels) {
        int n = finite(v);
        if (n == 0 || n > 60) return;
        int seen = 0;
        for (int i = 0; i < pts.size(); i++) {
            if (!Double.isFinite(v[i])) continue;
            seen++;
            double px = ax.pixel(pts.get(i).epoch()), py = ay.pixel(v[i]);
            mark(g, shape, px, py, c);
            if (labels && (n <= 8 || seen == n)) {
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
                String s = String.format(java.util.Locale.ROOT, "%.3f", v[i]);
                int tx = (int) Math.round(px) - g.getFontMetrics().stringWidth(s) - 8, ty = (int) Math.round(py) - 8;
                if (tx < ax.p0 + 2) tx = (int) Math.round(px) + 8;
                g.setColor(new Color(255, 255, 255, 200));
                g.fillRect(tx - 2, ty - g.getFontMetrics().getAscent(), g.getFontMetrics().stringWidth(s) + 4, g.getFontMetrics().getHeight());
                g.setColor(c.darker());
                g.drawString(s, tx, ty);
            }
        }
    }

    private static void mark(Graphics2D g, Shape shape, double px, double py, Color c) {
        java.awt.Shape m = switch (shape) {
            case DOT -> new Ellipse2D.Double(px - 3.5, py - 3.5, 7, 7);
            case SQUARE -> new java.awt.geom.Rectangle2D.Double(px - 4, py - 4, 8, 8);
            case DIAMOND -> {
                Path2D.Double d = new Path2D.Double();
                d.moveTo(px, py - 6);
                d.lineTo(px + 6, py);
                d.lineTo(px, py + 6);
                d.lineTo(px - 6, py);
                d.closePath();
                yield d;
            }
        };
        g.setColor(c);
        g.fill(m);
        g.setColor(Color.WHITE);
        g.setStroke(new BasicStroke(1f));
        g.draw(m);
    }

    private static void legend(Graphics2D g, int x, int y, boolean smoothed, boolean batches) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        String[] names = smoothed ? new String[]{"train, per batch", "train, smoothed", "train, epoch mean", "test (Polyak avg.)"}
                : batches ? new String[]{"train, per batch ", "train, epoch mean", "test (Polyak avg.)"}
                : new String[]{"train, epoch mean", "test (Polyak avg.)"};
        int h = 12 + 20 * names.length;
        g.setColor(new Color(255, 255, 255, 230));
        g.fillRect(x, y, 178, h);
        g.setColor(Color.GRAY);
        g.drawRect(x, y, 178, h);
        for (int i = 0; i < names.length; i++) {
            int yy = y + 16 + 20 * i;
            String name = names[i];
            if (name.equals("train, per batch")) {
                g.setColor(TRAIN_BATCH);
                g.setStroke(new BasicStroke(1f));
                g.drawLine(x + 8, yy, x + 34, yy);
            } else if (name.equals("train, per batch ")) { // drawn as they are, with markers: few of them
                g.setColor(TRAIN);
                g.setStroke(new BasicStroke(2.5f));
                g.drawLine(x + 8, yy, x + 34, yy);
                mark(g, Shape.DOT, x + 21, yy, TRAIN);
            } else if (name.equals("train, smoothed")) {
                g.setColor(TRAIN);
                g.setStroke(new BasicStroke(2.5f));
                g.drawLine(x + 8, yy, x + 34, yy);
            } else {
                mark(g, name.startsWith("test") ? Shape.DIAMOND : Shape.SQUARE, x + 21, yy, name.startsWith("test") ? TEST : TRAIN);
            }
            g.setStroke(new BasicStroke(1f));
            g.setColor(Color.BLACK);
            g.drawString(name, x + 42, yy + 5);
        }
    }

    private static void centered(Graphics2D g, String s, int cx, int baseline) {
        g.drawString(s, cx - g.getFontMetrics().stringWidth(s) / 2, baseline);
    }

    /** [min, max] of the finite x (epochs) or y (bits/dim) values, widened when degenerate; null when none. */
    private static double[] range(List<Point> pts, boolean x) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Point p : pts) {
            boolean any = Double.isFinite(p.trainBits()) || Double.isFinite(p.testBits()) || Double.isFinite(p.trainMean());
            double[] vs = x ? new double[]{any ? p.epoch() : Double.NaN} : new double[]{p.trainBits(), p.testBits(), p.trainMean()};
            for (double v : vs) {
                if (!Double.isFinite(v)) continue;
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (lo > hi) return null;
        if (hi - lo < 1e-9 * Math.max(1, Math.abs(hi))) {
            double pad = x ? 1 : Math.max(0.05, Math.abs(hi) * 0.01);
            return new double[]{lo - pad, hi + pad};
        }
        double pad = (hi - lo) * (x ? 0.02 : 0.06); // keep markers at the ends clear of the frame
        return new double[]{lo - pad, hi + pad};
    }

    /** A linear axis with "nice" ticks (1, 2 or 5 times a power of ten). */
    private static final class Axis {
        final double lo, hi, p0, p1, step;
        final List<Double> ticks = new ArrayList<>();

        Axis(double lo, double hi, double p0, double p1, int target, boolean integers, double minTick) {
            double raw = (hi - lo) / target;
            double mag = Math.pow(10, Math.floor(Math.log10(raw)));
            double f = raw / mag;
            double s = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
            if (integers) s = Math.max(1, Math.round(s));
            this.step = s;
            this.lo = lo;
            this.hi = hi;
            this.p0 = p0;
            this.p1 = p1;
            for (long k = (long) Math.ceil(lo / s - 1e-9); k * s <= hi + 1e-9 * s; k++) if (k * s >= minTick) ticks.add(k * s);
        }

        double pixel(double v) {
            return p0 + (v - lo) / (hi - lo) * (p1 - p0);
        }

        String label(double v) {
            int decimals = Math.max(0, -(int) Math.floor(Math.log10(step) + 1e-9));
            return new BigDecimal(v).setScale(decimals, java.math.RoundingMode.HALF_EVEN).toPlainString();
        }
    }
}
