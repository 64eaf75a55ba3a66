package org.pixelcnn.cli;

import org.pixelcnn.cli.options.CommonOptions;
import org.pixelcnn.cli.options.DataOptions;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.pixelcnn.data.ChannelStats;
import org.pixelcnn.data.sets.Dataset;
import org.pixelcnn.data.sets.DatasetKind;
import org.pixelcnn.data.ImageSet;
import org.pixelcnn.sample.ImageGrid;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code data}: loads a data set as {@code train} would and describes it: split sizes, image shape,
 * label counts, per-channel mean and std in pixel units (0..255); {@code --preview} writes the first
 * 64 training images in file order as a PNG grid (the reference's utils/plotting.py img_tile layout),
 * {@code --json} prints one JSON object instead of text.
 */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Load a data set and print its sizes, shape, labels and per-channel statistics; optionally write a preview grid.")
public final class DataCommand implements Callable<Integer> {
    /** Images in the preview grid. */
    static final int PREVIEW_IMAGES = 64;

    @Spec
    CommandSpec spec;

    @Mixin
    DataOptions data;

    @Option(names = "--preview", paramLabel = "PNG", description = "Write the first 64 training images (file order) as a PNG grid")
    Path preview;

    @Option(names = "--json", description = "Print one JSON object")
    boolean json;

    @Mixin(name = CommonOptions.NAME)
    CommonOptions common;

    @Override
    public Integer call() {
        DatasetKind kind = data.kind("cifar");
        Dataset ds = data.load("cifar", System.err);
        ChannelStats train = ChannelStats.of(ds.train());
        ChannelStats test = ChannelStats.of(ds.test());
        int previewCount = 0;
        if (preview != null) {
            previewCount = Math.min(PREVIEW_IMAGES, ds.train().count());
            ImageGrid.write(preview, ds.train().copyImages(0, previewCount), previewCount, ds.height(), ds.width(), ds.channels());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new GsonBuilder().serializeSpecialFloatingPointValues().create().toJson(toJson(kind, ds, train, test, previewCount)));
        } else {
            printText(out, kind, ds, train, test, previewCount);
        }
        out.flush();
        return 0;
    }

    private JsonObject toJson(DatasetKind kind, Dataset ds, ChannelStats train, ChannelStats test, int previewCount) {
        JsonObject o = new JsonObject();
        o.addProperty("data_set", kind.flag());
        o.addProperty("source", ds.where());
        o.addProperty("train_count", ds.train().count());
        o.addProperty("test_count", ds.test().count());
        o.addProperty("height", ds.height());
        o.addProperty("width", ds.width());
        o.addProperty("channels", ds.channels());
        o.addProperty("size_divisible_by_4", ds.sizeDivisibleBy4());
        o.addProperty("num_labels", ds.numLabels());
        if (!ds.classNames().isEmpty()) {
            JsonArray names = new JsonArray();
            for (String n : ds.classNames()) names.add(n);
            o.add("class_names", names);
        }
        o.addProperty("fingerprint", ds.identity().fingerprint());
        if (ds.numLabels() > 0) {
            o.add("train_label_counts", array(labelCounts(ds.train(), ds.numLabels())));
            o.add("test_label_counts", array(labelCounts(ds.test(), ds.numLabels())));
        }
        o.add("train_channel_mean", array(train.mean()));
        o.add("test_channel_mean", array(test.mean()));
        o.add("train_channel_std", array(train.std()));
        o.add("test_channel_std", array(test.std()));
        if (preview != null) {
            o.addProperty("preview", preview.toString());
            o.addProperty("preview_images", previewCount);
        }
        return o;
    }

    private void printText(PrintWriter out, DatasetKind kind, Dataset ds, ChannelStats train, ChannelStats test, int previewCount) {
        out.printf(Locale.ROOT, "data set      %s%n", kind.flag());
        if (common.verbose()) out.printf(Locale.ROOT, "found in      %s%n  train       %s%n  test        %s%n", ds.where(), ds.train().source(), ds.test().source());
        out.printf(Locale.ROOT, "train         %d images%n", ds.train().count());
        out.printf(Locale.ROOT, "test          %d images%n", ds.test().count());
        out.printf(Locale.ROOT, "image shape   %dx%dx%d (HxWxC)%s%n", ds.height(), ds.width(), ds.channels(),
                ds.sizeDivisibleBy4() ? "" : "  -- height and width must be divisible by 4 to train");
        if (ds.numLabels() > 0) {
            out.printf(Locale.ROOT, "labels        %d%n", ds.numLabels());
            for (int k = 0; k < ds.classNames().size(); k++) out.printf(Locale.ROOT, "  %2d          %s%n", k, ds.classNames().get(k));
            out.printf(Locale.ROOT, "  train       %s%n", Arrays.toString(labelCounts(ds.train(), ds.numLabels())));
            out.printf(Locale.ROOT, "  test        %s%n", Arrays.toString(labelCounts(ds.test(), ds.numLabels())));
        } else {
            out.printf(Locale.ROOT, "labels        none%n");
        }
        out.printf(Locale.ROOT, "channel mean  train %s  test %s  (pixel units)%n", format(train.mean()), format(test.mean()));
        out.printf(Locale.ROOT, "channel std   train %s  test %s  (pixel units)%n", format(train.std()), format(test.std()));
        out.printf(Locale.ROOT, "fingerprint   %s (what a run records of its data, to recognise it again)%n", ds.identity().fingerprint());
        if (preview != null) out.printf(Locale.ROOT, "preview       %s (%d training images)%n", preview, previewCount);
    }

    static int[] labelCounts(ImageSet set, int numLabels) {
        int[] counts = new int[numLabels];
        if (set.hasLabels()) {
            for (int y : set.labels()) counts[y]++;
        }
        return counts;
    }

    private static String format(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", v[i]));
        return sb.append(']').toString();
    }

    private static JsonArray array(double[] v) {
        JsonArray a = new JsonArray();
        for (double d : v) a.add(d);
        return a;
    }

    private static JsonArray array(int[] v) {
        JsonArray a = new JsonArray();
        for (int d : v) a.add(d);
        return a;
    }
}
