package org.pixelcnn.data.format;

import org.pixelcnn.data.ImageSet;
import org.pixelcnn.io.BadInputException;

import javax.imageio.ImageIO;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

/**
 * Decodes a list of PNG/JPEG files (javax.imageio) of one size into an {@link ImageSet}, on all cores,
 * in list order. Grayscale images (gray colour model, any bit depth, with or without alpha) give
 * C = 1 when every image is grayscale; otherwise every image becomes RGB (gray replicated, alpha and
 * palettes resolved through sRGB). Gray samples of other bit depths are rescaled to 0..255.
 */
public final class ImageFiles {
    private ImageFiles() {
    }

    /** Whether a file name ends in .png, .jpg or .jpeg (any case). */
    public static boolean isImage(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }

    /**
     * Reads every file.
     *
     * @param source names the set in messages (a folder)
     * @param labels one label per file, or null
     * @throws BadInputException naming the file that is unreadable or whose size differs from the first file's
     */
    public static ImageSet read(String source, List<Path> files, int[] labels) {
        if (files.isEmpty()) throw new BadInputException(source + ": no PNG or JPEG images");
        ImageIO.setUseCache(false);
        BufferedImage first = decode(files.get(0));
        int h = first.getHeight();
        int w = first.getWidth();
        ImageSet rgb = ImageSet.allocate(source, files.size(), h, w, 3, labels);
        AtomicBoolean anyColour = new AtomicBoolean();
        IntStream.range(0, files.size()).parallel().forEach(i -> {
            BufferedImage img = i == 0 ? first : decode(files.get(i));
            if (img.getHeight() != h || img.getWidth() != w) {
                throw new BadInputException(files.get(i) + ": image is " + img.getHeight() + "x" + img.getWidth() + " (HxW) but "
                        + files.get(0).getFileName() + " is " + h + "x" + w + "; all images must have one size");
            }
            byte[] px = new byte[h * w * 3];
            if (!toRgb(img, px)) anyColour.set(true);
            rgb.setImage(i, px, 0);
        });
        return anyColour.get() ? rgb : rgb.firstChannelOnly();
    }

    /** Decodes one file; @throws BadInputException naming it when ImageIO cannot */
    static BufferedImage decode(Path file) {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new BadInputException(file + ": not a readable PNG or JPEG image (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")", e);
        }
        if (img == null) throw new BadInputException(file + ": not a readable PNG or JPEG image (no decoder recognises it)");
        return img;
    }

    /**
     * Writes HWC RGB bytes of {@code img} into {@code px}.
     *
     * @return true when the image is grayscale (then the three channels are equal)
     */
    static boolean toRgb(BufferedImage img, byte[] px) {
        int h = img.getHeight();
        int w = img.getWidth();
        ColorModel cm = img.getColorModel();
        if (!(cm instanceof IndexColorModel) && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1) {
            Raster r = img.getRaster();
            int bits = cm.getComponentSize(0);
            long max = (1L << bits) - 1;
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int v = bits == 8 ? row[x] : (int) Math.round(row[x] * 255.0 / max);
                    int at = (y * w + x) * 3;
                    px[at] = px[at + 1] = px[at + 2] = (byte) v;
                }
            }
            return true;
        }
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        for (int p = 0; p < argb.length; p++) {
            px[3 * p] = (byte) (argb[p] >> 16);
            px[3 * p + 1] = (byte) (argb[p] >> 8);
            px[3 * p + 2] = (byte) argb[p];
        }
        return false;
    }
}
