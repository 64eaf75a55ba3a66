package org.pixelcnn.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Backends;
import org.pixelcnn.data.ImageSet;
import org.pixelcnn.data.format.NpyFormat;
import org.pixelcnn.data.sets.Dataset;
import org.pixelcnn.data.sets.DatasetKind;
import org.pixelcnn.data.sets.UserImages;
import org.pixelcnn.cli.options.BackendOptions;
import org.pixelcnn.cli.options.CheckpointOptions;
import org.pixelcnn.cli.options.CommonOptions;
import org.pixelcnn.cli.options.DataOptions;
import org.pixelcnn.io.AtomicOutput;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.io.BitsHeatmap;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.train.Evaluator;
import org.pixelcnn.train.GpuMemoryPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code score}: the likelihood of every image under a checkpoint, for ranking images (out-of-
 * distribution detection as in Nalisnick et al., ICLR 2019, likelihood ratios, data cleaning,
 * compression estimates). Writes a CSV with one row per image: {@code index}, its file name
 * ({@code --images}) or label ({@code --data_set}), {@code bits_per_dim} = nats / (ln 2 * H*W*C) and
 * {@code nats} (the image's negative log-likelihood, {@link Evaluator} over Backend.mixLogisticLoss);
 * Polyak-averaged parameters by default ({@code --raw}: the raw ones), dropout off, in batches with a
 * progress bar. The column's mean is eval's test bits/dim for the same checkpoint and split.
 *
 * <p>{@code --per_pixel}: the negative log-likelihood of every sub-pixel in bits, a float32 .npy
 * [N, H, W, C] (NHWC); sub-pixel c of a pixel is -log2 p(x_c | x_0..x_{c-1}, the pixels before it),
 * the mixture's own split, so each image's values sum to its nats / ln 2
 * (Backend.mixLogisticSubpixelNll). {@code --heatmap}: the first {@code --heatmap_count} images beside
 * their per-pixel bits ({@link BitsHeatmap}). Images must have the model's size and channel count:
 * nothing is resized or converted. Every file is written to a temporary file and renamed at the end.
 */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Negative log-likelihood of every image under a checkpoint (bits/dim and nats per image, CSV); optionally per sub-pixel (.npy) and as a heat map (PNG).")
public final class ScoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CheckpointOptions weights;

    @Mixin
    DataOptions data;

    @Option(names = "--split", defaultValue = "test", paramLabel = "train|test", description = "The data set's split to score: train or test (default ${DEFAULT-VALUE}; without --images and --data_set, the checkpoint's data set)")
    String split;

    @Option(names = "--images", paramLabel = "PATH", description = "Score these images instead: a PNG/JPEG file, a folder of them, or a uint8 .npy (NHWC)")
    Path images;

    @Option(names = "--out", required = true, paramLabel = "CSV", description = "The CSV to write: index, file or label, bits_per_dim, nats")
    Path out;

    @Option(names = "--per_pixel", paramLabel = "NPY", description = "Also write the negative log-likelihood of every sub-pixel in bits, float32 [N, H, W, C]")
    Path perPixel;

    @Option(names = "--heatmap", paramLabel = "PNG", description = "Also draw the first images beside their per-pixel bits (a colour map with a legend)")
    Path heatmap;

    @Option(names = "--heatmap_count", defaultValue = "16", paramLabel = "N", description = "Images in the heat map (default ${DEFAULT-VALUE})")
    int heatmapCount;

    @Option(names = "--label", paramLabel = "K", description = "Class of every image of --images, by index or by name (class-conditional models only)")
    String label;

    @Option(names = "--batch", paramLabel = "B", description = "Images per network pass (default: the checkpoint's --batch_size)")
    Integer batch;

    @Option(names = "--progress", defaultValue = "auto", paramLabel = "auto|on|off", description = "Progress bar on stderr: auto (when on a terminal), on, off")
    String progress;

    @Mixin
    BackendOptions backend;

    @Mixin(name = CommonOptions.NAME)
    CommonOptions common;

    /** What is scored: the images, a name column (header and one value per image), and a description. */
    private record Source(ImageSet set, String column, List<String> names, String what) {
    }

    @Override
    public Integer call() {
        if (batch != null && batch < 1) throw new BadInputException("--batch must be >= 1, not " + batch);
        if (heatmapCount < 1) throw new BadInputException("--heatmap_count must be >= 1, not " + heatmapCount);
        if (!split.equals("train") && !split.equals("test")) throw new BadInputException("--split must be train or test, not '" + split + "'");
        if (!progress.equals("auto") && !progress.equals("on") && !progress.equals("off"))
            throw new BadInputException("--progress must be auto, on or off, not '" + progress + "'");
        if (images != null && data.name() != null) throw new BadInputException("--images and --data_set: give one of them, not both");
        try (LoadedCheckpoint ckpt = LoadedCheckpoint.open(weights.path())) {
            ModelConfig m = ckpt.info().model();
            Source src = images != null ? images(m, ckpt) : dataSet(m, ckpt);
            ImageSet set = src.set();
            if (set.height() != m.height() || set.width() != m.width() || set.channels() != m.channels())
                throw new BadInputException(src.what() + ": images are " + set.height() + "x" + set.width() + "x" + set.channels()
                        + " but the model in " + ckpt.file() + " expects " + m.height() + "x" + m.width() + "x" + m.channels()
                        + " (score does not resize or convert images)");
            int b = Math.min(set.count(), batch != null ? batch : ckpt.info().batchSize() > 0 ? ckpt.info().batchSize() : 16);
            String be = backend.resolve();
            Summary s;
            boolean subpixels = perPixel != null || heatmap != null;
            try (Backend backendImpl = Backends.create(be, backend.precision(), GpuMemoryPlan.evaluation("score", m, b, subpixels),
                    "use a smaller --batch")) {
                Evaluator ev = new Evaluator(backendImpl, m, b, subpixels);
                ckpt.loadInto(backendImpl, ev.model(), weights.raw());
                s = run(ev, src, m);
            }
            PrintWriter w = spec.commandLine().getOut();
            w.printf(Locale.ROOT, "scored %d images (%s) with the %s parameters of %s (step %d, backend %s): bits/dim mean %.6f, min %.6f (index %d), max %.6f (index %d)%n",
                    set.count(), src.what(), LoadedCheckpoint.describe(weights.raw()), ckpt.file(), ckpt.step(), be, s.sum / set.count(), s.min, s.argMin, s.max, s.argMax);
            w.printf("wrote %s%s%s%n", out, perPixel == null ? "" : ", " + perPixel, heatmap == null ? "" : ", " + heatmap);
            w.flush();
        }
        return 0;
    }

    private Source images(ModelConfig m, LoadedCheckpoint ckpt) {
        if (m.numClasses() > 0 && label == null)
            throw new BadInputException("--images: " + ckpt.file() + " holds a class-conditional model; give the images' class with --label K");
        if (m.numClasses() == 0 && label != null)
            throw new BadInputException("--label: " + ckpt.file() + " holds an unconditional model (trained without --class_conditional)");
        int fixed = label == null ? -1 : ckpt.classIndex(label, m.numClasses());
        UserImages u = UserImages.load(images, "--images");
        ImageSet set = u.images();
        if (label != null) {
            int[] y = new int[set.count()];
            java.util.Arrays.fill(y, fixed);
            ImageSet labelled = ImageSet.allocate(set.source(), set.count(), set.height(), set.width(), set.channels(), y);
            byte[] one = new byte[set.imageBytes()];
            for (int i = 0; i < set.count(); i++) {
                set.copyImage(i, one, 0);
                labelled.setImage(i, one, 0);
            }
            set = labelled;
        }
        return new Source(set, "file", u.names(), images.toString());
    }

    private Source dataSet(ModelConfig m, LoadedCheckpoint ckpt) {
        if (label != null) throw new BadInputException("--label applies to --images only; a data set's images keep their own labels");
        if (data.name() == null && ckpt.info().dataSet() == null)
            throw new BadInputException(ckpt.file() + ": the checkpoint does not name its data set; give --data_set or --images");
        DatasetKind kind = data.kind(ckpt.info().dataSet());
        Dataset ds = data.load(ckpt.info().dataSet(), System.err);
        ImageSet set = split.equals("train") ? ds.train() : ds.test();
        if (set.count() == 0) throw new BadInputException(set.source() + ": the " + split + " split has no images");
        if (m.numClasses() > 0) {
            ckpt.requireClassesOf(ds);
            if (!set.hasLabels()) throw new BadInputException(set.source() + ": has no labels but the model in " + ckpt.file() + " is class-conditional");
            if (set.labelBound() > m.numClasses())
                throw new BadInputException(set.source() + ": has labels up to " + (set.labelBound() - 1) + " but the model in " + ckpt.file()
                        + " knows " + m.numClasses() + " classes");
        }
        return new Source(set, "label", null, kind.flag() + " " + split + " split");
    }

    /** Running figures over the images scored. */
    private static final class Summary {
        double sum, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        int argMin = -1, argMax = -1;
    }

    private Summary run(Evaluator ev, Source src, ModelConfig m) {
        ImageSet set = src.set();
        int n = set.count(), dims = (int) m.dims();
        double ln2 = Math.log(2);
        int shown = heatmap == null ? 0 : Math.min(heatmapCount, n);
        float[] heatBits = new float[shown * dims];
        double[] heatScores = new double[shown];
        Summary s = new Summary();
        boolean showBar = progress.equals("on") || (progress.equals("auto") && System.console() != null);
        try (AtomicOutput csv = AtomicOutput.open(out);
             AtomicOutput npy = perPixel == null ? null : AtomicOutput.open(perPixel);
             ProgressBar bar = showBar ? new ProgressBarBuilder().setTaskName("scoring").setInitialMax(n)
                     .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).build() : null) {
            OutputStream table = csv.stream();
            byte[] floatBytes = npy == null ? null : new byte[ev.model().batch * dims * 4];
            try {
                table.write(("index," + src.column() + ",bits_per_dim,nats\n").getBytes(StandardCharsets.UTF_8));
                if (npy != null) npy.stream().write(NpyFormat.header("<f4", new long[] {n, m.height(), m.width(), m.channels()}));
            } catch (IOException e) {
                throw csv.failed(e);
            }
            ev.score(set, npy != null || shown > 0, (first, count, nats, sub) -> {
                StringBuilder rows = new StringBuilder();
                for (int i = 0; i < count; i++) {
                    int idx = first + i;
                    double bits = nats[i] / (ln2 * dims);
                    s.sum += bits;
                    if (bits < s.min) { s.min = bits; s.argMin = idx; }
                    if (bits > s.max) { s.max = bits; s.argMax = idx; }
                    String name = src.names() != null ? csv(src.names().get(idx)) : set.hasLabels() ? Integer.toString(set.label(idx)) : "";
                    rows.append(idx).append(',').append(name).append(',')
                            .append(String.format(Locale.ROOT, "%.8f,%.5f", bits, nats[i])).append('\n');
                    if (idx < shown) heatScores[idx] = bits;
                }
                if (sub != null) {
                    for (int i = 0; i < count * dims; i++) sub[i] = (float) (sub[i] / ln2); // nats to bits
                    for (int i = 0; i < count && first + i < shown; i++) System.arraycopy(sub, i * dims, heatBits, (first + i) * dims, dims);
                }
                try {
                    table.write(rows.toString().getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw csv.failed(e);
                }
                if (npy != null) {
                    ByteBuffer.wrap(floatBytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(sub, 0, count * dims);
                    try {
                        npy.stream().write(floatBytes, 0, count * dims * 4);
                    } catch (IOException e) {
                        throw npy.failed(e);
                    }
                }
                if (bar != null) bar.stepBy(count);
            });
            csv.commit();
            if (npy != null) npy.commit();
        }
        if (shown > 0) {
            String[] captions = new String[shown];
            for (int i = 0; i < shown; i++)
                captions[i] = String.format(Locale.ROOT, "#%d  %.3f bits/dim", i, heatScores[i]);
            BitsHeatmap.write(heatmap, set.copyImages(0, shown), heatBits, shown, m.height(), m.width(), m.channels(), captions,
                    "per-pixel negative log-likelihood: " + src.what());
        }
        return s;
    }

    /** A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
    static String csv(String v) {
        if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) return v;
        return '"' + v.replace("\"", "\"\"") + '"';
    }
}
