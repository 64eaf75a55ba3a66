package org.pixelcnn.data.sets;

import org.pixelcnn.data.ImageSet;
import org.pixelcnn.data.format.ImageFiles;
import org.pixelcnn.data.format.NpyFormat;
import org.pixelcnn.io.BadInputException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Images a user points at to be scored ({@code score --images PATH}), with a name for each:
 * <ul>
 *   <li>one PNG/JPEG file: one image, named by its file name;</li>
 *   <li>a folder: its PNG/JPEG images of one size, directly in it or in class sub-folders one level
 *       down (as {@code --data_set folder} lists them, sorted by name), each named by its path relative
 *       to the folder ({@code cat/001.png}); no labels;</li>
 *   <li>a numpy {@code .npy} array of uint8 pixels: [N, H, W, C] (NHWC) with C = 1 or 3, or a single
 *       image [H, W, C] with C = 1 or 3, or [N, H, W] grayscale; image i named {@code file.npy[i]}.</li>
 * </ul>
 * Grayscale files give C = 1 when every file is grayscale, else every image is RGB (see
 * {@link ImageFiles}); nothing is resized.
 *
 * @param images the pixels, uint8 NHWC, without labels
 * @param names  one name per image
 */
public record UserImages(ImageSet images, List<String> names) {

    /**
     * Reads the images at path.
     *
     * @throws BadInputException naming the path: missing, no images in the folder, an unreadable image,
     *                           images of different sizes, an .npy that is not uint8 of a supported shape
     */
    public static UserImages load(Path path) {
        return load(path, null);
    }

    /**
     * As {@link #load(Path)}, the flag that named the path (e.g. {@code --images}) leading each message.
     *
     * @throws BadInputException naming the flag and the path
     */
    public static UserImages load(Path path, String flag) {
        try {
            return loadPath(path);
        } catch (BadInputException e) {
            if (flag == null || e.getMessage().startsWith(flag)) throw e;
            throw new BadInputException(flag + " " + e.getMessage());
        }
    }

    private static UserImages loadPath(Path path) {
        if (Files.isDirectory(path)) {
            FolderListing listing = FolderListing.of(path);
            List<String> names = new ArrayList<>();
            for (Path f : listing.files()) names.add(path.relativize(f).toString().replace('\\', '/'));
            return new UserImages(ImageFiles.read(path.toString(), listing.files(), null), names);
        }
        if (!Files.isRegularFile(path)) throw new BadInputException(path + ": no such file or folder");
        String lower = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (lower.endsWith(".npy")) return npy(path);
        if (!ImageFiles.isImage(path)) throw new BadInputException(path + ": not a .png, .jpg, .jpeg or .npy file, nor a folder");
        return new UserImages(ImageFiles.read(path.toString(), List.of(path), null), List.of(path.getFileName().toString()));
    }

    private static UserImages npy(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            NpyFormat f = NpyFormat.read(in);
            if (!f.isUint8()) throw new BadInputException(path + ": holds " + f.descr() + " values; score needs uint8 pixels (0..255)");
            if (f.fortran()) throw new BadInputException(path + ": is in Fortran order; save it in C order (np.ascontiguousarray)");
            long[] s = f.shape();
            long n, h, w, c;
            if (s.length == 4) { n = s[0]; h = s[1]; w = s[2]; c = s[3]; }
            else if (s.length == 3 && (s[2] == 1 || s[2] == 3)) { n = 1; h = s[0]; w = s[1]; c = s[2]; }
            else if (s.length == 3) { n = s[0]; h = s[1]; w = s[2]; c = 1; }
            else throw new BadInputException(path + ": has shape " + java.util.Arrays.toString(s) + "; expected [N, H, W, C], [H, W, C] or [N, H, W]");
            if (c != 1 && c != 3) throw new BadInputException(path + ": has " + c + " channels (shape " + java.util.Arrays.toString(s) + "); expected NHWC with C = 1 or 3");
            if (n < 1 || h < 1 || w < 1) throw new BadInputException(path + ": holds no image (shape " + java.util.Arrays.toString(s) + ")");
            if (n > Integer.MAX_VALUE || h * w * c > Integer.MAX_VALUE) throw new BadInputException(path + ": too large (shape " + java.util.Arrays.toString(s) + ")");
            ImageSet set = ImageSet.allocate(path.toString(), (int) n, (int) h, (int) w, (int) c, null);
            byte[] one = new byte[(int) (h * w * c)];
            for (int i = 0; i < n; i++) {
                if (in.readNBytes(one, 0, one.length) < one.length)
                    throw new BadInputException(path + ": truncated: the header promises " + n + " images, the data ends in image " + i);
                set.setImage(i, one, 0);
            }
            List<String> names = new ArrayList<>();
            String file = path.getFileName().toString();
            for (int i = 0; i < n; i++) names.add(file + "[" + i + "]");
            return new UserImages(set, names);
        } catch (IOException e) {
            throw new BadInputException(path + ": not a readable .npy array (" + e.getMessage() + ")", e);
        }
    }
}
