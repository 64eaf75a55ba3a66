package org.pixelcnn.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BitsPlotTest {
    @TempDir
    Path dir;

    static List<BitsPlot.Point> curve(int epochs) {
        List<BitsPlot.Point> pts = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            double train = 3.0 + 2.0 * Math.exp(-e / 6.0);
            double test = e % 5 == 4 ? Double.NaN : train - 0.04 + 0.002 * e; // test skipped every 5th epoch
            pts.add(new BitsPlot.Point(e, train, test));
        }
        return pts;
    }

    private static int count(BufferedImage img, Color c, int x0, int y0, int x1, int y1) {
        int n = 0;
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++) if ((img.getRGB(x, y) & 0xFFFFFF) == (c.getRGB() & 0xFFFFFF)) n++;
        return n;
    }

    @Test
    void plotHasBothSeriesInsideTheAxes() throws IOException {
        Path png = dir.resolve("plots/cifar_bits_per_dim.png");
        BitsPlot.write(png, "cifar: bits/dim", curve(40));
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(800, img.getWidth());
        assertEquals(500, img.getHeight());
        // Train starts high (5.0 bits/dim) on the left, so its colour appears in the upper-left quarter of the
        // plot area; both series end low on the right.
        assertTrue(count(img, BitsPlot.TRAIN, 78, 46, 300, 200) > 20, "train curve at the upper left");
        assertTrue(count(img, BitsPlot.TRAIN, 500, 300, 776, 442) > 20, "train curve at the lower right");
        assertTrue(count(img, BitsPlot.TEST, 500, 300, 776, 442) > 20, "test curve at the lower right");
        // the frame of the axes is black along the bottom edge
        assertEquals(Color.BLACK.getRGB(), img.getRGB(400, 500 - 58));
        try (var s = Files.list(png.getParent())) {
            assertEquals(1, s.count(), "no temporary file left");
        }
    }

    @Test
    void degenerateInputsStillDraw() {
        BufferedImage empty = BitsPlot.render("no data", List.of(), 400, 300);
        assertEquals(400, empty.getWidth());
        BufferedImage one = BitsPlot.render("one epoch", List.of(new BitsPlot.Point(0, 4.0, Double.NaN)), 400, 300);
        assertTrue(count(one, BitsPlot.TRAIN, 0, 0, 400, 300) > 10, "a single point is drawn as a marker");
        BufferedImage flat = BitsPlot.render("flat", List.of(new BitsPlot.Point(0, 3, 3), new BitsPlot.Point(1, 3, 3)), 400, 300);
        assertTrue(count(flat, BitsPlot.TEST, 0, 0, 400, 300) > 10);
        BufferedImage nan = BitsPlot.render("nan", List.of(new BitsPlot.Point(0, Double.NaN, Double.POSITIVE_INFINITY)), 400, 300);
        assertEquals(300, nan.getHeight());
    }

    @Test
    void stepLinesGiveACurveAtFractionalEpochs() {
        java.util.List<com.google.gson.JsonObject> log = new java.util.ArrayList<>();
        for (String line : new String[]{
                "{\"event\":\"step\",\"step\":10,\"train_bits_per_dim\":5.0}",
                "{\"event\":\"step\",\"step\":20,\"train_bits_per_dim\":4.0}",
                "{\"event\":\"epoch\",\"epoch\":0,\"step\":20,\"train_bits_per_dim\":4.6,\"test_bits_per_dim\":4.2}"})
            log.add(com.google.gson.JsonParser.parseString(line).getAsJsonObject());
        java.util.List<BitsPlot.Point> pts = BitsPlot.fromMetrics(log, 40);
        org.junit.jupiter.api.Assertions.assertEquals(3, pts.size());
        org.junit.jupiter.api.Assertions.assertEquals(0.25, pts.get(0).epoch(), 0);
        org.junit.jupiter.api.Assertions.assertEquals(5.0, pts.get(0).trainBits(), 0);
        BitsPlot.Point epoch = pts.stream().filter(p -> !Double.isNaN(p.testBits())).findFirst().orElseThrow();
        org.junit.jupiter.api.Assertions.assertEquals(0.5, epoch.epoch(), 0);
        org.junit.jupiter.api.Assertions.assertEquals(4.2, epoch.testBits(), 0);
        org.junit.jupiter.api.Assertions.assertTrue(Double.isNaN(epoch.trainBits()), "the epoch line is no batch point");
        org.junit.jupiter.api.Assertions.assertEquals(4.6, epoch.trainMean(), 0, "the epoch line carries its train mean");
        java.util.List<BitsPlot.Point> only = BitsPlot.fromMetrics(log.subList(2, 3), 40);
        org.junit.jupiter.api.Assertions.assertEquals(4.6, only.get(0).trainMean(), 0);
    }

    @Test
    void smoothingIsACentredMovingAverageOfTheFiniteValues() {
        double[] v = {1, Double.NaN, 3, 5, 7, Double.NaN, 9};
        double[] s = BitsPlot.smoothed(v, 3);
        assertEquals(2.0, s[0], 1e-12); // (1 + 3) / 2 at the start
        assertTrue(Double.isNaN(s[1]));
        assertEquals(3.0, s[2], 1e-12); // (1 + 3 + 5) / 3
        assertEquals(5.0, s[3], 1e-12);
        assertEquals(7.0, s[4], 1e-12); // (5 + 7 + 9) / 3 across the gap
        assertEquals(8.0, s[6], 1e-12);
    }

    @Test
    void theTestPointIsDrawnOnTopOfTheTrainCurveWithItsValue() {
        // noisy batch values around 4.0 and a test point exactly on the curve at the end of the first epoch
        List<BitsPlot.Point> pts = new ArrayList<>();
        for (int k = 1; k <= 40; k++) pts.add(new BitsPlot.Point(k / 40.0, 4.0 + 0.3 * Math.sin(k * 1.7), Double.NaN));
        pts.add(new BitsPlot.Point(1.0, Double.NaN, 4.0, 4.05));
        BufferedImage img = BitsPlot.render("noisy", pts, 800, 500);
        // near the test point (right end of the plot area, vertically in the middle) the test colour shows,
        // and the epoch mean's square too
        assertTrue(count(img, BitsPlot.TEST, 700, 150, 780, 350) > 40, "the test diamond is visible over the train curve");
        int dark = count(img, BitsPlot.TEST.darker(), 600, 100, 780, 350);
        assertTrue(dark > 10, "its value is written beside it (" + dark + " text pixels)");
        assertTrue(count(img, BitsPlot.TRAIN, 700, 150, 780, 350) > 20, "the train curve and the epoch mean");
    }
}
