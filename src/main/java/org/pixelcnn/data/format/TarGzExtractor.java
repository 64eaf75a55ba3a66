package org.pixelcnn.data.format;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.pixelcnn.io.BadInputException;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Unpacks a {@code .tar.gz} into a folder, as {@code tarfile.open(filepath, 'r:gz').extractall(data_dir)}
 * in the reference (data/cifar10_data.py), with two differences: entries are first written to a
 * temporary folder and moved into place only when the whole archive has been read (a truncated
 * archive leaves nothing half-extracted behind), and entries that would land outside the folder
 * are refused.
 */
public final class TarGzExtractor {
    private TarGzExtractor() {
    }

    /**
     * Extracts regular files and folders of {@code archive} into {@code dest}; top-level entries that
     * already exist in {@code dest} are kept as they are.
     *
     * @throws BadInputException naming the archive when it is truncated, not gzip/tar, or has an entry outside {@code dest}
     */
    public static void extract(Path archive, Path dest) {
        Path tmp;
        try {
            Files.createDirectories(dest);
            tmp = Files.createTempDirectory(dest, ".extract-");
        } catch (IOException e) {
            throw new BadInputException(dest + ": cannot create a folder to unpack " + archive.getFileName() + " (" + e.getMessage() + ")", e);
        }
        try {
            unpack(archive, tmp);
            try (DirectoryStream<Path> top = Files.newDirectoryStream(tmp)) {
                for (Path p : top) {
                    Path target = dest.resolve(p.getFileName().toString());
                    if (!Files.exists(target)) Files.move(p, target, StandardCopyOption.ATOMIC_MOVE);
                }
            }
        } catch (IOException e) {
            throw new BadInputException(archive + ": cannot unpack (" + e.getMessage() + ")", e);
        } finally {
            deleteTree(tmp);
        }
    }

    private static void unpack(Path archive, Path into) {
        Path root = into.toAbsolutePath().normalize();
        try (InputStream file = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
             GzipCompressorInputStream gz = new GzipCompressorInputStream(file);
             TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
            int entries = 0;
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                Path out = root.resolve(e.getName()).normalize();
                if (out.equals(root)) continue;
                if (!out.startsWith(root)) {
                    throw new BadInputException(archive + ": entry '" + e.getName() + "' points outside the folder it is unpacked into");
                }
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else if (e.isFile()) {
                    Files.createDirectories(out.getParent());
                    Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                    if (Files.size(out) != e.getSize()) throw new IOException("entry " + e.getName() + " is cut short");
                }
                entries++;
            }
            if (entries == 0) throw new IOException("no entries");
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new BadInputException(archive + ": truncated or corrupt tar.gz (" + why + ")", e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // best effort: a leftover temporary folder is harmless
        }
    }
}
