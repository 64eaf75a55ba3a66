package org.pixelcnn.data.sets;

import org.pixelcnn.data.ImageSet;
import org.pixelcnn.data.format.IdxReader;
import org.pixelcnn.io.BadInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds and reads MNIST or Fashion-MNIST (IDX files, gzipped or not): training split =
 * {@code train-images-idx3-ubyte} + {@code train-labels-idx1-ubyte} (60000), test split =
 * {@code t10k-images-idx3-ubyte} + {@code t10k-labels-idx1-ubyte} (10000), each optionally ending in
 * {@code .gz} (the names with {@code .idx3-ubyte} after a dot are accepted too); 28x28x1, labels 0..9.
 *
 * <p>Looked for in {@code --data_dir}, then in its sub-folder {@code mnist} or {@code MNIST/raw}
 * (MNIST) / {@code fashion-mnist} or {@code fashion} (Fashion-MNIST); Fashion-MNIST finally in
 * {@value #FASHION_SYSTEM_DIR}, where Debian's package {@code dataset-fashion-mnist} installs it
 * (that folder can be changed with the system property {@value #FASHION_SYSTEM_PROPERTY}).
 * The reference has no MNIST reader; 28 = 4 x 7, so the images fit the network as they are.
 */
public final class MnistDataset {
    /** Fashion-MNIST's published class names, labels 0..9 (zalandoresearch/fashion-mnist README). */
    public static final java.util.List<String> FASHION_CLASS_NAMES = java.util.List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** MNIST's classes are the digits. */
    public static final java.util.List<String> DIGIT_CLASS_NAMES = java.util.List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    /** Where Debian's {@code dataset-fashion-mnist} installs the four files. */
    public static final String FASHION_SYSTEM_DIR = "/usr/share/datasets/fashion-mnist";
    /** System property overriding {@link #FASHION_SYSTEM_DIR} (tests use it to hide the installed copy). */
    public static final String FASHION_SYSTEM_PROPERTY = "pixelcnn.fashion_mnist.dir";

    private static final String[] STEMS = {"train-images", "train-labels", "t10k-images", "t10k-labels"};

    private MnistDataset() {
    }

    /** The system folder in effect for Fashion-MNIST. */
    public static Path fashionSystemDir() {
        String p = System.getProperty(FASHION_SYSTEM_PROPERTY);
        return Path.of(p == null || p.isBlank() ? FASHION_SYSTEM_DIR : p);
    }

    /** As {@link #load(Path, boolean, java.io.PrintStream)} without notes. */
    public static Dataset load(Path dataDir, boolean fashion) {
        return load(dataDir, fashion, null);
    }

    /**
     * Loads MNIST ({@code fashion == false}) or Fashion-MNIST: from {@code --data_dir} (or its sub-folders
     * named above) when given, never from elsewhere; without it (Fashion-MNIST only) from the system
     * folder, which log is told.
     *
     * @param dataDir {@code --data_dir}, or null (Fashion-MNIST only: then the system folder)
     * @param log     notes (null: quiet)
     * @throws BadInputException when no folder holds the files (says where to put them), or a file is missing or corrupt
     */
    public static Dataset load(Path dataDir, boolean fashion, java.io.PrintStream log) {
        String name = fashion ? "fashion-mnist" : "mnist";
        List<Path> dirs = new ArrayList<>();
        if (dataDir != null) {
            dirs.add(dataDir);
            if (fashion) {
                dirs.add(dataDir.resolve("fashion-mnist"));
                dirs.add(dataDir.resolve("fashion"));
            } else {
                dirs.add(dataDir.resolve("mnist"));
                dirs.add(dataDir.resolve("MNIST").resolve("raw"));
            }
        }
        if (fashion && dataDir == null) dirs.add(fashionSystemDir());
        for (Path dir : dirs) {
            if (find(dir, STEMS[0], 3) == null) continue;
            if (dataDir == null && log != null)
                log.println("note: reading Fashion-MNIST from " + dir + " (Debian's dataset-fashion-mnist; --data_dir names another copy)");
            return read(name, dir);
        }
        String where = dataDir == null ? "--data_dir is not given" : dataDir + ": no " + name + " IDX files in it or its sub-folders";
        throw new BadInputException(where + " (need train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and"
                + " t10k-labels-idx1-ubyte, each may end in .gz)" + (fashion ? "; install Debian's dataset-fashion-mnist to get them in "
                + fashionSystemDir() + " and leave out --data_dir, or put them in --data_dir" : "; put them in --data_dir"));
    }

    private static Dataset read(String name, Path dir) {
        Path[] files = new Path[4];
        for (int k = 0; k < 4; k++) {
            int dims = STEMS[k].endsWith("images") ? 3 : 1;
            files[k] = find(dir, STEMS[k], dims);
            if (files[k] == null) throw new BadInputException(dir.resolve(STEMS[k] + "-idx" + dims + "-ubyte") + ": missing (neither it nor its .gz is there)");
        }
        ImageSet train = IdxReader.readImages(files[0], IdxReader.readLabels(files[1]));
        ImageSet test = IdxReader.readImages(files[2], IdxReader.readLabels(files[3]));
        return new Dataset(name, dir.toString(), train, test, name.equals("fashion-mnist") ? FASHION_CLASS_NAMES : DIGIT_CLASS_NAMES);
    }

    /** The file for {@code stem} in {@code dir} under any accepted spelling, or null. */
    static Path find(Path dir, String stem, int dims) {
        for (String sep : new String[] {"-", "."}) {
            for (String gz : new String[] {"", ".gz"}) {
                Path p = dir.resolve(stem + sep + "idx" + dims + "-ubyte" + gz);
                if (Files.isRegularFile(p)) return p;
            }
        }
        return null;
    }
}
