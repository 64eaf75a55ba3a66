package org.pixelcnn.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Backends;
import org.pixelcnn.cli.options.BackendOptions;
import org.pixelcnn.cli.options.CheckpointOptions;
import org.pixelcnn.cli.options.CommonOptions;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.PixelCnnPP;
import org.pixelcnn.sample.ImageGrid;
import org.pixelcnn.sample.NpyWriter;
import org.pixelcnn.sample.Sampler;
import org.pixelcnn.train.GpuMemoryPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code sample}: draws images from a checkpoint as train.py does at each save (sample_from_model):
 * the network (rebuilt from the checkpoint's configuration) runs once per pixel position in raster
 * order with dropout off, by default with the Polyak-averaged parameters ({@code --raw}: the raw
 * ones), and each position is sampled from the discretized mixture of logistics
 * ({@link Sampler}). The {@code --count} images are drawn in batches of {@code --batch} (the last
 * one padded); batch k uses the k-th {@code nextLong()} of a {@link SplittableRandom} seeded with
 * {@code --seed}, so the same seed and batch size give bit-identical images. Class-conditional
 * models get labels 0, 1, ..., K-1, 0, ... in image order (train.py's y_sample) unless
 * {@code --label} fixes one class. Writes the images as a PNG grid (utils/plotting.py img_tile:
 * square grid, 1-pixel white borders as train.py's border_color=1.0) and, with {@code --uint8}, as a uint8 NHWC .npy array. On CUDA the
 * device arena is sized from the sampler's networks ({@link GpuMemoryPlan#sampling}); a GPU without that
 * much free memory gives a one-line error (exit 2).
 */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Draw images from a checkpoint (Polyak-averaged parameters, one network pass per pixel) and write them as a PNG grid.")
public final class SampleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CheckpointOptions weights;

    @Option(names = "--count", defaultValue = "16", description = "Images to draw (default ${DEFAULT-VALUE})")
    int count;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed; the same seed and --batch give identical images (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--label", paramLabel = "K", description = "Class of every image, by index or by name (class-conditional models only; default: labels cycle 0..K-1)")
    String label;

    @Option(names = "--out", required = true, paramLabel = "PNG", description = "The PNG grid to write")
    Path out;

    @Option(names = "--uint8", paramLabel = "NPY", description = "Also write the images as a uint8 NHWC numpy array (.npy)")
    Path uint8;

    @Option(names = "--batch", paramLabel = "B", description = "Images sampled at once (default: min(--count, 16))")
    Integer batch;

    @Mixin
    BackendOptions backend;

    @Option(names = "--progress", defaultValue = "auto", description = "Progress bar on stderr: auto (when on a terminal), on, off")
    String progress;

    @Mixin(name = CommonOptions.NAME)
    CommonOptions common;

    @Override
    public Integer call() {
        if (count < 1) throw new BadInputException("--count must be >= 1, not " + count);
        if (batch != null && batch < 1) throw new BadInputException("--batch must be >= 1, not " + batch);
        if (!progress.equals("auto") && !progress.equals("on") && !progress.equals("off"))
            throw new BadInputException("--progress must be auto, on or off, not '" + progress + "'");
        int b = Math.min(count, batch == null ? 16 : batch);
        requireFolder(out);
        if (uint8 != null) requireFolder(uint8);
        try (LoadedCheckpoint ckpt = LoadedCheckpoint.open(weights.path())) {
            ModelConfig m = ckpt.info().model();
            int[] labels = labels(ckpt, m);
            String be = backend.resolve();
            long start = System.nanoTime();
            byte[] images;
            try (Backend backendImpl = Backends.create(be, backend.precision(), GpuMemoryPlan.sampling(m, b), "use a smaller --batch")) {
                PixelCnnPP model = new PixelCnnPP(backendImpl, m, b, false);
                ckpt.loadInto(backendImpl, model, weights.raw());
                images = draw(new Sampler(backendImpl, model), m, b, labels);
            }
            double secs = (System.nanoTime() - start) / 1e9;
            ImageGrid.write(out, images, count, m.height(), m.width(), m.channels(), 255); // white borders, as train.py
            if (uint8 != null) NpyWriter.writeUint8(uint8, images, new long[] {count, m.height(), m.width(), m.channels()});
            PrintWriter w = spec.commandLine().getOut();
            w.printf(Locale.ROOT, "sampled %d images of %dx%dx%d from %s (step %d, %s parameters, seed %d, backend %s) in %.1f s: %s%s%n",
                    count, m.height(), m.width(), m.channels(), ckpt.file(), ckpt.step(), LoadedCheckpoint.describe(weights.raw()), seed, be, secs,
                    out, uint8 == null ? "" : ", " + uint8);
            w.flush();
        }
        return 0;
    }

    /** The class of each of the count images, or null for an unconditional model. */
    private int[] labels(LoadedCheckpoint ckpt, ModelConfig m) {
        int k = m.numClasses();
        if (k == 0) {
            if (label != null)
                throw new BadInputException("--label: " + ckpt.file() + " holds an unconditional model (trained without --class_conditional)");
            return null;
        }
        Integer fixed = label == null ? null : ckpt.classIndex(label, k);
        int[] y = new int[count];
        for (int i = 0; i < count; i++) y[i] = fixed != null ? fixed : i % k;
        return y;
    }

    /** Samples count images in batches of b (the last one padded); returns them as uint8 NHWC. */
    private byte[] draw(Sampler sampler, ModelConfig m, int b, int[] labels) {
        int per = (int) m.dims();
        int batches = (count + b - 1) / b;
        byte[] all = new byte[count * per];
        SplittableRandom seeds = new SplittableRandom(seed);
        int positions = m.height() * m.width();
        boolean showBar = progress.equals("on") || (progress.equals("auto") && System.console() != null);
        try (ProgressBar bar = showBar ? new ProgressBarBuilder().setTaskName("sampling").setInitialMax((long) batches * positions)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).build() : null) {
            if (bar != null) sampler.observe((pos, l, rows) -> bar.step());
            for (int k = 0; k < batches; k++) {
                int[] y = null;
                if (labels != null) {
                    y = new int[b];
                    for (int i = 0; i < b; i++) y[i] = labels[Math.min(k * b + i, count - 1)];
                }
                byte[] imgs = sampler.sample(seeds.nextLong(), y);
                int n = Math.min(b, count - k * b);
                System.arraycopy(imgs, 0, all, k * b * per, n * per);
            }
        }
        return all;
    }

    /** Fails before the (long) sampling when the output file's folder is missing. */
    private static void requireFolder(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent))
            throw new BadInputException(file + ": cannot write it, folder " + parent + " does not exist");
    }
}
