package org.pixelcnn.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.data.ImageSet;
import org.pixelcnn.data.sets.Dataset;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.io.Checkpoint;
import org.pixelcnn.io.CheckpointReader;
import org.pixelcnn.io.MetricsLog;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.layers.Nonlinearity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run loses nothing and is never silently confused: a save folder belongs to one run (a fresh run
 * refuses another run's folder unless --overwrite), a resumed run must meet the same settings and data
 * (size, content, class names), --init_from is a warm start, a stop request writes a checkpoint from which
 * the run resumes bit for bit, --save_every_steps and --keep_checkpoints, and metrics written after the
 * last checkpoint are dropped on resume. (Real signals to a child JVM: cli/StopSignalTest.)
 */
class RunSafetyTest {
    private static final Dataset DATA = TinyData.make(40, 12, 8, 8, 1, 3, 5);

    @TempDir
    Path tmp;

    private static TrainConfig config(Path dir, long maxSteps, boolean load, int batch) {
        ModelConfig m = new ModelConfig(1, 4, 2, Nonlinearity.CONCAT_ELU, 8, 8, 1, 0, 0.5f);
        return new TrainConfig(m, "tiny", 1e-3, 0.999995, batch, 4, 1, 0.9995, 50, maxSteps, 1, 1, 7, dir, load, 5, "cpu");
    }

    private static TrainConfig config(Path dir, long maxSteps, boolean load) {
        return config(dir, maxSteps, load, 4);
    }

    private static void run(TrainConfig c, Dataset data) {
        try (Trainer t = new Trainer(c, data, TrainListener.SILENT)) {
            t.run();
        }
    }

    /** Parameters, Polyak averages and Adam moments of a checkpoint, in the file's order. */
    private static List<float[]> state(Path checkpoint) {
        List<float[]> out = new ArrayList<>();
        try (CheckpointReader r = CheckpointReader.open(checkpoint)) {
            for (String name : r.parameterShapes().keySet())
                for (Checkpoint.Group g : Checkpoint.Group.values()) out.add(r.read(g, name));
        }
        return out;
    }

    private static void assertSameState(Path a, Path b) {
        List<float[]> x = state(a), y = state(b);
        assertEquals(x.size(), y.size());
        for (int i = 0; i < x.size(); i++) assertArrayEquals(x.get(i), y.get(i), "tensor " + i + " of " + a + " and " + b);
    }

    @Test
    void aFreshRunRefusesAFolderHoldingAnotherRunUnlessOverwrite() throws IOException {
        Path dir = tmp.resolve("run");
        run(config(dir, 5, false), DATA);
        assertTrue(Files.exists(dir.resolve("checkpoint-5.safetensors")));
        BadInputException e = assertThrows(BadInputException.class, () -> run(config(dir, 3, false), DATA));
        assertEquals(dir + ": holds the checkpoints of an earlier run (latest checkpoint-5.safetensors); resume it with --load_params,"
                + " delete it with --overwrite, or choose another --save_dir", e.getMessage());
        assertTrue(Files.exists(dir.resolve("checkpoint-5.safetensors")), "the refused run touched nothing");

        run(config(dir, 3, false).withRunSafety(true, null, 0, 0), DATA);
        assertEquals(List.of(dir.resolve("checkpoint-3.safetensors")), Checkpoint.list(dir), "--overwrite deleted the earlier run");
        for (var o : MetricsLog.read(dir.resolve(MetricsLog.FILE_NAME)))
            assertTrue(o.get("step").getAsLong() <= 3, "metrics hold only the new run: " + o);
        assertThrows(BadInputException.class, () -> run(config(dir, 4, true).withRunSafety(true, null, 0, 0), DATA),
                "--load_params and --overwrite contradict each other");
    }

    @Test
    void aResumedRunMustMeetTheSameDataAndSettings() {
        Path dir = tmp.resolve("run");
        run(config(dir, 3, false), DATA);
        Path ckpt = dir.resolve("checkpoint-3.safetensors");

        BadInputException smaller = assertThrows(BadInputException.class, () -> run(config(dir, 6, true), TinyData.make(20, 12, 8, 8, 1, 3, 5)));
        assertTrue(smaller.getMessage().startsWith(ckpt + ": cannot resume this run: the data set is not the run's: its training split has 20 images,"
                + " the run's had 40"), smaller.getMessage());
        assertTrue(smaller.getMessage().contains("--init_from " + ckpt), smaller.getMessage());

        BadInputException other = assertThrows(BadInputException.class, () -> run(config(dir, 6, true), TinyData.make(40, 12, 8, 8, 1, 3, 99)));
        assertTrue(other.getMessage().contains("its images differ (fingerprint "), other.getMessage());

        BadInputException batch = assertThrows(BadInputException.class, () -> run(config(dir, 6, true, 8), DATA));
        assertTrue(batch.getMessage().contains("--batch_size 8 differs from the run's 4"), batch.getMessage());
        assertEquals(List.of(ckpt), Checkpoint.list(dir), "nothing written by the refused runs");
    }

    @Test
    void aStopRequestWritesACheckpointFromWhichTheRunResumesBitForBit() {
        Path straight = tmp.resolve("straight"), stopped = tmp.resolve("stopped");
        run(config(straight, 9, false), DATA);
        TrainingStopped s;
        try (Trainer t = new Trainer(config(stopped, 9, false), DATA, new TrainListener() {
            @Override
            public void stepDone(long step, long epoch, double bits, double ips, boolean logged) {
                if (step == 4) TrainerHolder.current.requestStop("SIGINT"); // mid-epoch (10 steps an epoch)
            }
        })) {
            TrainerHolder.current = t;
            s = assertThrows(TrainingStopped.class, t::run);
        }
        assertEquals("SIGINT", s.reason);
        assertEquals(4, s.step);
        assertEquals(stopped.resolve("checkpoint-4.safetensors"), s.checkpoint);
        assertTrue(Files.exists(s.checkpoint));
        run(config(stopped, 9, true), DATA);
        assertSameState(straight.resolve("checkpoint-9.safetensors"), stopped.resolve("checkpoint-9.safetensors"));
    }

    /** The trainer a listener of the stop test talks back to. */
    private static final class TrainerHolder {
        static Trainer current;
    }

    @Test
    void extraCheckpointsEveryNStepsKeepingTheNewestK() {
        Path dir = tmp.resolve("run");
        run(config(dir, 7, false).withRunSafety(false, null, 2, 2), DATA);
        assertEquals(List.of(dir.resolve("checkpoint-6.safetensors"), dir.resolve("checkpoint-7.safetensors")), Checkpoint.list(dir));
        // resuming from the mid-epoch checkpoint 6 gives the straight run's step 9
        Path resumed = tmp.resolve("resumed"), straight = tmp.resolve("straight");
        run(config(straight, 9, false), DATA);
        run(config(resumed, 6, false).withRunSafety(false, null, 3, 0), DATA);
        assertEquals(List.of(resumed.resolve("checkpoint-3.safetensors"), resumed.resolve("checkpoint-6.safetensors")), Checkpoint.list(resumed));
        run(config(resumed, 9, true), DATA);
        assertSameState(straight.resolve("checkpoint-9.safetensors"), resumed.resolve("checkpoint-9.safetensors"));
    }

    @Test
    void metricsWrittenAfterTheLastCheckpointAreDroppedOnResume() throws IOException {
        Path dir = tmp.resolve("run");
        run(config(dir, 5, false), DATA); // metrics lines every 5 steps: step 5
        Path metrics = dir.resolve(MetricsLog.FILE_NAME);
        Files.writeString(metrics, "{\"event\":\"step\",\"step\":10,\"train_bits_per_dim\":1.0}\n", java.nio.file.StandardOpenOption.APPEND);
        StringBuilder notes = new StringBuilder();
        try (Trainer t = new Trainer(config(dir, 6, true), DATA, new TrainListener() {
            @Override
            public void note(String line) {
                notes.append(line).append('\n');
            }
        })) {
            t.run();
        }
        assertTrue(notes.toString().contains("dropped 1 lines of metrics.jsonl written after step 5"), notes.toString());
        for (var o : MetricsLog.read(metrics)) assertTrue(o.get("step").getAsLong() <= 6, o.toString());
    }

    @Test
    void initFromStartsANewRunFromAnotherRunsParameters() {
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        run(config(a, 4, false), DATA);
        Path src = a.resolve("checkpoint-4.safetensors");
        // another data set of the same shape; the state before the new run's first step is the source's
        List<float[]> before = new ArrayList<>();
        TrainConfig warm = config(b, 1, false).withRunSafety(false, src, 0, 0);
        try (Trainer t = new Trainer(warm, TinyData.make(24, 8, 8, 8, 1, 3, 42), new TrainListener() {
            @Override
            public void epochStarted(long epoch, int batches, int firstBatch) {
                Replica r = TrainerHolder.current.replicas().get(0);
                for (var buf : List.of(r.model.params().values(), r.ema, r.adamM)) {
                    float[] v = new float[(int) buf.size()];
                    r.be.download(buf, 0, v, 0, v.length);
                    before.add(v);
                }
            }
        })) {
            TrainerHolder.current = t;
            t.run();
            assertEquals(1, t.step(), "counted from step 0");
        }
        try (CheckpointReader x = CheckpointReader.open(src); CheckpointReader y = CheckpointReader.open(b.resolve("checkpoint-1.safetensors"))) {
            float[] p = new float[before.get(0).length], e = new float[p.length];
            var params = TrainerHolder.current.replicas().get(0).model.params();
            for (var prm : params.params()) {
                System.arraycopy(x.read(Checkpoint.Group.PARAMETER, prm.name), 0, p, (int) prm.offset, (int) prm.size);
                System.arraycopy(x.read(Checkpoint.Group.EMA, prm.name), 0, e, (int) prm.offset, (int) prm.size);
            }
            assertArrayEquals(p, before.get(0), "parameters from the source");
            assertArrayEquals(e, before.get(1), "Polyak averages from the source");
            for (float v : before.get(2)) assertEquals(0f, v, "fresh Adam moments");
            String runA = TrainingCheckpoint.RunInfo.fromJson(x.configJson(), src).runId();
            String runB = TrainingCheckpoint.RunInfo.fromJson(y.configJson(), y.path()).runId();
            assertFalse(runA.equals(runB), "a new run id");
        }
        // a checkpoint of another model: the error names the first tensor that does not fit
        ModelConfig wider = new ModelConfig(1, 6, 2, Nonlinearity.CONCAT_ELU, 8, 8, 1, 0, 0.5f);
        TrainConfig c = new TrainConfig(wider, "tiny", 1e-3, 0.999995, 4, 4, 1, 0.9995, 50, 0, 1, 1, 7, tmp.resolve("c"), false, 5, "cpu")
                .withRunSafety(false, src, 0, 0);
        BadInputException e = assertThrows(BadInputException.class, () -> run(c, DATA));
        assertTrue(e.getMessage().startsWith(src + ": checkpoint does not match the model: tensor 'model/conv2d_0/V' has shape"), e.getMessage());
    }

    @Test
    void classNamesAreRecordedAndPartOfTheDataIdentity() {
        ImageSet train = DATA.train(), test = DATA.test();
        Dataset named = new Dataset("folder", "x", train, test, List.of("ant", "bee", "cat"));
        Dataset renamed = new Dataset("folder", "x", train, test, List.of("ant", "bee", "dog"));
        assertEquals("class 2 is 'dog', the run's class 2 is 'cat'", named.identity().difference(renamed.identity()));
        assertEquals(null, named.identity().difference(named.identity()));
        Path dir = tmp.resolve("run");
        ModelConfig m = new ModelConfig(1, 4, 2, Nonlinearity.CONCAT_ELU, 8, 8, 1, 3, 0.5f);
        TrainConfig c = new TrainConfig(m, "folder", 1e-3, 0.999995, 4, 4, 1, 0.9995, 50, 2, 1, 1, 7, dir, false, 5, "cpu");
        run(c, named);
        try (CheckpointReader r = CheckpointReader.open(dir.resolve("checkpoint-2.safetensors"))) {
            assertEquals(List.of("ant", "bee", "cat"), TrainingCheckpoint.RunInfo.fromJson(r.configJson(), r.path()).classNames());
        }
        TrainConfig resume = new TrainConfig(m, "folder", 1e-3, 0.999995, 4, 4, 1, 0.9995, 50, 4, 1, 1, 7, dir, true, 5, "cpu");
        BadInputException e = assertThrows(BadInputException.class, () -> run(resume, renamed));
        assertTrue(e.getMessage().contains("the data set is not the run's: class 2 is 'dog', the run's class 2 is 'cat'"), e.getMessage());
    }
}
