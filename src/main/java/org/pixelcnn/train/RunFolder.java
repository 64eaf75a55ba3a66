package org.pixelcnn.train;

import org.pixelcnn.data.sets.DataIdentity;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.io.Checkpoint;
import org.pixelcnn.io.CheckpointReader;
import org.pixelcnn.io.MetricsLog;
import org.pixelcnn.model.ModelConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A save folder belongs to one run. Before a run starts, {@link #claim} looks at what the folder holds: a
 * fresh run refuses a folder that holds another run's checkpoints or metrics (unless --overwrite deletes
 * them); a resumed run (--load_params) must meet the same model, batch layout, seed and data set as the
 * run it continues ({@link #resumeDifference}). Nothing the folder holds is reused or changed without a
 * word: every refusal is one line naming the folder and what differs.
 */
final class RunFolder {
    /** The files a run writes into its folder (besides checkpoint-&lt;step&gt;.safetensors and their temporary files). */
    private static final Pattern RUN_FILES = Pattern.compile(".+_sample\\d+\\.png|bits_per_dim\\.png|" + Pattern.quote(MetricsLog.FILE_NAME)
            + "|checkpoint-\\d+\\.safetensors|\\.(checkpoint-\\d+\\.safetensors|bits_per_dim\\.png|metrics\\.jsonl|.+_sample\\d+\\.png)-.*\\.tmp");

    private RunFolder() {}

    /**
     * Makes the folder this run's: creates it, and for a fresh run (no --load_params, or --load_params on a
     * folder without checkpoints) refuses a folder that already holds a run unless --overwrite, which deletes
     * that run's files first.
     *
     * @return the latest checkpoint to resume from (--load_params), or null for a fresh run
     * @throws BadInputException naming the folder and how to go on when it holds another run
     */
    static Path claim(TrainConfig cfg, TrainListener listener) {
        Path dir = cfg.saveDir();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new BadInputException(dir + ": cannot create the save directory (" + e.getMessage() + ")");
        }
        List<Path> checkpoints = Checkpoint.list(dir);
        if (cfg.loadParams() && !checkpoints.isEmpty()) {
            if (cfg.overwrite()) throw new BadInputException("--load_params resumes the run in " + dir + " and --overwrite would delete it: give one of them");
            return checkpoints.get(checkpoints.size() - 1);
        }
        List<Path> run = runFiles(dir);
        if (run.isEmpty()) {
            if (cfg.loadParams()) listener.note("no checkpoint in " + dir + ": starting a new run");
            return null;
        }
        if (!cfg.overwrite()) {
            String what = checkpoints.isEmpty() ? "the metrics or samples of an earlier run (no checkpoint)"
                    : "the checkpoints of an earlier run (latest " + checkpoints.get(checkpoints.size() - 1).getFileName() + ")";
            throw new BadInputException(dir + ": holds " + what + "; resume it with --load_params, delete it with --overwrite,"
                    + " or choose another --save_dir");
        }
        for (Path f : run) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                throw new BadInputException(f + ": cannot delete it for --overwrite (" + e.getMessage() + ")", e);
            }
        }
        listener.note("--overwrite: deleted the earlier run in " + dir + " (" + run.size() + " files: checkpoints, samples, metrics, plot)");
        return null;
    }

    /** The files of a run in dir: checkpoints (and their temporary files), sample grids, metrics.jsonl, the plot. */
    static List<Path> runFiles(Path dir) {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> Files.isRegularFile(p) && RUN_FILES.matcher(p.getFileName().toString()).matches()).sorted().forEach(out::add);
        } catch (IOException e) {
            throw new BadInputException(dir + ": cannot list the save directory (" + e.getMessage() + ")", e);
        }
        return out;
    }

    /**
     * What keeps a checkpoint's run from continuing as this configuration and data set, in one line, or null
     * when it may. Refused: another model (any flag), batch size or replica count (the data order is counted
     * in batches), seed, or data set (kind, sizes, class names, content). Learning-rate settings may change:
     * the caller says so. A checkpoint without a run id (an imported model, or one of an older version) only
     * needs the same network: the run that continues it takes its own batch layout, seed and data.
     */
    static String resumeDifference(TrainingCheckpoint.RunInfo saved, TrainConfig cfg, DataIdentity data) {
        ModelConfig a = saved.model(), b = cfg.model();
        boolean imported = saved.runId() == null;
        if (a.nrResnet() != b.nrResnet()) return "--nr_resnet " + b.nrResnet() + " differs from the run's " + a.nrResnet();
        if (a.nrFilters() != b.nrFilters()) return "--nr_filters " + b.nrFilters() + " differs from the run's " + a.nrFilters();
        if (a.nrLogisticMix() != b.nrLogisticMix()) return "--nr_logistic_mix " + b.nrLogisticMix() + " differs from the run's " + a.nrLogisticMix();
        if (a.nonlinearity() != b.nonlinearity())
            return "--resnet_nonlinearity " + b.nonlinearity().flag() + " differs from the run's " + a.nonlinearity().flag();
        if ((a.numClasses() > 0) != (b.numClasses() > 0))
            return (b.numClasses() > 0 ? "--class_conditional is given" : "--class_conditional is missing") + ", the run was "
                    + (a.numClasses() > 0 ? "" : "not ") + "class-conditional";
        if (imported)
            return a.height() != b.height() || a.width() != b.width() || a.channels() != b.channels() || a.numClasses() != b.numClasses()
                    ? "the data set's images are " + b.height() + "x" + b.width() + "x" + b.channels() + ", the model's " + a.height() + "x"
                    + a.width() + "x" + a.channels() : null;
        if (a.dropoutP() != b.dropoutP()) return "--dropout_p " + b.dropoutP() + " differs from the run's " + a.dropoutP();
        if (saved.batchSize() != cfg.batchSize()) return "--batch_size " + cfg.batchSize() + " differs from the run's " + saved.batchSize();
        if (saved.replicas() != cfg.replicas()) return "--nr_gpu " + cfg.replicas() + " differs from the run's " + saved.replicas();
        if (saved.seed() != cfg.seed()) return "--seed " + cfg.seed() + " differs from the run's " + saved.seed();
        if (saved.data() != null) {
            String d = saved.data().difference(data);
            if (d != null) return "the data set is not the run's: " + d;
        }
        if (a.height() != b.height() || a.width() != b.width() || a.channels() != b.channels() || a.numClasses() != b.numClasses())
            return "the data set's images or classes are not the run's";
        return null;
    }

    /** Reads the run description of a checkpoint file. */
    static TrainingCheckpoint.RunInfo runInfo(Path checkpoint) {
        try (CheckpointReader r = CheckpointReader.open(checkpoint)) {
            return TrainingCheckpoint.RunInfo.fromJson(r.configJson(), r.path());
        }
    }
}
