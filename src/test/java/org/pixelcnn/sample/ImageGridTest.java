package org.pixelcnn.sample;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.io.BadInputException;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageGridTest {
    @TempDir
    Path tmp;

    @Test
    void gridShapeFollowsImgTile() {
        assertArrayEquals(new int[] {8, 8}, ImageGrid.gridShape(64, 32, 32));
        assertArrayEquals(new int[] {4, 4}, ImageGrid.gridShape(10, 32, 32));
        assertArrayEquals(new int[] {1, 1}, ImageGrid.gridShape(1, 5, 5));
        // W/H = 2: rows = ceil(sqrt(8 * 2)) = 4, cols = ceil(sqrt(8 / 2)) = 2
        assertArrayEquals(new int[] {4, 2}, ImageGrid.gridShape(8, 2, 4));
    }

    private static byte[] images(int n, int h, int w, int c) {
        byte[] px = new byte[n * h * w * c];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (1 + (i * 37) % 250);
        return px;
    }

    /** Every pixel of the written PNG: the tile's image pixel, or 0 on borders and unused tiles. */
    @Test
    void rgbAndGrayGridsRoundTripThroughPng() throws IOException {
        for (int c : new int[] {3, 1}) {
            int n = 10;
            int h = 3;
            int w = 5;
            byte[] px = images(n, h, w, c);
            Path file = tmp.resolve("grid" + c + ".png");
            ImageGrid.write(file, px, n, h, w, c);
            BufferedImage img = ImageIO.read(file.toFile());
            int[] grid = ImageGrid.gridShape(n, h, w);
            assertEquals(grid[0] * (h + 1) - 1, img.getHeight());
            assertEquals(grid[1] * (w + 1) - 1, img.getWidth());
            assertEquals(c, img.getRaster().getNumBands());
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    int tr = y / (h + 1);
                    int tc = x / (w + 1);
                    int k = tr * grid[1] + tc;
                    boolean inside = y % (h + 1) < h && x % (w + 1) < w && k < n;
                    for (int ch = 0; ch < c; ch++) {
                        int expect = inside ? px[((k * h + y % (h + 1)) * w + x % (w + 1)) * c + ch] & 0xff : 0;
                        assertEquals(expect, img.getRaster().getSample(x, y, ch), "c=" + c + " y=" + y + " x=" + x + " ch=" + ch);
                    }
                }
            }
        }
    }

    @Test
    void unwritableFileIsNamed() {
        Path file = tmp.resolve("no/such/dir/grid.png");
        BadInputException e = assertThrows(BadInputException.class, () -> ImageGrid.write(file, images(1, 2, 2, 3), 1, 2, 2, 3));
        assertTrue(e.getMessage().startsWith(file + ": cannot write it, folder "), e.getMessage());
    }

    @Test
    void whiteBordersForSampleGrids() {
        int n = 5, h = 3, w = 2, c = 3;
        byte[] px = images(n, h, w, c);
        java.awt.image.BufferedImage img = ImageGrid.tile(px, n, h, w, c, 255);
        int[] grid = ImageGrid.gridShape(n, h, w);
        for (int y = 0; y < img.getHeight(); y++)
            for (int x = 0; x < img.getWidth(); x++) {
                int k = (y / (h + 1)) * grid[1] + x / (w + 1);
                boolean inside = y % (h + 1) < h && x % (w + 1) < w && k < n;
                for (int ch = 0; ch < c; ch++) {
                    int expect = inside ? px[((k * h + y % (h + 1)) * w + x % (w + 1)) * c + ch] & 0xff : 255;
                    assertEquals(expect, img.getRaster().getSample(x, y, ch), "y=" + y + " x=" + x);
                }
            }
    }

    @Test
    void smallGridsAreEnlargedByWholeFactorsWithoutBlending() throws IOException {
        assertEquals(5, ImageGrid.autoScale(16, 28, 28), "16 Fashion-MNIST images: a 117-pixel grid, 5x is 585");
        assertEquals(2, ImageGrid.autoScale(64, 32, 32), "64 CIFAR images: 263 pixels, 2x");
        assertEquals(1, ImageGrid.autoScale(256, 32, 32), "already wide enough");
        int n = 3, h = 4, w = 5, c = 3;
        byte[] px = new byte[n * h * w * c];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 37);
        Path one = tmp.resolve("one.png"), four = tmp.resolve("four.png");
        ImageGrid.write(one, px, n, h, w, c, 255, 1);
        ImageGrid.write(four, px, n, h, w, c, 255, 4);
        BufferedImage a = ImageIO.read(one.toFile()), b = ImageIO.read(four.toFile());
        assertEquals(4 * a.getWidth(), b.getWidth());
        assertEquals(4 * a.getHeight(), b.getHeight());
        int[] p = new int[3], q = new int[3];
        for (int y = 0; y < b.getHeight(); y++)
            for (int x = 0; x < b.getWidth(); x++)
                assertArrayEquals(a.getRaster().getPixel(x / 4, y / 4, p), b.getRaster().getPixel(x, y, q), "pixel " + x + "," + y);
    }
}
