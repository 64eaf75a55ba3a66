package org.pixelcnn.model.port;

import org.pixelcnn.io.BadInputException;
import org.pixelcnn.io.torch.TorchTensor;
import org.pixelcnn.model.Param;
import org.pixelcnn.model.ParamStore;
import org.pixelcnn.model.port.PortModel.Layer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps the tensors of a PyTorch-port state_dict onto the engine's parameters (V, g, b per layer, the
 * original's layouts) so that every layer computes the same function as in the port.
 *
 * <ul>
 *   <li>Conv2d: the port's weight_v [out, in, kh, kw] becomes V [kh, kw, in, out]; weight_g
 *       [out, 1, 1, 1] and bias [out] are g and b. torch's weight_norm (dim 0) normalises a Conv2d
 *       weight per output filter, as the original's nn.conv2d: copied, nothing recomputed.</li>
 *   <li>Linear (nin): weight_v [out, in] becomes V [in, out]; weight_g [out, 1] and bias as they are
 *       (both normalise per output unit).</li>
 *   <li>ConvTranspose2d: torch's weight_norm with its default dim 0 normalises the weight [in, out, kh,
 *       kw] per INPUT channel, the original's nn.deconv2d per output filter. The port's effective
 *       weight W[i, o, :, :] = weight_g[i] weight_v[i, o, :, :] / ||weight_v[i]|| is computed (in
 *       float64), stored as V [kh, kw, out, in] = W (the same kernel: a TF conv2d_transpose filter
 *       [kh, kw, out, in] and a torch ConvTranspose2d weight [in, out, kh, kw] pair the same input
 *       and output positions, no flip), and g[o] = ||V[:, :, o, :]|| so that g V / ||V|| = W up to
 *       float32 rounding. An output filter whose weights are all zero gets V = 1 and g = 0.</li>
 * </ul>
 * The port's padding, shifts, deconv crops, concat_elu order (x then -x), gated-resnet split and
 * skip concatenation order (u then ul) are the original's; its input gets the same channel of ones.
 */
public final class PortWeights {
    private static final String[] SUFFIXES = {".weight_v", ".weight_g", ".bias"};

    private PortWeights() {
    }

    /**
     * Checks the state_dict against the model and converts it.
     *
     * @param sd   the port's tensors by name (see {@link org.pixelcnn.io.torch.TorchStateDict})
     * @param pm   the hyper-parameters inferred from them ({@link PortModel#infer})
     * @param ps   the engine's parameters for pm's configuration (names, shapes, offsets)
     * @param file named in messages
     * @return the flat parameter block laid out as ps
     * @throws BadInputException naming the file and the key: an unknown key, a missing key, a tensor
     *                           that is not float32, a shape that does not fit, or a transposed
     *                           convolution whose input channel has zero norm (NaN weights in the port)
     */
    public static float[] toEngine(Map<String, TorchTensor> sd, PortModel pm, ParamStore ps, Path file) {
        List<Layer> layers = pm.layers();
        Set<String> expected = new LinkedHashSet<>();
        for (Layer l : layers) for (String s : SUFFIXES) expected.add(l.prefix() + s);
        String model = "nr_resnet " + pm.nrResnet() + ", nr_filters " + pm.nrFilters() + ", nr_logistic_mix " + pm.nrLogisticMix()
                + ", " + pm.channels() + " channel" + (pm.channels() == 1 ? "" : "s");
        for (String key : sd.keySet())
            if (!expected.contains(key))
                throw new BadInputException(file + ": unknown key " + key + " (not a tensor of the port's PixelCNN with " + model + ")");
        for (String key : expected)
            if (!sd.containsKey(key)) throw new BadInputException(file + ": missing key " + key + " (the port's PixelCNN with " + model + " has it)");
        for (Map.Entry<String, TorchTensor> e : sd.entrySet())
            if (!e.getValue().isFloat32())
                throw new BadInputException(file + ": key " + e.getKey() + " is " + e.getValue().dtype()
                        + "; the import needs float32 tensors (in Python: model.float() before saving the state_dict)");

        List<Param> params = ps.params();
        if (params.size() != 3 * layers.size())
            throw new IllegalStateException("the engine has " + params.size() + " parameter tensors for " + layers.size() + " port layers");
        float[] flat = new float[Math.toIntExact(ps.total())];
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            Param v = params.get(3 * i), g = params.get(3 * i + 1), b = params.get(3 * i + 2);
            String kind = v.name.substring("model/".length(), v.name.lastIndexOf('_'));
            String want = switch (layer.kind()) { case CONV -> "conv2d"; case DECONV -> "deconv2d"; case DENSE -> "dense"; };
            if (!kind.equals(want) || !v.name.endsWith("/V") || !g.name.endsWith("/g") || !b.name.endsWith("/b"))
                throw new IllegalStateException(layer.prefix() + " (" + layer.kind() + ") meets the engine's " + v.name);
            TorchTensor tv = sd.get(layer.prefix() + ".weight_v"), tg = sd.get(layer.prefix() + ".weight_g"), tb = sd.get(layer.prefix() + ".bias");
            switch (layer.kind()) {
                case CONV -> conv(file, model, layer.prefix(), tv, tg, tb, v, g, b, flat);
                case DENSE -> dense(file, model, layer.prefix(), tv, tg, tb, v, g, b, flat);
                case DECONV -> deconv(file, model, layer.prefix(), tv, tg, tb, v, g, b, flat);
            }
        }
        return flat;
    }

    private static void requireShape(Path file, String model, String key, TorchTensor t, long... shape) {
        if (!Arrays.equals(t.shape(), shape))
            throw new BadInputException(file + ": key " + key + " has shape " + t.shapeString() + ", expected " + Arrays.toString(shape)
                    + " for the port's PixelCNN with " + model);
    }

    /** V [kh, kw, in, out] (engine) from weight_v [out, in, kh, kw]; g, b copied. */
    private static void conv(Path file, String model, String prefix, TorchTensor tv, TorchTensor tg, TorchTensor tb,
                             Param v, Param g, Param b, float[] flat) {
        int kh = v.shape[0], kw = v.shape[1], in = v.shape[2], out = v.shape[3];
        requireShape(file, model, prefix + ".weight_v", tv, out, in, kh, kw);
        requireShape(file, model, prefix + ".weight_g", tg, out, 1, 1, 1);
        requireShape(file, model, prefix + ".bias", tb, out);
        float[] src = tv.values();
        for (int o = 0; o < out; o++)
            for (int i = 0; i < in; i++)
                for (int a = 0; a < kh; a++)
                    for (int c = 0; c < kw; c++)
                        flat[(int) v.offset + ((a * kw + c) * in + i) * out + o] = src[((o * in + i) * kh + a) * kw + c];
        System.arraycopy(tg.values(), 0, flat, (int) g.offset, out);
        System.arraycopy(tb.values(), 0, flat, (int) b.offset, out);
    }

    /** V [in, out] (engine) from weight_v [out, in]; g, b copied. */
    private static void dense(Path file, String model, String prefix, TorchTensor tv, TorchTensor tg, TorchTensor tb,
                              Param v, Param g, Param b, float[] flat) {
        int in = v.shape[0], out = v.shape[1];
        requireShape(file, model, prefix + ".weight_v", tv, out, in);
        requireShape(file, model, prefix + ".weight_g", tg, out, 1);
        requireShape(file, model, prefix + ".bias", tb, out);
        float[] src = tv.values();
        for (int o = 0; o < out; o++)
            for (int i = 0; i < in; i++) flat[(int) v.offset + i * out + o] = src[o * in + i];
        System.arraycopy(tg.values(), 0, flat, (int) g.offset, out);
        System.arraycopy(tb.values(), 0, flat, (int) b.offset, out);
    }

    /** The port's effective weight, normalised per input channel, re-expressed per output filter (see the class comment). */
    private static void deconv(Path file, String model, String prefix, TorchTensor tv, TorchTensor tg, TorchTensor tb,
                               Param v, Param g, Param b, float[] flat) {
        int kh = v.shape[0], kw = v.shape[1], out = v.shape[2], in = v.shape[3];
        requireShape(file, model, prefix + ".weight_v", tv, in, out, kh, kw);
        requireShape(file, model, prefix + ".weight_g", tg, in, 1, 1, 1);
        requireShape(file, model, prefix + ".bias", tb, out);
        float[] src = tv.values(), gain = tg.values();
        int per = out * kh * kw;
        double[] scale = new double[in];
        for (int i = 0; i < in; i++) {
            double ss = 0;
            for (int j = 0; j < per; j++) ss += (double) src[i * per + j] * src[i * per + j];
            if (ss == 0)
                throw new BadInputException(file + ": key " + prefix + ".weight_v: input channel " + i
                        + " has zero norm, so the port's weight-normalised weights are NaN there");
            scale[i] = gain[i] / Math.sqrt(ss);
        }
        double[] norm2 = new double[out];
        for (int i = 0; i < in; i++)
            for (int o = 0; o < out; o++)
                for (int a = 0; a < kh; a++)
                    for (int c = 0; c < kw; c++) {
                        float w = (float) (scale[i] * src[((i * out + o) * kh + a) * kw + c]);
                        flat[(int) v.offset + ((a * kw + c) * out + o) * in + i] = w;
                        norm2[o] += (double) w * w;
                    }
        for (int o = 0; o < out; o++) {
            if (norm2[o] == 0) {
                for (int a = 0; a < kh * kw; a++) for (int i = 0; i < in; i++) flat[(int) v.offset + (a * out + o) * in + i] = 1f;
                flat[(int) g.offset + o] = 0f;
            } else {
                flat[(int) g.offset + o] = (float) Math.sqrt(norm2[o]);
            }
        }
        System.arraycopy(tb.values(), 0, flat, (int) b.offset, out);
    }
}
