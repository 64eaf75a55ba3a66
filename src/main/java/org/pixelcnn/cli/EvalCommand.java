package org.pixelcnn.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Backends;
import org.pixelcnn.data.sets.Dataset;
import org.pixelcnn.data.sets.DatasetKind;
import org.pixelcnn.data.ImageSet;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.pixelcnn.cli.options.BackendOptions;
import org.pixelcnn.cli.options.CheckpointOptions;
import org.pixelcnn.cli.options.CommonOptions;
import org.pixelcnn.cli.options.DataOptions;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.train.Evaluator;
import org.pixelcnn.train.GpuMemoryPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code eval}: the test bits/dim of a checkpoint over the whole test split, as train.py's
 * loss_gen_test: dropout off, the Polyak-averaged parameters by default ({@code --raw}: the raw
 * ones), nats summed over every test image once, bits/dim = nats / (ln 2 * images * H*W*C)
 * ({@link Evaluator}). The network is rebuilt from the checkpoint's configuration; the data set
 * ({@code --data_set}, by default the one the checkpoint was trained on) must have its image shape.
 * With the trainer's batch size (the default) the figure equals the trainer's test bits/dim for the
 * same parameters. On CUDA the device arena is sized from the eval network itself
 * ({@link GpuMemoryPlan#eval}); a GPU without that much free memory gives a one-line error (exit 2).
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Test bits/dim of a checkpoint over the whole test split (Polyak-averaged parameters, dropout off).")
public final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CheckpointOptions weights;

    @Mixin
    DataOptions data;

    @Option(names = "--batch", paramLabel = "B", description = "Images per network pass (default: the checkpoint's --batch_size)")
    Integer batch;

    @Option(names = "--json", description = "Print one JSON object")
    boolean json;

    @Mixin
    BackendOptions backend;

    @Mixin(name = CommonOptions.NAME)
    CommonOptions common;

    @Override
    public Integer call() {
        if (batch != null && batch < 1) throw new BadInputException("--batch must be >= 1, not " + batch);
        try (LoadedCheckpoint ckpt = LoadedCheckpoint.open(weights.path())) {
            ModelConfig m = ckpt.info().model();
            if (data.name() == null && ckpt.info().dataSet() == null)
                throw new BadInputException(ckpt.file() + ": the checkpoint does not name its data set; give --data_set");
            DatasetKind kind = data.kind(ckpt.info().dataSet());
            Dataset ds = data.load(ckpt.info().dataSet(), System.err);
            ImageSet test = ds.test();
            requireFits(ds, test, m, ckpt);
            int b = Math.min(test.count(), batch != null ? batch : ckpt.info().batchSize() > 0 ? ckpt.info().batchSize() : 16);
            String be = backend.resolve();
            double bits;
            try (Backend backendImpl = Backends.create(be, backend.precision(), GpuMemoryPlan.eval(m, b), "use a smaller --batch")) {
                Evaluator ev = new Evaluator(backendImpl, m, b);
                ckpt.loadInto(backendImpl, ev.model(), weights.raw());
                bits = evaluate(ev, test, kind, be);
            }
            print(kind, ds, ckpt, bits, be);
        }
        return 0;
    }

    /**
     * Runs the evaluation with a progress bar (images) on a terminal, else one start line on stderr
     * (stdout keeps only the result, for --json).
     */
    private double evaluate(Evaluator ev, ImageSet test, DatasetKind kind, String be) {
        boolean terminal = System.console() != null;
        if (!terminal) {
            PrintWriter err = spec.commandLine().getErr();
            err.printf(Locale.ROOT, "evaluating test bits/dim on the %d %s test images (%s parameters, dropout off, backend %s)%n",
                    test.count(), kind.flag(), LoadedCheckpoint.describe(weights.raw()), be);
            err.flush();
            return ev.bitsPerDim(test);
        }
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("eval").setInitialMax(test.count()).setUnit(" images", 1)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).build()) {
            return ev.bitsPerDim(test, bar::stepTo);
        }
    }

    /** The test split must be non-empty, of the model's image shape, and labelled within its classes when conditional. */
    private static void requireFits(Dataset ds, ImageSet test, ModelConfig m, LoadedCheckpoint ckpt) {
        Path file = ckpt.file();
        if (test.height() != m.height() || test.width() != m.width() || test.channels() != m.channels())
            throw new BadInputException(ds.where() + ": images are " + test.height() + "x" + test.width() + "x" + test.channels()
                    + " but the model in " + file + " expects " + m.height() + "x" + m.width() + "x" + m.channels());
        if (test.count() == 0) throw new BadInputException(test.source() + ": the test split has no images");
        if (m.numClasses() > 0) {
            ckpt.requireClassesOf(ds);
            if (!test.hasLabels())
                throw new BadInputException(test.source() + ": has no labels but the model in " + file + " is class-conditional");
            if (test.labelBound() > m.numClasses())
                throw new BadInputException(test.source() + ": has labels up to " + (test.labelBound() - 1) + " but the model in " + file
                        + " knows " + m.numClasses() + " classes");
        }
    }

    private void print(DatasetKind kind, Dataset ds, LoadedCheckpoint ckpt, double bits, String be) {
        PrintWriter w = spec.commandLine().getOut();
        int images = ds.test().count();
        if (json) {
            JsonObject o = new JsonObject();
            o.addProperty("test_bits_per_dim", bits);
            o.addProperty("images", images);
            o.addProperty("checkpoint", ckpt.file().toString());
            o.addProperty("step", ckpt.step());
            o.addProperty("parameters", weights.raw() ? "raw" : "ema");
            o.addProperty("data_set", kind.flag());
            o.addProperty("backend", be);
            w.println(new GsonBuilder().serializeSpecialFloatingPointValues().create().toJson(o));
        } else {
            w.printf(Locale.ROOT, "test bits/dim %.6f (%d %s test images, %s parameters of %s, step %d, backend %s)%n",
                    bits, images, kind.flag(), LoadedCheckpoint.describe(weights.raw()), ckpt.file(), ckpt.step(), be);
        }
        w.flush();
    }
}
