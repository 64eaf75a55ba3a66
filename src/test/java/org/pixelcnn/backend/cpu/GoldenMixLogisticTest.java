package org.pixelcnn.backend.cpu;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks the likelihood, its gradient and the sampler against every golden file (float64 values of the
 * reference nn.py functions, see the golden README): one dynamic test per file.
 */
class GoldenMixLogisticTest {
    /** Relative tolerance of the loss and the per-image losses. */
    private static final double LOSS_REL_TOL = 1e-5;
    /**
     * max |grad - golden| <= this * max |golden grad|. The brief requires 1e-3 (a naive float32 run
     * misses by up to 4e-3); the stable formulation reaches below 1e-6, so 1e-5 guards it.
     */
    private static final double GRAD_REL_TOL = 1e-5;
    /** Sampled pixels. */
    private static final double X_TOL = 1e-5;

    @TestFactory
    List<DynamicTest> goldenFiles() throws IOException {
        List<Path> files = GoldenFiles.jsonFiles();
        List<DynamicTest> tests = new ArrayList<>();
        int lossFiles = 0, sampleFiles = 0;
        for (Path f : files) {
            String kind = GoldenFiles.read(f).get("kind").getAsString();
            if (kind.startsWith("discretized_mix_logistic_loss")) {
                lossFiles++;
                tests.add(DynamicTest.dynamicTest("loss " + f.getFileName(), () -> checkLoss(f)));
            } else if (kind.startsWith("sample_from_discretized_mix_logistic")) {
                sampleFiles++;
                tests.add(DynamicTest.dynamicTest("sample " + f.getFileName(), () -> checkSample(f)));
            } else {
                tests.add(DynamicTest.dynamicTest("unknown " + f.getFileName(), () -> fail("unknown golden kind '" + kind + "' in " + f)));
            }
        }
        assertTrue(lossFiles >= 6, "the six loss golden files of the repository are missing from " + GoldenFiles.directories());
        assertTrue(sampleFiles >= 3, "the three sample golden files of the repository are missing from " + GoldenFiles.directories());
        return tests;
    }

    private static void checkLoss(Path f) throws IOException {
        JsonObject o = GoldenFiles.read(f);
        int B = o.get("B").getAsInt(), H = o.get("H").getAsInt(), W = o.get("W").getAsInt();
        int C = o.get("C").getAsInt(), M = o.get("nr_mix").getAsInt();
        int P = DiscretizedMixLogistic.outputsPerPixel(C, M);
        float[] lArr = GoldenFiles.floats(o, "l");
        int[] pix = GoldenFiles.ints(o, "x_uint8");
        double[] gradRef = GoldenFiles.doubles(o, "grad_l");
        double[] perImageRef = GoldenFiles.doubles(o, "loss_per_image");
        assertEquals(B * H * W * P, lArr.length, "l size");
        assertEquals(B * H * W * C, pix.length, "x size");
        assertEquals(lArr.length, gradRef.length, "grad size");

        FloatBuffer l = direct(lArr);                    // the CPU backend keeps tensors in direct buffers
        float[] xArr = new float[pix.length];
        for (int i = 0; i < pix.length; i++) xArr[i] = (pix[i] - 127.5f) / 127.5f;
        FloatBuffer x = FloatBuffer.wrap(xArr);
        FloatBuffer g = FloatBuffer.allocate(lArr.length);
        double[] perImage = new double[B];
        double loss = DiscretizedMixLogistic.lossAndGrad(l, x, g, 1.0f, perImage, B, H, W, C, M);

        double lossRef = o.get("loss").getAsDouble();
        double lossRel = Math.abs(loss - lossRef) / Math.abs(lossRef);
        double imgRel = 0;
        for (int b = 0; b < B; b++) imgRel = Math.max(imgRel, Math.abs(perImage[b] - perImageRef[b]) / Math.abs(perImageRef[b]));
        double maxRef = 0, maxErr = 0;
        for (int i = 0; i < gradRef.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(gradRef[i]));
            maxErr = Math.max(maxErr, Math.abs(g.get(i) - gradRef[i]));
        }
        double bpd = DiscretizedMixLogistic.bitsPerDim(loss, (long) B * H * W * C);
        System.out.printf("[golden] %-28s loss rel err %.2e, per-image rel err %.2e, grad max abs err %.3e = %.2e x max|grad| (%.4g)%n",
                f.getFileName(), lossRel, imgRel, maxErr, maxErr / maxRef, maxRef);
        assertTrue(lossRel <= LOSS_REL_TOL, "loss " + loss + " vs " + lossRef);
        assertTrue(imgRel <= LOSS_REL_TOL, "per-image loss rel err " + imgRel);
        assertEquals(o.get("bits_per_dim").getAsDouble(), bpd, LOSS_REL_TOL * Math.abs(bpd), "bits/dim");
        assertTrue(maxErr <= GRAD_REL_TOL * maxRef, "grad max abs err " + maxErr + " > " + GRAD_REL_TOL + " x " + maxRef);

        // the threaded path gives the same bits, and gradScale scales the gradient
        FloatBuffer g2 = FloatBuffer.allocate(lArr.length);
        double[] perImage2 = new double[B];
        double loss2 = DiscretizedMixLogistic.lossAndGrad(l, x, g2, 0.5f, perImage2, B, H, W, C, M, 3);
        assertEquals(loss, loss2, 0.0, "threaded loss");
        assertArrayEquals(perImage, perImage2, 0.0, "threaded per-image loss");
        for (int i = 0; i < lArr.length; i++) {
            assertEquals(0.5f * g.get(i), g2.get(i), 1e-6f * Math.abs(g.get(i)) + 1e-30f, "scaled gradient at " + i);
        }
    }

    private static void checkSample(Path f) throws IOException {
        JsonObject o = GoldenFiles.read(f);
        int B = o.get("B").getAsInt(), H = o.get("H").getAsInt(), W = o.get("W").getAsInt();
        int C = o.get("C").getAsInt(), M = o.get("nr_mix").getAsInt();
        FloatBuffer l = direct(GoldenFiles.floats(o, "l"));
        FloatBuffer uMix = FloatBuffer.wrap(GoldenFiles.floats(o, "u_mix"));
        FloatBuffer u = FloatBuffer.wrap(GoldenFiles.floats(o, "u"));
        int[] selRef = GoldenFiles.ints(o, "sel");
        double[] xRef = GoldenFiles.doubles(o, "x");
        int pixels = B * H * W;
        assertEquals(pixels * C, xRef.length, "x size");

        FloatBuffer x = FloatBuffer.allocate(pixels * C);
        IntBuffer sel = IntBuffer.allocate(pixels);
        MixLogisticSampler.sample(l, uMix, u, x, sel, B, H, W, C, M);
        assertArrayEquals(selRef, sel.array(), "sel");
        double maxErr = 0;
        for (int i = 0; i < xRef.length; i++) maxErr = Math.max(maxErr, Math.abs(x.get(i) - xRef[i]));
        System.out.printf("[golden] %-28s sel identical, x max abs err %.3e%n", f.getFileName(), maxErr);
        assertTrue(maxErr <= X_TOL, "x max abs err " + maxErr);

        // one position at a time (raster-order generation) gives the same pixels
        FloatBuffer xPos = FloatBuffer.allocate(pixels * C);
        IntBuffer selPos = IntBuffer.allocate(B);
        float[] uMixB = new float[B * M], uB = new float[B * C];
        for (int h = 0; h < H; h++) {
            for (int w = 0; w < W; w++) {
                for (int b = 0; b < B; b++) {
                    int p = (b * H + h) * W + w;
                    for (int k = 0; k < M; k++) uMixB[b * M + k] = uMix.get(p * M + k);
                    for (int c = 0; c < C; c++) uB[b * C + c] = u.get(p * C + c);
                }
                MixLogisticSampler.samplePosition(l, FloatBuffer.wrap(uMixB), FloatBuffer.wrap(uB), xPos, selPos, B, H, W, C, M, h, w);
                for (int b = 0; b < B; b++) assertEquals(selRef[(b * H + h) * W + w], selPos.get(b), "sel at position");
            }
        }
        for (int i = 0; i < xRef.length; i++) assertEquals(x.get(i), xPos.get(i), 0.0f, "position sampler x at " + i);
    }

    static FloatBuffer direct(float[] a) {
        FloatBuffer b = ByteBuffer.allocateDirect(a.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        b.put(a);
        b.clear();
        return b;
    }
}
