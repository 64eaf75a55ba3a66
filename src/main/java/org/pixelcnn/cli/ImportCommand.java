package org.pixelcnn.cli;

import org.pixelcnn.backend.AdamPolyak;
import org.pixelcnn.cli.options.CommonOptions;
import org.pixelcnn.data.sets.DatasetKind;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.io.Checkpoint;
import org.pixelcnn.io.torch.TorchStateDict;
import org.pixelcnn.io.torch.TorchTensor;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.ModelStats;
import org.pixelcnn.model.ParamStore;
import org.pixelcnn.model.port.PortModel;
import org.pixelcnn.model.port.PortWeights;
import org.pixelcnn.train.TrainingCheckpoint;
import org.pixelcnn.train.TrainingCheckpoint.RunInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code import}: turns a checkpoint of the PyTorch port (pclucas14/pixel-cnn-pp; a file written by
 * {@code torch.save(model.state_dict(), path)}, zip or legacy format, {@link TorchStateDict}) into an
 * engine checkpoint that sample, eval, score and {@code train --load_params} accept. The port's
 * nr_resnet, nr_filters, nr_logistic_mix and channel count are read off the tensors' names and shapes
 * ({@link PortModel}) and printed; every tensor is mapped onto the engine's (V, g, b), the transposed
 * convolutions re-normalised per output filter ({@link PortWeights}), so the network computes the
 * port's function. The checkpoint is that of a run about to start: step 0, Polyak averages equal to
 * the imported parameters, Adam moments zero. Its image shape is {@code --image_shape} (the network
 * is fully convolutional), by default the port's: 32x32x3, or 28x28x1 for one-channel models.
 */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Convert a PyTorch-port checkpoint (torch.save(model.state_dict()) of pclucas14/pixel-cnn-pp) into an engine checkpoint.")
public final class ImportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "PTH", description = "The port's state_dict file (torch.save, zip or legacy format)")
    Path from;

    @Option(names = "--out", required = true, paramLabel = "DIR_OR_FILE",
            description = "A save directory (gets checkpoint-0.safetensors; train --load_params --save_dir resumes from it) or a .safetensors file")
    Path out;

    @Option(names = "--image_shape", paramLabel = "HxWxC", description = "Image shape of the model (default: 32x32x3, or 28x28x1 for one-channel models, as the port's main.py)")
    String imageShape;

    @Option(names = {"-d", "--data_set"}, paramLabel = "NAME", completionCandidates = DatasetKind.Names.class,
            description = "The data set the model was trained on, recorded as eval's and score's default: ${COMPLETION-CANDIDATES} (default: cifar for 32x32x3, mnist for 28x28x1)")
    String dataSet;

    @Mixin(name = CommonOptions.NAME)
    CommonOptions common;

    @Override
    public Integer call() {
        boolean toFile = out.getFileName() != null && out.getFileName().toString().endsWith(".safetensors");
        if (toFile) {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) throw new BadInputException("--out " + out + ": folder " + parent + " does not exist");
        } else if (!Checkpoint.list(out).isEmpty()) {
            throw new BadInputException("--out " + out + ": already holds checkpoints; import into an empty or new save directory");
        } else if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new BadInputException("--out " + out + ": is a file; give a directory or a .safetensors file name");
        }
        DatasetKind kind = dataSet == null ? null : DatasetKind.parse(dataSet);

        Map<String, TorchTensor> sd = PortModel.withoutDataParallelPrefix(TorchStateDict.read(from));
        PortModel pm = PortModel.infer(sd, from);
        int[] shape = imageShape != null ? parseShape(imageShape) : pm.channels() == 3 ? new int[] {32, 32, 3} : new int[] {28, 28, 1};
        if (shape[2] != pm.channels())
            throw new BadInputException("--image_shape " + imageShape + ": " + from + " holds a model of " + pm.channels() + "-channel images");
        ModelConfig cfg;
        try {
            cfg = pm.config(shape[0], shape[1]);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--image_shape " + imageShape + ": " + e.getMessage());
        }
        ParamStore ps = ModelStats.parameterLayout(cfg);
        PrintWriter w = spec.commandLine().getOut();
        long floats = 0;
        for (TorchTensor t : sd.values()) floats += t.elements();
        w.printf(Locale.ROOT, "%s: the port's PixelCNN with nr_resnet %d, nr_filters %d, nr_logistic_mix %d, %d channel%s (%d tensors, %,d parameters)%n",
                from, pm.nrResnet(), pm.nrFilters(), pm.nrLogisticMix(), pm.channels(), pm.channels() == 1 ? "" : "s", sd.size(), floats);
        float[] flat = PortWeights.toEngine(sd, pm, ps, from);

        String set = kind != null ? kind.flag()
                : shape[0] == 32 && shape[1] == 32 && shape[2] == 3 ? "cifar" : shape[0] == 28 && shape[1] == 28 && shape[2] == 1 ? "mnist" : null;
        RunInfo info = new RunInfo(cfg, set, 16, 1, 1e-3, 0.999995, AdamPolyak.DEFAULT_POLYAK_DECAY, 1);
        Path written = TrainingCheckpoint.saveInitial(out, !toFile, ps, flat, info);
        w.printf(Locale.ROOT, "wrote %s: %,d parameters for %dx%dx%d images%s (Polyak averages = the imported parameters, Adam moments zero, step 0)%n",
                written, ps.total(), shape[0], shape[1], shape[2], set == null ? "" : ", data set " + set);
        w.printf(Locale.ROOT, "use it with: sample/eval/score --checkpoint %s%s%n", written, toFile ? ""
                : String.format(Locale.ROOT, "; train --load_params --save_dir %s --nr_resnet %d --nr_filters %d --nr_logistic_mix %d%s",
                out, pm.nrResnet(), pm.nrFilters(), pm.nrLogisticMix(), set == null ? " --data_set ..." : " --data_set " + set));
        w.flush();
        return 0;
    }

    /** "HxWxC" as {H, W, C}. @throws BadInputException naming --image_shape */
    static int[] parseShape(String s) {
        String[] p = s.toLowerCase(Locale.ROOT).split("x");
        try {
            if (p.length != 3) throw new NumberFormatException();
            int[] r = {Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()), Integer.parseInt(p[2].trim())};
            if (r[0] < 1 || r[1] < 1 || r[2] < 1) throw new NumberFormatException();
            return r;
        } catch (NumberFormatException e) {
            throw new BadInputException("--image_shape must look like 32x32x3, not '" + s + "'");
        }
    }
}
