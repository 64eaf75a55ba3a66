package org.pixelcnn.model.port;

import org.junit.jupiter.api.Test;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.data.PixelScaling;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.io.torch.TorchStateDict;
import org.pixelcnn.io.torch.TorchTensor;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.ModelStats;
import org.pixelcnn.model.Pass;
import org.pixelcnn.model.PixelCnnPP;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The imported port models compute the port's function: on the fixtures' images the engine's network
 * output equals the port's, and the per-image nats and bits/dim equal the port's own loss within 1e-5
 * relative, for both channel counts (C = 3 at 8x8, C = 1 at 12x8). Anything the import does not
 * recognise is refused naming the key.
 */
class PortWeightsTest {

    /** The engine's output for the fixture's images, and its per-image nats. */
    private static double[] engineNats(PortFixture f, float[] outHolder) {
        Map<String, TorchTensor> sd = TorchStateDict.read(f.pth());
        PortModel pm = PortModel.infer(sd, f.pth());
        assertEquals(new PortModel(f.nrResnet(), f.nrFilters(), f.nrMix(), f.c()), pm);
        ModelConfig cfg = pm.config(f.h(), f.w());
        float[] flat = PortWeights.toEngine(sd, pm, ModelStats.parameterLayout(cfg), f.pth());
        try (CpuBackend be = new CpuBackend()) {
            PixelCnnPP model = new PixelCnnPP(be, cfg, f.n(), false);
            be.upload(flat, 0, model.params().values(), 0, flat.length);
            float[] x = PixelScaling.toUnit(f.images());
            be.upload(x, 0, model.input().value, 0, x.length);
            model.forward(Pass.eval());
            be.download(model.output().value, 0, outHolder, 0, outHolder.length);
            double[] nats = new double[f.n()];
            be.mixLogisticLoss(model.output().value, model.input().value, null, 1f, nats, f.n(), f.h(), f.w(), f.c(), f.nrMix());
            return nats;
        }
    }

    private static void sameFunctionAsThePort(String name) {
        PortFixture f = PortFixture.load(name);
        float[] out = new float[f.out().length];
        double[] nats = engineNats(f, out);
        // Network outputs: torch (oneDNN convolutions, per-input-channel norms of the transposed
        // convolutions, its input scaling p/255*2-1) against the engine (im2col + OpenBLAS, the same
        // weights re-normalised per output filter, (p-127.5)/127.5): float32 paths that differ in
        // summation order and a few roundings per layer. PathTolerance's 1e-5 of max(|l|, 1) bounds
        // that; a wrong layout, a transposed kernel or the wrong normalisation axis moves outputs by
        // 1e-2 or more.
        double worst = 0;
        for (int i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i] - f.out()[i]) / Math.max(1, Math.abs(f.out()[i])));
        assertTrue(worst <= 1e-5, name + ": network output differs from the port's by " + worst + " (relative)");
        double dims = (double) f.h() * f.w() * f.c();
        for (int i = 0; i < f.n(); i++) {
            // the bound: per-image bits/dim within 1e-5 relative of the port's own loss
            double bits = nats[i] / (Math.log(2) * dims);
            assertEquals(f.bitsPerDim()[i], bits, 1e-5 * f.bitsPerDim()[i], name + " image " + i + " bits/dim");
            assertEquals(f.nats()[i], nats[i], 1e-5 * f.nats()[i], name + " image " + i + " nats");
            // the port's loss function in float64 on its own output: what the float32 loss approximates
            // (its bin probability is a difference of sigmoids that cancels near 1e-5; the engine's is
            // formed without that cancellation)
            assertEquals(f.nats64()[i], nats[i], 1e-5 * f.nats64()[i], name + " image " + i + " nats (port in float64)");
        }
        System.out.printf("[port %s] worst output error %.2e, bits/dim engine %.6f port %.6f%n", name, worst,
                java.util.Arrays.stream(nats).sum() / (Math.log(2) * dims * f.n()), f.batchBits());
    }

    @Test
    void rgbModelComputesThePortsFunction() {
        sameFunctionAsThePort("rgb");
    }

    @Test
    void grayModelComputesThePortsFunction() {
        sameFunctionAsThePort("gray");
    }

    @Test
    void transposedConvolutionsNeedTheirPerInputChannelNorm() {
        // Guard on the fixture itself: had weight_g been left at torch's initial ||weight_v||, either
        // normalisation axis would give the same weights and the tests above could not tell them apart.
        Map<String, TorchTensor> sd = TorchStateDict.read(PortFixture.load("rgb").pth());
        TorchTensor v = sd.get("upsize_u_stream.0.deconv.weight_v"), g = sd.get("upsize_u_stream.0.deconv.weight_g");
        int in = (int) v.shape()[0], per = (int) (v.elements() / in);
        double worst = 0;
        for (int i = 0; i < in; i++) {
            double ss = 0;
            for (int j = 0; j < per; j++) ss += v.values()[i * per + j] * v.values()[i * per + j];
            worst = Math.max(worst, Math.abs(g.values()[i] / Math.sqrt(ss) - 1));
        }
        assertTrue(worst > 0.1, "weight_g is perturbed away from ||weight_v||: " + worst);
    }

    private static String refusal(Map<String, TorchTensor> sd) {
        Path file = Path.of("model.pth");
        return assertThrows(BadInputException.class, () -> {
            PortModel pm = PortModel.infer(sd, file);
            PortWeights.toEngine(sd, pm, ModelStats.parameterLayout(pm.config(8, 8)), file);
        }).getMessage();
    }

    @Test
    void aDataParallelPrefixIsDroppedOnlyFromEveryKey() {
        Map<String, TorchTensor> good = TorchStateDict.read(PortFixture.load("gray").pth());
        Map<String, TorchTensor> wrapped = new LinkedHashMap<>();
        good.forEach((k, v) -> wrapped.put("module." + k, v));
        Map<String, TorchTensor> back = PortModel.withoutDataParallelPrefix(wrapped);
        assertEquals(new java.util.ArrayList<>(good.keySet()), new java.util.ArrayList<>(back.keySet()));
        wrapped.put("extra", good.get("nin_out.lin_a.bias"));
        assertEquals(wrapped, PortModel.withoutDataParallelPrefix(wrapped), "one key without the prefix: left as it is");
    }

    @Test
    void whatTheImportDoesNotRecogniseIsRefusedNamingTheKey() {
        Map<String, TorchTensor> good = TorchStateDict.read(PortFixture.load("gray").pth());

        Map<String, TorchTensor> extra = new LinkedHashMap<>(good);
        extra.put("down_layers.0.u_stream.0.bn.running_mean", new TorchTensor("float32", new long[] {6}, new float[6]));
        assertTrue(refusal(extra).startsWith("model.pth: unknown key down_layers.0.u_stream.0.bn.running_mean (not a tensor of the port's PixelCNN with nr_resnet 1, nr_filters 6, nr_logistic_mix 2, 1 channel)"),
                refusal(extra));

        Map<String, TorchTensor> missing = new LinkedHashMap<>(good);
        missing.remove("upsize_ul_stream.1.deconv.weight_g");
        assertTrue(refusal(missing).startsWith("model.pth: missing key upsize_ul_stream.1.deconv.weight_g"), refusal(missing));

        Map<String, TorchTensor> noInput = new LinkedHashMap<>(good);
        noInput.remove("u_init.conv.weight_v");
        assertTrue(refusal(noInput).startsWith("model.pth: missing key u_init.conv.weight_v: not a state_dict of the PyTorch port's PixelCNN"));

        Map<String, TorchTensor> f64 = new LinkedHashMap<>(good);
        f64.put("nin_out.lin_a.bias", new TorchTensor("float64", new long[] {6}, null));
        assertTrue(refusal(f64).startsWith("model.pth: key nin_out.lin_a.bias is float64; the import needs float32"), refusal(f64));

        Map<String, TorchTensor> shape = new LinkedHashMap<>(good);
        shape.put("up_layers.1.ul_stream.0.conv_out.conv.weight_v", new TorchTensor("float32", new long[] {12, 12, 2, 3}, new float[864]));
        assertTrue(refusal(shape).startsWith("model.pth: key up_layers.1.ul_stream.0.conv_out.conv.weight_v has shape [12, 12, 2, 3], expected [12, 12, 2, 2]"),
                refusal(shape));

        Map<String, TorchTensor> mix = new LinkedHashMap<>(good);
        mix.put("nin_out.lin_a.weight_v", new TorchTensor("float32", new long[] {7, 6}, new float[42]));
        assertTrue(refusal(mix).startsWith("model.pth: key nin_out.lin_a.weight_v has shape [7, 6], expected [3 * nr_logistic_mix, 6]"), refusal(mix));
    }
}
