package org.pixelcnn.data.sets;

import org.pixelcnn.io.BadInputException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads the data set named by {@code --data_set} from {@code --data_dir}: the one entry point the
 * commands use (train.py's "initialize data loaders for train/test splits").
 */
public final class Datasets {
    private Datasets() {
    }

    /**
     * Loads a data set.
     *
     * @param kind          what {@code --data_set} names
     * @param dataDir       {@code --data_dir}; may be null only for Fashion-MNIST (then Debian's system folder is used)
     * @param allowDownload false for {@code --no_download} (only CIFAR-10 is ever downloaded, as in the reference)
     * @param log           progress and notes, e.g. System.err (null: quiet)
     * @throws BadInputException with one line naming the folder or file and what is wrong
     */
    public static Dataset load(DatasetKind kind, Path dataDir, boolean allowDownload, PrintStream log) {
        if (dataDir == null) {
            if (kind == DatasetKind.FASHION_MNIST) return MnistDataset.load(null, true, log);
            throw new BadInputException("--data_dir is required for --data_set " + kind.flag());
        }
        if (!Files.isDirectory(dataDir)) {
            if (Files.exists(dataDir)) throw new BadInputException(dataDir + ": --data_dir is a file, not a folder");
            if (kind != DatasetKind.CIFAR || !allowDownload) {
                throw new BadInputException(dataDir + ": --data_dir does not exist" + (kind == DatasetKind.CIFAR
                        ? " (create it, and put cifar-10-python.tar.gz or cifar-10-batches-py there, or allow the download)" : ""));
            }
            try {
                if (log != null) log.println("creating folder " + dataDir);
                Files.createDirectories(dataDir);
            } catch (IOException e) {
                throw new BadInputException(dataDir + ": cannot create --data_dir (" + e.getMessage() + ")", e);
            }
        }
        return switch (kind) {
            case CIFAR -> CifarDataset.load(dataDir, allowDownload, log);
            case IMAGENET -> ImagenetDataset.load(dataDir, new int[] {32, 64}, log);
            case IMAGENET32 -> ImagenetDataset.load(dataDir, new int[] {32}, log);
            case IMAGENET64 -> ImagenetDataset.load(dataDir, new int[] {64}, log);
            case MNIST -> MnistDataset.load(dataDir, false, log);
            case FASHION_MNIST -> MnistDataset.load(dataDir, true, log);
            case FOLDER -> FolderDataset.load(dataDir, log);
        };
    }
}
