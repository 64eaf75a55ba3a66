package org.pixelcnn.sample;

import org.pixelcnn.io.AtomicOutput;
import org.pixelcnn.io.BadInputException;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tiles uint8 NHWC images into one picture and writes it as PNG, with the layout of the reference's
 * {@code utils/plotting.py img_tile} (aspect_ratio 1, border 1, border colour 0): for n images of
 * H x W, {@code rows = ceil(sqrt(n * W/H))} and {@code cols = ceil(sqrt(n * H/W))}; image k sits at
 * row {@code k / cols}, column {@code k % cols}; tiles are separated by 1-pixel black lines (none
 * around the outside), so the picture is {@code rows*(H+1)-1} by {@code cols*(W+1)-1}. Unused tiles
 * stay black. C = 1 gives an 8-bit grayscale PNG, C = 3 an 8-bit RGB PNG; pixel values are written
 * unchanged.
 */
public final class ImageGrid {
    private ImageGrid() {
    }

    /** Grid rows and columns {@code {rows, cols}} for n images of H x W, as img_tile computes them. */
    public static int[] gridShape(int n, int height, int width) {
        double aspect = width / (double) height;
        int rows = (int) Math.ceil(Math.sqrt(n * aspect));
        int cols = (int) Math.ceil(Math.sqrt(n / aspect));
        return new int[] {Math.max(rows, n > 0 ? 1 : 0), Math.max(cols, n > 0 ? 1 : 0)};
    }

    /**
     * Tiles images.
     *
     * @param nhwc n*H*W*C bytes, NHWC
     * @param channels C: 1 or 3
     * @return a TYPE_BYTE_GRAY (C = 1) or TYPE_3BYTE_BGR (C = 3) image
     * @throws IllegalArgumentException when the sizes do not match or C is not 1 or 3
     */
    public static BufferedImage tile(byte[] nhwc, int n, int height, int width, int channels) {
        return tile(nhwc, n, height, width, channels, 0);
    }

    /**
     * As {@link #tile(byte[], int, int, int, int)} with the borders and unused tiles in grey level
     * {@code border} (0..255): train.py tiles its samples with border_color 1.0, white (255).
     */
    public static BufferedImage tile(byte[] nhwc, int n, int height, int width, int channels, int border) {
        int[] grid = gridShape(n, height, width);
        return tile(nhwc, n, height, width, channels, border, grid[0], grid[1], -1);
    }

    /**
     * The general form: {@code cols} tiles a row ({@code ceil(n / cols)} rows; cols = 0: img_tile's square
     * grid, {@link #gridShape}), and with
     * {@code markAfterRow = K >= 0} every tile gets one extra pixel row after its image row K-1 (so the
     * tile is H+1 high), drawn red (on grayscale grids dashed, 2 white pixels then 2 black, so that it shows on
     * dark and light images alike): the line under the K rows that an
     * image completion kept. {@code markAfterRow = -1}: no line.
     *
     * @throws IllegalArgumentException when the sizes do not match, C is not 1 or 3, cols &lt; 0 or the
     *                                  marked row is outside [0, H]
     */
    public static BufferedImage tile(byte[] nhwc, int n, int height, int width, int channels, int border, int cols, int markAfterRow) {
        if (cols < 0) throw new IllegalArgumentException("cols " + cols);
        if (cols == 0) {
            int[] grid = gridShape(n, height, width);
            return tile(nhwc, n, height, width, channels, border, grid[0], grid[1], markAfterRow);
        }
        return tile(nhwc, n, height, width, channels, border, Math.max(1, (n + cols - 1) / cols), cols, markAfterRow);
    }

    private static BufferedImage tile(byte[] nhwc, int n, int height, int width, int channels, int border, int rows, int cols, int markAfterRow) {
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("channels " + channels);
        if (n <= 0 || (long) n * height * width * channels != nhwc.length) {
            throw new IllegalArgumentException(nhwc.length + " bytes for " + n + " images of " + height + "x" + width + "x" + channels);
        }
        if (markAfterRow < -1 || markAfterRow > height) throw new IllegalArgumentException("marked row " + markAfterRow + " of " + height);
        int tileH = height + (markAfterRow >= 0 ? 1 : 0);
        int outH = rows * (tileH + 1) - 1;
        int outW = cols * (width + 1) - 1;
        BufferedImage out = new BufferedImage(outW, outH, channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
        WritableRaster raster = out.getRaster();
        if (border != 0) {
            int[] fill = new int[channels];
            java.util.Arrays.fill(fill, border & 0xff);
            for (int y = 0; y < outH; y++) for (int x = 0; x < outW; x++) raster.setPixel(x, y, fill);
        }
        int[] px = new int[channels];
        int[] red = {255, 0, 0}, white = {255}, black = {0};
        for (int k = 0; k < n && k / cols < rows; k++) {
            int y0 = (k / cols) * (tileH + 1);
            int x0 = (k % cols) * (width + 1);
            for (int y = 0; y < height; y++) {
                int ty = y0 + y + (markAfterRow >= 0 && y >= markAfterRow ? 1 : 0);
                for (int x = 0; x < width; x++) {
                    int at = ((k * height + y) * width + x) * channels;
                    for (int c = 0; c < channels; c++) px[c] = nhwc[at + c] & 0xff;
                    raster.setPixel(x0 + x, ty, px);
                }
            }
            if (markAfterRow >= 0)
                for (int x = 0; x < width; x++) raster.setPixel(x0 + x, y0 + markAfterRow, channels == 3 ? red : x % 4 < 2 ? white : black);
        }
        return out;
    }

    /**
     * Tiles images and writes the PNG.
     *
     * @throws BadInputException naming the file when it cannot be written
     */
    public static void write(Path file, byte[] nhwc, int n, int height, int width, int channels) {
        write(file, nhwc, n, height, width, channels, 0);
    }

    /** As {@link #write(Path, byte[], int, int, int, int)} with borders in grey level {@code border} (255 for sample grids, as train.py). */
    public static void write(Path file, byte[] nhwc, int n, int height, int width, int channels, int border) {
        write(file, nhwc, n, height, width, channels, border, 1);
    }

    /** Grids narrower than this many pixels are written enlarged by {@link #autoScale}. */
    public static final int MIN_WIDTH = 512;

    /**
     * The smallest whole factor that makes the grid of n images of H x W at least {@value #MIN_WIDTH} pixels
     * wide (1 when it already is): 16 Fashion-MNIST images (a 117-pixel grid) get 5, 64 CIFAR images 2.
     */
    public static int autoScale(int n, int height, int width) {
        int w = gridShape(n, height, width)[1] * (width + 1) - 1;
        return Math.max(1, (MIN_WIDTH + w - 1) / w);
    }

    /**
     * As {@link #write(Path, byte[], int, int, int, int, int)}, every pixel (borders included) repeated
     * {@code scale} x {@code scale} times (nearest neighbour: no value is blended, so a pixel of the picture
     * is still one of the images' values).
     *
     * @throws IllegalArgumentException when scale &lt; 1
     */
    public static void write(Path file, byte[] nhwc, int n, int height, int width, int channels, int border, int scale) {
        if (scale < 1) throw new IllegalArgumentException("scale " + scale);
        write(file, scale(tile(nhwc, n, height, width, channels, border), scale));
    }

    /**
     * Writes a tiled picture as PNG: to a temporary file in the same folder, then renamed over {@code file},
     * so a failed write never leaves half a picture.
     *
     * @throws BadInputException naming the file when it cannot be written
     */
    public static void write(Path file, BufferedImage img) {
        try (AtomicOutput out = AtomicOutput.open(file)) {
            if (!ImageIO.write(img, "png", out.stream())) throw new IOException("no PNG writer");
            out.commit();
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot write the PNG (" + e.getMessage() + ")", e);
        }
    }

    /** The smallest whole factor that makes a picture at least {@value #MIN_WIDTH} pixels wide (1 when it already is). */
    public static int autoScale(BufferedImage img) {
        return Math.max(1, (MIN_WIDTH + img.getWidth() - 1) / img.getWidth());
    }

    /**
     * img with every pixel repeated scale x scale times (same image type; nearest neighbour, so every pixel
     * of the result is one of img's).
     *
     * @throws IllegalArgumentException when scale &lt; 1
     */
    public static BufferedImage scale(BufferedImage img, int scale) {
        if (scale < 1) throw new IllegalArgumentException("scale " + scale);
        if (scale == 1) return img;
        BufferedImage out = new BufferedImage(img.getWidth() * scale, img.getHeight() * scale, img.getType());
        WritableRaster src = img.getRaster(), dst = out.getRaster();
        int[] px = new int[src.getNumBands()];
        for (int y = 0; y < out.getHeight(); y++)
            for (int x = 0; x < out.getWidth(); x++) dst.setPixel(x, y, src.getPixel(x / scale, y / scale, px));
        return out;
    }
}
