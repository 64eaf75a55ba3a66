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
 * C = 1 when every image is grayscale; otherwise every image becomes RGB (gray replicated, palettes
 * resolved through sRGB). Samples of more than 8 bits are rescaled to 0..255, an alpha channel is
 * dropped (the colour under it kept): each of these changes is told to the log with the number of
 * images it touched and one of them, never done silently.
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
        return read(source, files, labels, null);
    }

    /**
     * As {@link #read(String, List, int[])}, telling log (when not null) what decoding changed: alpha
     * dropped, more than 8 bits per sample rescaled, grayscale images replicated to RGB among colour ones.
     */
    public static ImageSet read(String source, List<Path> files, int[] labels, java.io.PrintStream log) {
        if (files.isEmpty()) throw new BadInputException(source + ": no PNG or JPEG images");
        ImageIO.setUseCache(false);
        BufferedImage first = decode(files.get(0));
        int h = first.getHeight();
        int w = first.getWidth();
        ImageSet rgb = ImageSet.allocate(source, files.size(), h, w, 3, labels);
        AtomicBoolean anyColour = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicIntegerArray changed = new java.util.concurrent.atomic.AtomicIntegerArray(3); // alpha, wide, gray
        java.util.concurrent.atomic.AtomicReferenceArray<Path> example = new java.util.concurrent.atomic.AtomicReferenceArray<>(3);
        IntStream.range(0, files.size()).parallel().forEach(i -> {
            BufferedImage img = i == 0 ? first : decode(files.get(i));
            if (img.getHeight() != h || img.getWidth() != w) {
                throw new BadInputException(files.get(i) + ": image is " + img.getHeight() + "x" + img.getWidth() + " (HxW) but "
                        + files.get(0).getFileName() + " is " + h + "x" + w + "; all images must have one size");
            }
            byte[] px = new byte[h * w * 3];
            boolean gray = toRgb(img, px);
            if (!gray) anyColour.set(true);
            ColorModel cm = img.getColorModel();
            boolean[] what = {cm.hasAlpha(), maxBits(cm) > 8, gray};
            for (int k = 0; k < 3; k++) {
                if (!what[k]) continue;
                changed.incrementAndGet(k);
                example.compareAndSet(k, null, files.get(i));
            }
            rgb.setImage(i, px, 0);
        });
        if (log != null) {
            if (changed.get(0) > 0)
                log.println("note: " + source + ": " + changed.get(0) + " of " + files.size() + " images have an alpha channel, which is dropped"
                        + " (the colour under it is kept; e.g. " + example.get(0) + ")");
            if (changed.get(1) > 0)
                log.println("note: " + source + ": " + changed.get(1) + " of " + files.size() + " images have more than 8 bits per sample,"
                        + " rescaled to 0..255 (e.g. " + example.get(1) + ")");
            if (anyColour.get() && changed.get(2) > 0)
                log.println("note: " + source + ": " + changed.get(2) + " grayscale images among colour ones are read as RGB"
                        + " (gray repeated in the three channels; e.g. " + example.get(2) + ")");
        }
        return anyColour.get() ? rgb : rgb.firstChannelOnly();
    }

    private static int maxBits(ColorModel cm) {
        int m = 0;
        for (int c = 0; c < cm.getNumComponents(); c++) m = Math.max(m, cm.getComponentSize(c));
        return m;
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
