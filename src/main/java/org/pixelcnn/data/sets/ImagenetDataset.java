package org.pixelcnn.data.sets;

import org.pixelcnn.data.ImageSet;
import org.pixelcnn.data.format.ImageFiles;
import org.pixelcnn.data.format.NpzImages;
import org.pixelcnn.io.BadInputException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small ImageNet (van den Oord et al. 2016, image-net.org/small) at 32x32 or 64x64, no labels, as the
 * reference's data/imagenet_data.py prepares it: the arrays {@code trainx} and {@code testx} (uint8,
 * (N, S, S, 3)) of {@code imgnet_SxS.npz}, or else the PNG folders {@code train_SxS/} and
 * {@code valid_SxS/} of the image-net.org tar files, read in sorted file-name order and then cached
 * as {@code imgnet_SxS.npz} next to them (its {@code maybe_preprocess}; when the folder is read-only
 * the cache is skipped with a note). Looked for in {@code --data_dir} and in its sub-folder
 * {@code small_imagenet} (the reference's layout). The reference downloads the tar files; this
 * reader does not (image-net.org no longer serves them without a login).
 */
public final class ImagenetDataset {
    private ImagenetDataset() {
    }

    /**
     * Loads small ImageNet at the first size of {@code sizes} found (e.g. {32, 64}).
     *
     * @param log notes (reading folders, writing the cache); null: quiet
     * @throws BadInputException when neither the .npz nor both folders are there (says what to put where), or a file is corrupt
     */
    public static Dataset load(Path dataDir, int[] sizes, PrintStream log) {
        for (Path root : new Path[] {dataDir, dataDir.resolve("small_imagenet")}) {
            for (int s : sizes) {
                String tag = s + "x" + s;
                Path npz = root.resolve("imgnet_" + tag + ".npz");
                Path train = root.resolve("train_" + tag);
                Path valid = root.resolve("valid_" + tag);
                if (Files.isRegularFile(npz)) {
                    ImageSet trainSet = NpzImages.read(npz, "trainx"), testSet = NpzImages.read(npz, "testx");
                    boolean folders = Files.isDirectory(train) && Files.isDirectory(valid);
                    if (!folders) return new Dataset("imagenet", npz.toString(), trainSet, testSet);
                    int nTrain = FolderListing.of(train).files().size(), nValid = FolderListing.of(valid).files().size();
                    if (nTrain == trainSet.count() && nValid == testSet.count()) {
                        if (log != null) log.println("note: reading the cache " + npz + " made from " + train + " and " + valid
                                + " (delete it to read the PNG files again)");
                        return new Dataset("imagenet", npz.toString(), trainSet, testSet);
                    }
                    if (log != null) log.println("note: the cache " + npz + " holds " + trainSet.count() + " + " + testSet.count() + " images but the folders "
                            + nTrain + " + " + nValid + ": reading the PNG files again");
                }
                if (Files.isDirectory(train) || Files.isDirectory(valid)) {
                    if (!Files.isDirectory(valid)) throw new BadInputException(valid + ": missing (the test split; " + train + " is there)");
                    if (!Files.isDirectory(train)) throw new BadInputException(train + ": missing (the training split; " + valid + " is there)");
                    return fromFolders(root, train, valid, npz, log);
                }
            }
        }
        StringBuilder want = new StringBuilder();
        for (int s : sizes) want.append(want.length() == 0 ? "" : " or ").append("imgnet_").append(s).append('x').append(s).append(".npz / train_")
                .append(s).append('x').append(s).append(" + valid_").append(s).append('x').append(s);
        throw new BadInputException(dataDir + ": no small ImageNet in it or in " + dataDir.resolve("small_imagenet")
                + " (need " + want + "; get train_32x32.tar and valid_32x32.tar from image-net.org/small and unpack them there)");
    }

    private static Dataset fromFolders(Path root, Path trainDir, Path validDir, Path npz, PrintStream log) {
        if (log != null) log.println("Reading the PNG files of " + trainDir + " and " + validDir);
        ImageSet train = readFlat(trainDir, log);
        ImageSet test = readFlat(validDir, log);
        Map<String, ImageSet> arrays = new LinkedHashMap<>();
        arrays.put("trainx", train);
        arrays.put("testx", test);
        try {
            NpzImages.write(npz, arrays);
            if (log != null) log.println("Cached them as " + npz);
        } catch (IOException | RuntimeException e) {
            if (log != null) log.println("note: could not cache them as " + npz + " (" + e.getMessage() + "); they will be read from the PNG files again next time");
        }
        return new Dataset("imagenet", root.toString(), train, test);
    }

    private static ImageSet readFlat(Path dir, PrintStream log) {
        FolderListing listing = FolderListing.of(dir);
        List<Path> files = new ArrayList<>(listing.files());
        return ImageFiles.read(dir.toString(), files, null, log);
    }
}
