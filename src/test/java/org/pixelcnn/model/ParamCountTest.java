package org.pixelcnn.model;

import org.junit.jupiter.api.Test;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.model.layers.Nonlinearity;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Parameter names and shapes against the variables model_spec creates, derived here layer by layer
 * from model.py / nn.py (conv V [fh,fw,cin,cout], deconv V [fh,fw,cout,cin], dense V [cin,cout],
 * g and b [cout], hw [classes, 2F]).
 */
class ParamCountTest {

    /** The reference's variables in creation order for (R, F, M, C, classes), concat_elu. */
    static List<String> referenceVariables(int r, int f, int m, int c, int classes) {
        List<String> out = new ArrayList<>();
        int[] conv = {0}, dense = {0}, deconv = {0}, cond = {0};
        java.util.function.BiConsumer<String, int[]> wn = (kind, v) -> {
            int k = switch (kind) { case "conv2d" -> conv[0]++; case "dense" -> dense[0]++; default -> deconv[0]++; };
            int cout = kind.equals("deconv2d") ? v[2] : v[v.length - 1];
            out.add("model/" + kind + "_" + k + "/V" + Arrays.toString(v));
            out.add("model/" + kind + "_" + k + "/g" + Arrays.toString(new int[]{cout}));
            out.add("model/" + kind + "_" + k + "/b" + Arrays.toString(new int[]{cout}));
        };
        java.util.function.BiConsumer<Boolean, Integer> gres = (down, aCh) -> {
            wn.accept("conv2d", down ? new int[]{2, 3, 2 * f, f} : new int[]{2, 2, 2 * f, f});
            if (aCh > 0) wn.accept("dense", new int[]{2 * aCh, f});
            wn.accept("conv2d", down ? new int[]{2, 3, 2 * f, 2 * f} : new int[]{2, 2, 2 * f, 2 * f});
            if (classes > 0) out.add("model/conditional_weights_" + cond[0]++ + "/hw" + Arrays.toString(new int[]{classes, 2 * f}));
        };
        wn.accept("conv2d", new int[]{2, 3, c + 1, f});
        wn.accept("conv2d", new int[]{1, 3, c + 1, f});
        wn.accept("conv2d", new int[]{2, 1, c + 1, f});
        for (int stage = 0; stage < 3; stage++) {
            if (stage > 0) {
                wn.accept("conv2d", new int[]{2, 3, f, f});
                wn.accept("conv2d", new int[]{2, 2, f, f});
            }
            for (int i = 0; i < r; i++) {
                gres.accept(true, 0);
                gres.accept(false, f);
            }
        }
        for (int stage = 0; stage < 3; stage++) {
            if (stage > 0) {
                wn.accept("deconv2d", new int[]{2, 3, f, f});
                wn.accept("deconv2d", new int[]{2, 2, f, f});
            }
            for (int i = 0; i < (stage == 0 ? r : r + 1); i++) {
                gres.accept(true, f);
                gres.accept(false, 2 * f);
            }
        }
        wn.accept("dense", new int[]{f, (c == 3 ? 10 : 3) * m});
        return out;
    }

    static long count(List<String> vars) {
        long total = 0;
        for (String v : vars) {
            String dims = v.substring(v.indexOf('[') + 1, v.length() - 1);
            long p = 1;
            for (String d : dims.split(", ")) p *= Long.parseLong(d);
            total += p;
        }
        return total;
    }

    private static List<String> engineVariables(ModelConfig cfg) {
        try (CpuBackend be = new CpuBackend(1)) {
            PixelCnnPP model = new PixelCnnPP(be, cfg, 1, false);
            List<String> out = new ArrayList<>();
            for (Param p : model.params().params()) out.add(p.name + Arrays.toString(p.shape));
            return out;
        }
    }

    @Test
    void defaultModelMatchesTheReference() {
        ModelConfig cfg = new ModelConfig(5, 160, 10, Nonlinearity.CONCAT_ELU, 32, 32, 3, 0, 0.5f);
        List<String> ref = referenceVariables(5, 160, 10, 3, 0);
        List<String> eng = engineVariables(cfg);
        assertEquals(ref, eng, "every (V, g, b) triple: name and shape, in creation order");
        // The PyTorch port's published count for this model (tools/peer/bench_port.py counts it) agrees with the derivation.
        assertEquals(53_659_080L, count(ref));
    }

    @Test
    void smallConfigsAndConditionalModels() {
        assertEquals(referenceVariables(1, 32, 5, 3, 0), engineVariables(new ModelConfig(1, 32, 5, Nonlinearity.CONCAT_ELU, 32, 32, 3, 0, 0.5f)));
        assertEquals(577_060L, count(referenceVariables(1, 32, 5, 3, 0)));
        assertEquals(575_166L, count(referenceVariables(1, 32, 5, 1, 0)));
        assertEquals(referenceVariables(2, 16, 3, 1, 10), engineVariables(new ModelConfig(2, 16, 3, Nonlinearity.CONCAT_ELU, 28, 28, 1, 10, 0.5f)));
    }
}
