package org.pixelcnn.cli.options;

import org.pixelcnn.data.sets.Dataset;
import org.pixelcnn.data.sets.DatasetKind;
import org.pixelcnn.data.sets.Datasets;
import org.pixelcnn.io.BadInputException;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Which data set a command reads: {@code -d --data_set} (the kinds of {@link DatasetKind}; train and data
 * default to cifar as train.py, eval to the checkpoint's), {@code -i --data_dir} and {@code --no_download}.
 */
public final class DataOptions {
    @Option(names = {"-d", "--data_set"}, paramLabel = "NAME", completionCandidates = DatasetKind.Names.class,
            description = "${COMPLETION-CANDIDATES} (train, data: default cifar; eval, score: the checkpoint's)")
    String dataSet;

    @Option(names = {"-i", "--data_dir"}, paramLabel = "DIR",
            description = "Location of the data set (optional for fashion-mnist: Debian's /usr/share/datasets/fashion-mnist)")
    Path dataDir;

    @Option(names = "--no_download", description = "Never download a missing data set (CIFAR-10 is downloaded when missing, as the original does)")
    boolean noDownload;

    /** --data_set as given, or null. */
    public String name() {
        return dataSet;
    }

    /** --data_dir, or null. */
    public Path dir() {
        return dataDir;
    }

    /**
     * The kind named by --data_set, or by {@code fallback} when it was not given.
     *
     * @throws BadInputException for an unknown name, or when neither is given
     */
    public DatasetKind kind(String fallback) {
        String name = dataSet != null ? dataSet : fallback;
        if (name == null) throw new BadInputException("give --data_set (one of " + DatasetKind.Names.joined() + ")");
        return DatasetKind.parse(name);
    }

    /**
     * Loads the data set of {@link #kind(String)} from --data_dir, downloading when missing unless
     * --no_download; progress and notes go to log.
     *
     * @throws BadInputException for missing or broken files (naming them)
     */
    public Dataset load(String fallback, PrintStream log) {
        return Datasets.load(kind(fallback), dataDir, !noDownload, log);
    }
}
