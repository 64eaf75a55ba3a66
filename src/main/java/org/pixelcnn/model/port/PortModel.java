package org.pixelcnn.model.port;

import org.pixelcnn.io.BadInputException;
import org.pixelcnn.io.torch.TorchTensor;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.layers.Nonlinearity;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The hyper-parameters of a model of the PyTorch port (pclucas14/pixel-cnn-pp, model.py
 * {@code PixelCNN(nr_resnet, nr_filters, nr_logistic_mix, resnet_nonlinearity='concat_elu',
 * input_channels)}), read off its state_dict, and the port's weight-normalised layers in the order the
 * engine creates the same layers ({@link org.pixelcnn.model.PixelCnnPP}, which reads like the
 * original's model.py).
 *
 * <p>The port's layer names (module paths of its state_dict, each with {@code weight_v}, {@code
 * weight_g} and {@code bias}): {@code u_init.conv}, {@code ul_init.0.conv}, {@code ul_init.1.conv};
 * {@code up_layers.S.{u,ul}_stream.J.{conv_input.conv, nin_skip.lin_a, conv_out.conv}} (stage S of the
 * up pass, J &lt; nr_resnet; the up pass's u stream has no nin_skip); {@code downsize_{u,ul}_stream.S.conv}
 * (S = 0, 1); {@code down_layers.S.{u,ul}_stream.J.*} (J &lt; nr_resnet for S = 0, nr_resnet + 1 for
 * S = 1, 2); {@code upsize_{u,ul}_stream.S.deconv}; {@code nin_out.lin_a}.
 *
 * @param nrResnet      --nr_resnet
 * @param nrFilters     --nr_filters
 * @param nrLogisticMix --nr_logistic_mix
 * @param channels      input_channels, 1 or 3
 */
public record PortModel(int nrResnet, int nrFilters, int nrLogisticMix, int channels) {

    /** What a weight-normalised layer of the port is: torch module and its weight layout. */
    public enum Kind {
        /** nn.Conv2d, weight [out, in, kh, kw], weight_g [out, 1, 1, 1] (the original's nn.conv2d). */
        CONV,
        /** nn.ConvTranspose2d, weight [in, out, kh, kw], weight_g [in, 1, 1, 1] (norm per INPUT channel). */
        DECONV,
        /** nn.Linear, weight [out, in], weight_g [out, 1] (the original's nn.dense / nin). */
        DENSE
    }

    /** One weight-normalised layer: the port's module path (without .weight_v etc.) and its kind. */
    public record Layer(String prefix, Kind kind) {
    }

    private static final String FIRST = "u_init.conv.weight_v";
    private static final String DATA_PARALLEL = "module.";
    private static final String LAST = "nin_out.lin_a.weight_v";

    /**
     * The state_dict without the {@code module.} prefix that {@code nn.DataParallel} puts on every key;
     * unchanged when any key lacks it.
     */
    public static Map<String, TorchTensor> withoutDataParallelPrefix(Map<String, TorchTensor> sd) {
        if (sd.isEmpty() || !sd.keySet().stream().allMatch(k -> k.startsWith(DATA_PARALLEL))) return sd;
        Map<String, TorchTensor> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, TorchTensor> e : sd.entrySet()) out.put(e.getKey().substring(DATA_PARALLEL.length()), e.getValue());
        return out;
    }

    /**
     * Reads the hyper-parameters from tensor names and shapes: the channel count and nr_filters from
     * u_init's weight [nr_filters, C + 1, 2, 3], nr_resnet from the blocks of the first up stage,
     * nr_logistic_mix from nin_out's weight [(10 or 3) * nr_logistic_mix, nr_filters].
     *
     * @throws BadInputException naming the file and the key when those tensors are missing or misshapen
     */
    public static PortModel infer(Map<String, TorchTensor> sd, Path file) {
        TorchTensor first = sd.get(FIRST), last = sd.get(LAST);
        if (first == null) throw new BadInputException(file + ": missing key " + FIRST + ": not a state_dict of the PyTorch port's PixelCNN");
        if (last == null) throw new BadInputException(file + ": missing key " + LAST + ": not a state_dict of the PyTorch port's PixelCNN");
        long[] s = first.shape();
        if (s.length != 4 || s[2] != 2 || s[3] != 3 || (s[1] != 2 && s[1] != 4) || s[0] < 1)
            throw new BadInputException(file + ": key " + FIRST + " has shape " + first.shapeString()
                    + ", expected [nr_filters, C + 1, 2, 3] with C = 1 or 3");
        int filters = Math.toIntExact(s[0]), channels = Math.toIntExact(s[1] - 1);
        int perMix = channels == 3 ? 10 : 3;
        long[] o = last.shape();
        if (o.length != 2 || o[1] != filters || o[0] < perMix || o[0] % perMix != 0)
            throw new BadInputException(file + ": key " + LAST + " has shape " + last.shapeString() + ", expected [" + perMix
                    + " * nr_logistic_mix, " + filters + "] for " + channels + "-channel images");
        int resnet = 0;
        while (sd.containsKey("up_layers.0.u_stream." + resnet + ".conv_input.conv.weight_v")) resnet++;
        return new PortModel(resnet, filters, Math.toIntExact(o[0] / perMix), channels);
    }

    /**
     * The engine's configuration of this model for images of height x width (concat_elu, unconditional:
     * the port has no class-conditional models; dropout_p 0.5, the port's Dropout2d rate, used only if
     * trained further).
     */
    public ModelConfig config(int height, int width) {
        return new ModelConfig(nrResnet, nrFilters, nrLogisticMix, Nonlinearity.CONCAT_ELU, height, width, channels, 0, 0.5f);
    }

    /**
     * The port's weight-normalised layers in the order in which {@link org.pixelcnn.model.PixelCnnPP}
     * registers the same layers (the original's creation order): the three input convolutions, the up
     * pass (per stage: the downsizing convolutions of stages 1 and 2, then per block u then ul), the
     * down pass (per stage: the upsizing transposed convolutions of stages 1 and 2, then per block u
     * then ul), the output nin. In a gated resnet: conv_input, nin_skip (when it has an auxiliary
     * input), conv_out.
     */
    public List<Layer> layers() {
        List<Layer> out = new ArrayList<>();
        out.add(new Layer("u_init.conv", Kind.CONV));
        out.add(new Layer("ul_init.0.conv", Kind.CONV));
        out.add(new Layer("ul_init.1.conv", Kind.CONV));
        for (int stage = 0; stage < 3; stage++) {
            if (stage > 0) {
                out.add(new Layer("downsize_u_stream." + (stage - 1) + ".conv", Kind.CONV));
                out.add(new Layer("downsize_ul_stream." + (stage - 1) + ".conv", Kind.CONV));
            }
            for (int j = 0; j < nrResnet; j++) {
                gatedResnet(out, "up_layers." + stage + ".u_stream." + j, false);
                gatedResnet(out, "up_layers." + stage + ".ul_stream." + j, true);
            }
        }
        for (int stage = 0; stage < 3; stage++) {
            if (stage > 0) {
                out.add(new Layer("upsize_u_stream." + (stage - 1) + ".deconv", Kind.DECONV));
                out.add(new Layer("upsize_ul_stream." + (stage - 1) + ".deconv", Kind.DECONV));
            }
            for (int j = 0; j < (stage == 0 ? nrResnet : nrResnet + 1); j++) {
                gatedResnet(out, "down_layers." + stage + ".u_stream." + j, true);
                gatedResnet(out, "down_layers." + stage + ".ul_stream." + j, true);
            }
        }
        out.add(new Layer("nin_out.lin_a", Kind.DENSE));
        return out;
    }

    private static void gatedResnet(List<Layer> out, String block, boolean skip) {
        out.add(new Layer(block + ".conv_input.conv", Kind.CONV));
        if (skip) out.add(new Layer(block + ".nin_skip.lin_a", Kind.DENSE));
        out.add(new Layer(block + ".conv_out.conv", Kind.CONV));
    }
}
