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
import org.pixelcnn.sample.CachedSampler;
import org.pixelcnn.sample.ImageGrid;
import org.pixelcnn.sample.ImageSampler;
import org.pixelcnn.sample.NpyWriter;
import org.pixelcnn.sample.PrefixImages;
import org.pixelcnn.sample.Sampler;
import org.pixelcnn.train.GpuMemoryPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code sample}: draws images from a checkpoint as train.py does at each save (sample_from_model):
 * raster order, dropout off, by default with the Polyak-averaged parameters ({@code --raw}: the raw
 * ones), each position sampled from the discretized mixture of logistics. {@code --method cached} (the
 * default, {@link CachedSampler}) computes each activation of the network once; {@code --method naive}
 * ({@link Sampler}) runs the network once per pixel position, the reference. For one seed both draw the
 * same uniforms in the same order, so they give the same images up to float32 rounding.
 *
 * <p>The {@code --count} images are drawn in batches of {@code --batch} (the last one padded); batch k uses
 * the k-th {@code nextLong()} of a {@link SplittableRandom} seeded with {@code --seed}, so the same seed and
 * batch size give identical images. Class-conditional models get labels 0, 1, ..., K-1, 0, ... in image
 * order (train.py's y_sample) unless {@code --label} fixes one class; {@code --per_class N} draws N images
 * of every class, one grid row per class. {@code --prefix FILE --rows K} completes images: the top K rows of
 * the first {@code --count} images of FILE (a PNG, a folder of PNGs, a uint8 NHWC .npy) are kept and the
 * rest sampled; the grid marks the kept rows with a line under row K. Writes the images as a PNG grid
 * (utils/plotting.py img_tile: square grid, 1-pixel white borders) and, with {@code --uint8}, as a uint8
 * NHWC .npy array. A progress bar (images done, images/s, ETA) on a terminal.
 *
 * <p>On CUDA the device arena is sized from the chosen sampler's buffers ({@link GpuMemoryPlan#sampling}: the
 * cached sampler's caches and its network of one image, or the naive sampler's networks).
 *
 * <p>Errors: bad flag values and combinations, a missing or unreadable checkpoint or prefix file, a GPU
 * without the memory the plan needs, are one line and exit code 2 ({@link BadInputException}).
 */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Draw images from a checkpoint (Polyak-averaged parameters) and write them as a PNG grid; or complete the top rows of given images.")
public final class SampleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CheckpointOptions weights;

    @Option(names = "--count", paramLabel = "N", description = "Images to draw (default 16; with --per_class: N per class times the classes)")
    Integer count;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed; the same seed and --batch give identical images (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--label", paramLabel = "K", description = "Class of every image, by index or by name (class-conditional models only; default: labels cycle 0..K-1)")
    String label;

    @Option(names = "--per_class", paramLabel = "N", description = "Class-conditional models: N images of each class, one grid row per class")
    Integer perClass;

    @Option(names = "--method", defaultValue = "cached",
            description = "cached (default: each activation computed once) or naive (the network once per pixel position, the reference)")
    String method;

    @Option(names = "--prefix", paramLabel = "FILE",
            description = "Complete images: a PNG, a folder of PNGs (file-name order) or a uint8 NHWC .npy (as --uint8 writes); the first --count are used")
    Path prefix;

    @Option(names = "--rows", paramLabel = "K", description = "With --prefix: keep the top K rows of each image and sample the rest")
    Integer rows;

    @Option(names = "--scale", defaultValue = "auto", paramLabel = "N|auto",
            description = "Enlarge the grid N times, nearest neighbour (default ${DEFAULT-VALUE}: the smallest factor that makes it at least 512 pixels wide)")
    String scale;

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
        checkFlags();
        requireFolder(out);
        if (uint8 != null) requireFolder(uint8);
        try (LoadedCheckpoint ckpt = LoadedCheckpoint.open(weights.path())) {
            ModelConfig m = ckpt.info().model();
            int n = perClass != null ? perClassCount(ckpt, m) : count == null ? 16 : count;
            int[] labels = labels(ckpt, m, n);
            if (rows != null && rows >= m.height())
                throw new BadInputException("--rows " + rows + ": the model's images have " + m.height() + " rows; keep fewer to sample any");
            byte[] kept = prefix == null ? null : PrefixImages.read(prefix, n, m);
            int start = prefix == null ? 0 : rows * m.width();
            int b = Math.min(n, batch == null ? 16 : batch);
            int scaleFactor = scaleFactor();
            String be = backend.resolve();
            long t0 = System.nanoTime();
            byte[] images;
            boolean cached = method.equals("cached");
            try (Backend backendImpl = Backends.create(be, backend.precision(), GpuMemoryPlan.sampling(m, b, cached), "use a smaller --batch")) {
                images = draw(sampler(backendImpl, ckpt, m, b, cached), m, n, labels, kept, start);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            int cols = perClass != null ? perClass : 0; // 0: img_tile's square grid
            BufferedImage grid = ImageGrid.tile(images, n, m.height(), m.width(), m.channels(), 255, cols, prefix == null ? -1 : rows);
            ImageGrid.write(out, ImageGrid.scale(grid, scaleFactor == 0 ? ImageGrid.autoScale(grid) : scaleFactor));
            if (uint8 != null) NpyWriter.writeUint8(uint8, images, new long[] {n, m.height(), m.width(), m.channels()});
            PrintWriter w = spec.commandLine().getOut();
            String what = prefix == null ? "sampled " + n + " images" : "completed " + n + " images (top " + rows + " rows of " + prefix + " kept)";
            w.printf(Locale.ROOT, "%s of %dx%dx%d from %s (step %d, %s parameters, seed %d, %s sampler, backend %s) in %.1f s (%.3g images/s): %s%s%n",
                    what, m.height(), m.width(), m.channels(), ckpt.file(), ckpt.step(), LoadedCheckpoint.describe(weights.raw()), seed, method, be, secs,
                    n / secs, out, uint8 == null ? "" : ", " + uint8);
            w.flush();
        }
        return 0;
    }

    private void checkFlags() {
        if (!method.equals("cached") && !method.equals("naive"))
            throw new BadInputException("--method must be cached or naive, not '" + method + "'");
        if (count != null && count < 1) throw new BadInputException("--count must be >= 1, not " + count);
        if (batch != null && batch < 1) throw new BadInputException("--batch must be >= 1, not " + batch);
        if (!progress.equals("auto") && !progress.equals("on") && !progress.equals("off"))
            throw new BadInputException("--progress must be auto, on or off, not '" + progress + "'");
        if (perClass != null) {
            if (perClass < 1) throw new BadInputException("--per_class must be >= 1, not " + perClass);
            if (count != null) throw new BadInputException("--per_class N draws N images per class: leave out --count");
            if (label != null) throw new BadInputException("--per_class draws every class: leave out --label");
            if (prefix != null) throw new BadInputException("--per_class cannot be combined with --prefix");
        }
        if ((prefix == null) != (rows == null)) throw new BadInputException(prefix == null ? "--rows needs --prefix FILE" : "--prefix needs --rows K (the rows to keep)");
        if (rows != null && rows < 0) throw new BadInputException("--rows must be >= 0, not " + rows);
    }

    /** --scale as a factor, 0 for auto. @throws BadInputException naming --scale and its value */
    private int scaleFactor() {
        if (scale.equals("auto")) return 0;
        try {
            int k = Integer.parseInt(scale.trim());
            if (k >= 1 && k <= 64) return k;
        } catch (NumberFormatException ignored) {
            // the message below
        }
        throw new BadInputException("--scale must be auto or a whole number from 1 to 64, not '" + scale + "'");
    }

    /** N per class times the classes, for a class-conditional model. */
    private int perClassCount(LoadedCheckpoint ckpt, ModelConfig m) {
        if (m.numClasses() == 0)
            throw new BadInputException("--per_class: " + ckpt.file() + " holds an unconditional model (trained without --class_conditional)");
        return perClass * m.numClasses();
    }

    /** The model with the checkpoint's parameters and the sampler of --method (cached: the model at batch 1 holds graph and weights only). */
    private ImageSampler sampler(Backend be, LoadedCheckpoint ckpt, ModelConfig m, int b, boolean cached) {
        PixelCnnPP model = new PixelCnnPP(be, m, cached ? 1 : b, false);
        ckpt.loadInto(be, model, weights.raw());
        return cached ? new CachedSampler(be, model, b) : new Sampler(be, model);
    }

    /** The class of each of the n images, or null for an unconditional model. */
    private int[] labels(LoadedCheckpoint ckpt, ModelConfig m, int n) {
        int k = m.numClasses();
        if (k == 0) {
            if (label != null)
                throw new BadInputException("--label: " + ckpt.file() + " holds an unconditional model (trained without --class_conditional)");
            return null;
        }
        Integer fixed = label == null ? null : ckpt.classIndex(label, k);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = perClass != null ? i / perClass : fixed != null ? fixed : i % k;
        return y;
    }

    /**
     * Samples (or completes, from kept) n images in batches of the sampler's size, the last one padded
     * with copies of the last image; returns them as uint8 NHWC.
     */
    private byte[] draw(ImageSampler sampler, ModelConfig m, int n, int[] labels, byte[] kept, int start) {
        int b = sampler.batch(), per = (int) m.dims(), batches = (n + b - 1) / b;
        int toSample = m.height() * m.width() - start;
        byte[] all = new byte[n * per];
        SplittableRandom seeds = new SplittableRandom(seed);
        boolean showBar = progress.equals("on") || (progress.equals("auto") && System.console() != null);
        try (ProgressBar bar = showBar ? new ProgressBarBuilder().setTaskName("sampling").setInitialMax((long) n * toSample)
                .setUnit(" images", toSample).showSpeed(new DecimalFormat("0.000")).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500).continuousUpdate().build() : null) {
            for (int k = 0; k < batches; k++) {
                int real = Math.min(b, n - k * b);
                int[] y = null;
                if (labels != null) {
                    y = new int[b];
                    for (int i = 0; i < b; i++) y[i] = labels[Math.min(k * b + i, n - 1)];
                }
                if (bar != null) {
                    int batchNo = k + 1;
                    sampler.onPosition(pos -> {
                        bar.stepBy(real);
                        bar.setExtraMessage(String.format(Locale.ROOT, " batch %d/%d pos %d", batchNo, batches, pos + 1));
                    });
                }
                byte[] imgs;
                if (kept == null) {
                    imgs = sampler.sample(seeds.nextLong(), y);
                } else {
                    byte[] pre = new byte[b * per];
                    for (int i = 0; i < b; i++) System.arraycopy(kept, Math.min(k * b + i, n - 1) * per, pre, i * per, per);
                    imgs = sampler.complete(pre, start, seeds.nextLong(), y);
                }
                System.arraycopy(imgs, 0, all, k * b * per, real * per);
            }
        } finally {
            sampler.onPosition(null);
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
