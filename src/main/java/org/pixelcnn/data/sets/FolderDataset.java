package org.pixelcnn.data.sets;

import org.pixelcnn.data.ImageSet;
import org.pixelcnn.data.format.ImageFiles;
import org.pixelcnn.io.BadInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * {@code --data_set folder}: PNG/JPEG images of one size (RGB or grayscale) under {@code --data_dir}.
 *
 * <p>Splits: when the folder has a {@code train} sub-folder, it is the training split and
 * {@code test}, {@code valid} or {@code validation} (the first that exists) the test split.
 * Otherwise all images of the folder are used, and every 10th image in sorted order (indices 9, 19,
 * 29, ...; the last image when there are fewer than 10) is held out as the test split.
 *
 * <p>Labels: when a split's images lie in class sub-folders ({@code train/cat/1.png}), the label is
 * the index of the class name among all class names of both splits in sorted order; images directly
 * in the split folder have no labels. The reference has no such reader.
 */
public final class FolderDataset {
    private static final String[] TEST_NAMES = {"test", "valid", "validation"};

    private FolderDataset() {
    }

    /**
     * Loads the folder.
     *
     * @throws BadInputException when the folder is missing or empty, holds fewer than 2 images, an image is unreadable
     *                           or differs in size, or only one split has class sub-folders
     */
    public static Dataset load(Path dataDir) {
        return load(dataDir, null);
    }

    /**
     * As {@link #load(Path)}, telling log (when not null) how the splits were made when there is no train/
     * folder, and what decoding changed ({@link ImageFiles#read(String, List, int[], java.io.PrintStream)}).
     */
    public static Dataset load(Path dataDir, java.io.PrintStream log) {
        if (!Files.isDirectory(dataDir)) throw new BadInputException(dataDir + ": no such folder (--data_dir)");
        Path trainDir = dataDir.resolve("train");
        if (Files.isDirectory(trainDir)) {
            Path testDir = null;
            for (String n : TEST_NAMES) {
                if (testDir == null && Files.isDirectory(dataDir.resolve(n))) testDir = dataDir.resolve(n);
            }
            if (testDir == null) throw new BadInputException(dataDir + ": has a train/ folder but no test/, valid/ or validation/ folder for the test split");
            FolderListing train = FolderListing.of(trainDir);
            FolderListing test = FolderListing.of(testDir);
            if ((train.classes() == null) != (test.classes() == null)) {
                FolderListing flat = train.classes() == null ? train : test;
                throw new BadInputException(flat.dir() + ": images lie directly in it but the other split uses class sub-folders");
            }
            List<String> names = classNames(train, test);
            int nTrain = train.files().size();
            int nTest = test.files().size();
            ImageSet both = read(dataDir.toString(), concat(train.files(), test.files()),
                    train.classes() == null ? null : concat(train.classes(), test.classes()), names, log);
            return new Dataset("folder", dataDir.toString(), both.select(trainDir.toString(), range(0, nTrain)),
                    both.select(testDir.toString(), range(nTrain, nTrain + nTest)), names);
        }
        FolderListing all = FolderListing.of(dataDir);
        int n = all.files().size();
        if (n < 2) throw new BadInputException(dataDir + ": holds only one image; need at least two (one is held out for testing)");
        List<Integer> trainIdx = new ArrayList<>();
        List<Integer> testIdx = new ArrayList<>();
        for (int i = 0; i < n; i++) (i % 10 == 9 ? testIdx : trainIdx).add(i);
        if (testIdx.isEmpty()) testIdx.add(trainIdx.remove(trainIdx.size() - 1));
        List<String> names = classNames(all);
        ImageSet images = read(dataDir.toString(), all.files(), all.classes(), names, log);
        if (log != null)
            log.println("note: " + dataDir + " has no train/ folder: every 10th image in name order (" + testIdx.size() + " of " + n
                    + ") is held out as the test split");
        return new Dataset("folder", dataDir.toString(),
                images.select(dataDir + " (all but every 10th image)", trainIdx.stream().mapToInt(Integer::intValue).toArray()),
                images.select(dataDir + " (every 10th image)", testIdx.stream().mapToInt(Integer::intValue).toArray()), names);
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) r[i] = from + i;
        return r;
    }

    private static List<String> classNames(FolderListing... splits) {
        TreeSet<String> names = new TreeSet<>();
        for (FolderListing s : splits) {
            if (s.classes() != null) names.addAll(s.classes());
        }
        return new ArrayList<>(names);
    }

    private static ImageSet read(String source, List<Path> files, List<String> classes, List<String> names, java.io.PrintStream log) {
        int[] labels = null;
        if (classes != null) {
            java.util.Map<String, Integer> index = new java.util.HashMap<>();
            for (String name : names) index.put(name, index.size());
            labels = new int[classes.size()];
            for (int i = 0; i < labels.length; i++) labels[i] = index.get(classes.get(i));
        }
        return ImageFiles.read(source, files, labels, log);
    }
}
