package org.pixelcnn.data.format;

import org.pixelcnn.data.ImageSet;
import org.pixelcnn.io.BadInputException;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Reads and writes uint8 image arrays in numpy's {@code .npz} format (a zip of {@code .npy} files, see
 * {@link NpyFormat}), as the reference's data/imagenet_data.py keeps small ImageNet: {@code trainx}
 * and {@code testx} of shape (N, H, W, C) in {@code imgnet_32x32.npz} ({@code np.savez} /
 * {@code np.load}). Arrays are streamed into and out of {@link ImageSet} chunks, so sets over 2 GB work.
 */
public final class NpzImages {
    private NpzImages() {
    }

    /**
     * Reads the array {@code name} (entry {@code name.npy}) as unlabelled images.
     *
     * @throws BadInputException naming the file: not a zip, no such array, not uint8 (N,H,W,C) with C in {1,3}
     *                           (or (N,H,W)), Fortran order, or truncated data
     */
    public static ImageSet read(Path file, String name) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry entry = zip.getEntry(name + ".npy");
            if (entry == null) entry = zip.getEntry(name);
            if (entry == null) {
                throw new BadInputException(file + ": no array '" + name + "' (entries: " + zip.stream().map(ZipEntry::getName).limit(10).toList() + ")");
            }
            try (InputStream in = new BufferedInputStream(zip.getInputStream(entry), 1 << 20)) {
                NpyFormat header = NpyFormat.read(in);
                long[] s = header.shape();
                boolean ok = header.isUint8() && !header.fortran() && (s.length == 4 && (s[3] == 1 || s[3] == 3) || s.length == 3);
                if (!ok) {
                    throw new BadInputException(file + ": array '" + name + "' is " + header.descr() + (header.fortran() ? " in Fortran order" : "")
                            + " of shape " + Arrays.toString(s) + ", expected uint8 images of shape (N, H, W, C) with C = 1 or 3");
                }
                if (s[0] > Integer.MAX_VALUE || s[1] > 1 << 15 || s[2] > 1 << 15 || s[1] == 0 || s[2] == 0) {
                    throw new BadInputException(file + ": array '" + name + "' has an unusable shape " + Arrays.toString(s));
                }
                int channels = s.length == 4 ? (int) s[3] : 1;
                ImageSet set = ImageSet.allocate(file + ":" + name, (int) s[0], (int) s[1], (int) s[2], channels, null);
                long done = 0;
                long total = header.elements();
                for (int k = 0; k < set.chunkCount(); k++) {
                    byte[] chunk = set.chunk(k);
                    int got = in.readNBytes(chunk, 0, chunk.length);
                    done += got;
                    if (got < chunk.length) throw new BadInputException(file + ": array '" + name + "' is truncated (" + done + " of " + total + " bytes)");
                }
                return set;
            }
        } catch (ZipException e) {
            throw new BadInputException(file + ": not a readable .npz file (" + e.getMessage() + ")", e);
        } catch (EOFException e) {
            throw new BadInputException(file + ": truncated .npz file (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new BadInputException(file + ": not a readable .npz file (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Writes image sets as uint8 arrays of shape (N, H, W, C), one {@code <name>.npy} entry each,
     * stored uncompressed as {@code np.savez} does; written to a temporary file and renamed.
     *
     * @param arrays array name to images, in entry order
     * @throws IOException when the file cannot be written
     */
    public static void write(Path file, Map<String, ImageSet> arrays) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream fileOut = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20);
             ZipOutputStream zip = new ZipOutputStream(fileOut)) {
            for (Map.Entry<String, ImageSet> e : new LinkedHashMap<>(arrays).entrySet()) {
                ImageSet set = e.getValue();
                byte[] header = NpyFormat.header("|u1", new long[] {set.count(), set.height(), set.width(), set.channels()});
                CRC32 crc = new CRC32();
                crc.update(header);
                long size = header.length;
                for (int k = 0; k < set.chunkCount(); k++) {
                    crc.update(set.chunk(k));
                    size += set.chunk(k).length;
                }
                ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
                entry.setMethod(ZipEntry.STORED);
                entry.setSize(size);
                entry.setCompressedSize(size);
                entry.setCrc(crc.getValue());
                zip.putNextEntry(entry);
                zip.write(header);
                for (int k = 0; k < set.chunkCount(); k++) zip.write(set.chunk(k));
                zip.closeEntry();
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
