package org.pixelcnn.sample;

import org.pixelcnn.data.ImageSet;
import org.pixelcnn.data.format.ImageFiles;
import org.pixelcnn.data.format.NpyFormat;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.model.ModelConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The images whose top rows {@code sample --prefix FILE --rows K} keeps: a PNG (or JPEG) file, a folder of
 * them (taken in file-name order), or a uint8 .npy array NHWC [N, H, W, C] as {@code sample --uint8}
 * writes it ([N, H, W] for one channel). The first {@code count} images are used, in order. Grayscale
 * images feed an RGB model as three equal channels; colour images are refused by a grayscale model.
 */
public final class PrefixImages {
    private PrefixImages() {}

    /**
     * Reads count images of the model's shape.
     *
     * @return uint8 NHWC [count, H, W, C] with the model's H, W, C
     * @throws BadInputException naming the file when it is missing, unreadable, of another size or channel
     *                           count than the model's, or holds fewer than count images
     */
    public static byte[] read(Path source, int count, ModelConfig m) {
        if (!Files.exists(source)) throw new BadInputException("--prefix " + source + ": no such file or folder");
        String name = source.getFileName() == null ? "" : source.getFileName().toString().toLowerCase(Locale.ROOT);
        if (Files.isRegularFile(source) && name.endsWith(".npy")) return npy(source, count, m);
        ImageSet set = Files.isDirectory(source) ? folder(source) : ImageFiles.read(source.toString(), List.of(source), null);
        String what = "--prefix " + source;
        if (set.height() != m.height() || set.width() != m.width())
            throw new BadInputException(what + ": images are " + set.height() + "x" + set.width() + " but the model makes " + m.height() + "x" + m.width());
        if (set.count() < count)
            throw new BadInputException(what + ": " + set.count() + " image" + (set.count() == 1 ? "" : "s") + " for --count " + count);
        if (set.channels() == 3 && m.channels() == 1)
            throw new BadInputException(what + ": colour images for a grayscale model (1 channel)");
        byte[] px = set.copyImages(0, count);
        return set.channels() == m.channels() ? px : grayToRgb(px);
    }

    private static ImageSet folder(Path dir) {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> Files.isRegularFile(p) && ImageFiles.isImage(p) && !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new BadInputException("--prefix " + dir + ": cannot list the folder (" + e.getMessage() + ")", e);
        }
        if (files.isEmpty()) throw new BadInputException("--prefix " + dir + ": no PNG or JPEG images in the folder");
        return ImageFiles.read(dir.toString(), files, null);
    }

    private static byte[] grayToRgb(byte[] gray) {
        byte[] rgb = new byte[gray.length * 3];
        for (int i = 0; i < gray.length; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = gray[i];
        return rgb;
    }

    private static byte[] npy(Path file, int count, ModelConfig m) {
        String what = "--prefix " + file;
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file))) {
            NpyFormat f = NpyFormat.read(in);
            if (!f.isUint8()) throw new BadInputException(what + ": dtype " + f.descr() + ", expected uint8 (|u1)");
            if (f.fortran()) throw new BadInputException(what + ": Fortran-ordered array; save it in C order");
            long[] s = f.shape();
            boolean nhw = s.length == 3 && m.channels() == 1;
            if (!(s.length == 4 || nhw) || s[1] != m.height() || s[2] != m.width() || (s.length == 4 && s[3] != m.channels()))
                throw new BadInputException(what + ": shape " + Arrays.toString(s) + ", expected [N, " + m.height() + ", " + m.width() + ", "
                        + m.channels() + "] (uint8 NHWC, as sample --uint8 writes)");
            if (s[0] < count) throw new BadInputException(what + ": " + s[0] + " images for --count " + count);
            byte[] px = new byte[Math.toIntExact(count * m.dims())];
            if (in.readNBytes(px, 0, px.length) < px.length) throw new BadInputException(what + ": truncated (fewer bytes than its shape says)");
            return px;
        } catch (IOException e) {
            throw new BadInputException(what + ": not a readable .npy array (" + e.getMessage() + ")", e);
        }
    }
}
