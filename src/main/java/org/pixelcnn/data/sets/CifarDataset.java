package org.pixelcnn.data.sets;

import org.pixelcnn.data.ImageSet;
import org.pixelcnn.data.format.CifarBinaryBatch;
import org.pixelcnn.data.format.CifarPickleBatch;
import org.pixelcnn.data.format.TarGzExtractor;
import org.pixelcnn.io.BadInputException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds, downloads when missing, and reads CIFAR-10 under {@code --data_dir}: training split =
 * {@code data_batch_1..5} (50000 images), test split = {@code test_batch} (10000), 32x32x3, labels 0..9.
 *
 * <p>Looked for, in order: {@code <dir>/cifar-10-batches-py}, the reference's layout
 * {@code <dir>/cifar-10-python/cifar-10-batches-py}, {@code <dir>} itself holding {@code data_batch_1},
 * then the binary batches in {@code <dir>/cifar-10-batches-bin}, {@code <dir>/cifar-10-python/cifar-10-batches-bin}
 * or {@code <dir>} holding {@code data_batch_1.bin}. A {@code cifar-10-python.tar.gz} found in
 * {@code <dir>/cifar-10-python} or {@code <dir>} is unpacked next to itself. Otherwise, unless
 * downloads are forbidden, {@code cifar-10-python.tar.gz} is downloaded into
 * {@code <dir>/cifar-10-python} and unpacked there, as {@code maybe_download_and_extract} in the
 * reference's data/cifar10_data.py does. The URL can be overridden by the system property
 * {@value #URL_PROPERTY} (tests point it at a local port).
 */
public final class CifarDataset {
    /** CIFAR-10's class names, labels 0..9 (the label_names of batches.meta). */
    public static final java.util.List<String> CLASS_NAMES = java.util.List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");

    /** The reference's download URL (its http:// address; the host redirects to https). */
    public static final String DEFAULT_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz";
    /** System property overriding {@link #DEFAULT_URL}. */
    public static final String URL_PROPERTY = "pixelcnn.cifar.url";
    static final String ARCHIVE = "cifar-10-python.tar.gz";
    static final String PY_DIR = "cifar-10-batches-py";
    static final String BIN_DIR = "cifar-10-batches-bin";
    static final String ORIGINAL_DIR = "cifar-10-python";

    private CifarDataset() {
    }

    /** The download URL in effect: the system property {@value #URL_PROPERTY} or {@link #DEFAULT_URL}. */
    public static String url() {
        String u = System.getProperty(URL_PROPERTY);
        return u == null || u.isBlank() ? DEFAULT_URL : u.trim();
    }

    /**
     * Loads CIFAR-10 from {@code dataDir}, unpacking or downloading it first when needed.
     *
     * @param allowDownload false for {@code --no_download}
     * @param log           progress messages and the download bar (null: quiet)
     * @throws BadInputException when the folder is missing (and downloads are forbidden), a batch is missing or
     *                           corrupt, or the download fails (the message says where to put the files by hand)
     */
    public static Dataset load(Path dataDir, boolean allowDownload, PrintStream log) {
        Location found = find(dataDir);
        if (found == null) {
            Path archive = findArchive(dataDir);
            if (archive == null) {
                if (!allowDownload) throw notFound(dataDir, "and --no_download forbids downloading it");
                archive = download(dataDir, log);
            }
            if (log != null) log.println("Unpacking " + archive);
            TarGzExtractor.extract(archive, archive.getParent());
            found = find(dataDir);
            if (found == null) throw new BadInputException(archive + ": holds no " + PY_DIR + " folder; is it the CIFAR-10 python archive?");
        }
        boolean binary = found.binary();
        Path dir = found.dir();
        String suffix = binary ? ".bin" : "";
        List<ImageSet> train = new ArrayList<>();
        for (int i = 1; i <= 5; i++) train.add(readBatch(dir.resolve("data_batch_" + i + suffix), binary));
        ImageSet test = readBatch(dir.resolve("test_batch" + suffix), binary);
        return new Dataset("cifar", dir.toString(), ImageSet.concat(dir.resolve("data_batch_1..5" + suffix).toString(), train), test, CLASS_NAMES);
    }

    private static ImageSet readBatch(Path file, boolean binary) {
        return binary ? CifarBinaryBatch.read(file) : CifarPickleBatch.read(file);
    }

    /** Where the batches are: a folder, and whether it holds the binary ({@code .bin}) batches. */
    record Location(Path dir, boolean binary) {
    }

    /** The folder holding the batches, or null when none of the known layouts is there. */
    static Location find(Path dataDir) {
        if (Files.isDirectory(dataDir.resolve(PY_DIR))) return new Location(dataDir.resolve(PY_DIR), false);
        if (Files.isDirectory(dataDir.resolve(ORIGINAL_DIR).resolve(PY_DIR))) return new Location(dataDir.resolve(ORIGINAL_DIR).resolve(PY_DIR), false);
        if (Files.isRegularFile(dataDir.resolve("data_batch_1"))) return new Location(dataDir, false);
        if (Files.isDirectory(dataDir.resolve(BIN_DIR))) return new Location(dataDir.resolve(BIN_DIR), true);
        if (Files.isDirectory(dataDir.resolve(ORIGINAL_DIR).resolve(BIN_DIR))) return new Location(dataDir.resolve(ORIGINAL_DIR).resolve(BIN_DIR), true);
        if (Files.isRegularFile(dataDir.resolve("data_batch_1.bin"))) return new Location(dataDir, true);
        return null;
    }

    private static Path findArchive(Path dataDir) {
        for (Path c : new Path[] {dataDir.resolve(ORIGINAL_DIR).resolve(ARCHIVE), dataDir.resolve(ARCHIVE)}) {
            if (Files.isRegularFile(c)) return c;
        }
        return null;
    }

    private static Path download(Path dataDir, PrintStream log) {
        Path dir = dataDir.resolve(ORIGINAL_DIR);
        Path archive = dir.resolve(ARCHIVE);
        String url = url();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new BadInputException(dir + ": cannot create the folder to download CIFAR-10 into (" + e.getMessage() + ")", e);
        }
        if (log != null) log.println("Downloading " + url + " to " + archive);
        try {
            HttpDownload.fetch(url, archive, log);
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
            throw new BadInputException(archive + ": cannot download " + url + " (" + why.replaceAll("\\s+", " ")
                    + "); without network, fetch " + ARCHIVE + " elsewhere and put it, or its unpacked " + PY_DIR + " folder, in " + dir, e);
        }
        if (log != null) {
            try {
                log.println("Successfully downloaded " + ARCHIVE + " " + Files.size(archive) + " bytes.");
            } catch (IOException ignored) {
                // the size line is only informative
            }
        }
        return archive;
    }

    private static BadInputException notFound(Path dataDir, String why) {
        return new BadInputException(dataDir + ": no CIFAR-10 batches (looked for " + PY_DIR + ", " + ORIGINAL_DIR + "/" + PY_DIR + ", "
                + BIN_DIR + ") " + why + "; put " + ARCHIVE + " from " + url() + ", or its unpacked " + PY_DIR + " folder, in "
                + dataDir.resolve(ORIGINAL_DIR));
    }
}
