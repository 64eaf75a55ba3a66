package org.pixelcnn.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.data.sets.DataIdentity;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.io.Checkpoint;
import org.pixelcnn.io.CheckpointContents;
import org.pixelcnn.io.CheckpointReader;
import org.pixelcnn.io.CheckpointTensor;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.Param;
import org.pixelcnn.model.ParamStore;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Maps the engine's flat blocks (parameters, Polyak averages, Adam moments) to a checkpoint under the
 * reference's variable names, and back. The model configuration travels as JSON metadata, so
 * {@code sample} and {@code eval} can rebuild the network from the file alone.
 */
public final class TrainingCheckpoint {
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    /**
     * What a checkpoint says about the run (JSON metadata "config").
     *
     * @param model        the network
     * @param dataSet      the --data_set it was trained on
     * @param batchSize    --batch_size per replica
     * @param replicas     --nr_gpu
     * @param learningRate --learning_rate
     * @param lrDecay      --lr_decay
     * @param polyakDecay  --polyak_decay
     * @param seed         --seed
     * @param runId        the run's identity, drawn when it started (null in checkpoints of older versions and imports)
     * @param data         what the run's data set was ({@link DataIdentity}: kind, sizes, class names,
     *                     fingerprint); null when unknown (older versions, imports)
     */
    public record RunInfo(ModelConfig model, String dataSet, int batchSize, int replicas, double learningRate,
                          double lrDecay, double polyakDecay, long seed, String runId, DataIdentity data) {

        /** A run description without a run id or data identity (imported models, tests). */
        public RunInfo(ModelConfig model, String dataSet, int batchSize, int replicas, double learningRate, double lrDecay,
                       double polyakDecay, long seed) {
            this(model, dataSet, batchSize, replicas, learningRate, lrDecay, polyakDecay, seed, null, null);
        }

        public String toJson() {
            return GSON.toJson(this);
        }

        /** The class names of the run's data set (empty when unknown or unnamed). */
        public java.util.List<String> classNames() {
            return data == null ? java.util.List.of() : data.classNames();
        }

        /** @throws BadInputException naming the file when the JSON is not a run description */
        public static RunInfo fromJson(String json, Path file) {
            try {
                RunInfo r = GSON.fromJson(json, RunInfo.class);
                if (r == null || r.model() == null) throw new BadInputException(file + ": no model configuration in the checkpoint metadata");
                ModelConfig m = r.model();
                // re-validate through the canonical constructors
                DataIdentity d = r.data() == null ? null : new DataIdentity(r.data().dataSet(), r.data().height(), r.data().width(),
                        r.data().channels(), r.data().trainImages(), r.data().testImages(), r.data().classNames(), r.data().fingerprint());
                return new RunInfo(new ModelConfig(m.nrResnet(), m.nrFilters(), m.nrLogisticMix(), m.nonlinearity(), m.height(),
                        m.width(), m.channels(), m.numClasses(), m.dropoutP()), r.dataSet(), r.batchSize(), r.replicas(),
                        r.learningRate(), r.lrDecay(), r.polyakDecay(), r.seed(), r.runId(), d);
            } catch (RuntimeException e) {
                if (e instanceof BadInputException b) throw b;
                throw new BadInputException(file + ": the checkpoint's model configuration is unreadable (" + e.getMessage() + ")", e);
            }
        }
    }

    private TrainingCheckpoint() {}

    /** The parameter shapes a model expects, for strict loading. */
    public static Map<String, long[]> expectedShapes(ParamStore ps) {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (Param p : ps.params()) m.put(p.name, toLong(p.shape));
        return m;
    }

    private static long[] toLong(int[] s) {
        long[] r = new long[s.length];
        for (int i = 0; i < s.length; i++) r[i] = s[i];
        return r;
    }

    private static float[] download(Backend be, Buf b) {
        float[] a = new float[Math.toIntExact(b.size())];
        be.download(b, 0, a, 0, a.length);
        return a;
    }

    private static Map<String, CheckpointTensor> group(ParamStore ps, float[] flat) {
        Map<String, CheckpointTensor> m = new LinkedHashMap<>();
        for (Param p : ps.params())
            m.put(p.name, new CheckpointTensor(toLong(p.shape), FloatBuffer.wrap(flat, (int) p.offset, (int) p.size).slice()));
        return m;
    }

    /** Writes replica r's state (atomically: temp file, fsync, rename). */
    public static Path save(Path saveDir, Replica r, long step, double learningRate, long[] rngState, RunInfo info) {
        ParamStore ps = r.model.params();
        CheckpointContents c = new CheckpointContents(step, learningRate, rngState, info.toJson(),
                group(ps, download(r.be, ps.values())), group(ps, download(r.be, r.ema)),
                group(ps, download(r.be, r.adamM)), group(ps, download(r.be, r.adamV)));
        return Checkpoint.save(saveDir, c);
    }

    /**
     * Writes parameters from elsewhere (an imported model) as the checkpoint a run starts from: step 0,
     * Polyak averages equal to the parameters, Adam moments zero, the data order at its start for
     * info.seed() (so that {@code train --load_params} with that --seed continues from it), atomically.
     *
     * @param target a checkpoint file name, or a save directory (then {@code checkpoint-0.safetensors} in it)
     * @param toDir  whether target is a save directory (created when missing)
     * @param ps     the parameters' names, shapes and offsets
     * @param flat   the parameter values laid out as ps
     * @return the file written
     * @throws BadInputException when it cannot be written
     */
    public static Path saveInitial(Path target, boolean toDir, ParamStore ps, float[] flat, RunInfo info) {
        float[] zeros = new float[flat.length];
        long[] rng = {info.seed(), 0, 0}; // the trainer's data-order state: seed, epoch, batch
        CheckpointContents c = new CheckpointContents(0, info.learningRate(), rng, info.toJson(),
                group(ps, flat), group(ps, flat.clone()), group(ps, zeros), group(ps, zeros));
        return toDir ? Checkpoint.save(target, c) : Checkpoint.saveAs(target, c);
    }

    /** Reads one group of an open, validated checkpoint into a flat block laid out as ps. */
    public static float[] readFlat(CheckpointReader reader, Checkpoint.Group group, ParamStore ps) {
        float[] flat = new float[Math.toIntExact(ps.total())];
        FloatBuffer fb = FloatBuffer.wrap(flat);
        for (Param p : ps.params()) reader.read(group, p.name, fb, (int) p.offset);
        return flat;
    }
}
