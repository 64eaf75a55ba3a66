package org.pixelcnn.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The score heat map: viridis end points and clamping, the scale's top (99th percentile rounded up to
 * 0.5), per-pixel means, and that each image and its map land where the layout puts them, pixel for
 * pixel (an image of 16x16 is enlarged 4 times).
 */
class BitsHeatmapTest {
    @TempDir
    Path tmp;

    @Test
    void viridisEndsAndClamps() {
        assertEquals(0x440154, BitsHeatmap.colour(0));
        assertEquals(0xFDE725, BitsHeatmap.colour(1));
        assertEquals(0x21918C, BitsHeatmap.colour(0.5));
        assertEquals(BitsHeatmap.colour(1), BitsHeatmap.colour(7));
        assertEquals(BitsHeatmap.colour(0), BitsHeatmap.colour(-3));
        assertEquals(BitsHeatmap.colour(1), BitsHeatmap.colour(Double.NaN));
    }

    @Test
    void scaleTopIsThe99thPercentileRoundedUpToAHalf() {
        float[] v = new float[200];
        for (int i = 0; i < 200; i++) v[i] = i / 40f;      // 0 .. 4.975
        v[0] = Float.NaN;
        // 199 finite values: the 99th percentile is the 198th smallest, 197/40 = 4.925, rounded up to 5
        assertEquals(5.0, BitsHeatmap.scaleTop(v));
        assertEquals(1.0, BitsHeatmap.scaleTop(new float[] {0.1f, 0.2f}), "at least 1");
        assertEquals(2.0, BitsHeatmap.tickStep(8.0));
        assertEquals(0.5, BitsHeatmap.tickStep(1.5));
        assertArrayEquals(new float[] {2f, 5f}, BitsHeatmap.perPixel(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
    }

    @Test
    void imagesAndMapsSitWhereTheLayoutPutsThem() throws IOException {
        int n = 2, h = 16, w = 16;
        byte[] img = new byte[n * h * w];
        float[] bits = new float[n * h * w];
        for (int i = 0; i < img.length; i++) img[i] = (byte) (i % 251);
        bits[(1 * h + 3) * w + 5] = 100f;              // image 1, row 3, column 5: far above the scale's top
        Path png = tmp.resolve("heat.png");
        BitsHeatmap.write(png, img, bits, n, h, w, 1, new String[] {"#0", "#1"}, "test");
        BufferedImage out = ImageIO.read(png.toFile());
        int s = 4, cellW = Math.max(2 * w * s + 3, 110) + 12, x1 = 12 + cellW, y0 = 30;
        // image 1's pixel (3, 5) gray, enlarged 4x; its map pixel in the top colour, the others in the bottom one
        int gray = img[(1 * h + 3) * w + 5] & 0xff;
        assertEquals((gray << 16) | (gray << 8) | gray, out.getRGB(x1 + 5 * s + 3, y0 + 3 * s + 1) & 0xffffff);
        assertEquals(BitsHeatmap.colour(1), out.getRGB(x1 + w * s + 3 + 5 * s + 2, y0 + 3 * s + 2) & 0xffffff);
        assertEquals(BitsHeatmap.colour(0), out.getRGB(x1 + w * s + 3 + 4 * s + 2, y0 + 3 * s + 2) & 0xffffff);
        assertFalse(Files.list(tmp).anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        assertThrows(IllegalArgumentException.class, () -> BitsHeatmap.render(img, new float[3], n, h, w, 1, null, "x"));
        BadInputException e = assertThrows(BadInputException.class,
                () -> BitsHeatmap.write(tmp.resolve("no/such/dir/h.png"), img, bits, n, h, w, 1, null, "x"));
        assertTrue(e.getMessage().startsWith(tmp.resolve("no/such/dir/h.png") + ": cannot write it, folder"), e.getMessage());
    }
}
