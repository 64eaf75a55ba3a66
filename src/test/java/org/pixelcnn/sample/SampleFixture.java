package org.pixelcnn.sample;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.data.Fixtures;
import org.pixelcnn.data.PixelScaling;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.Pass;
import org.pixelcnn.model.PixelCnnPP;

import java.awt.image.BufferedImage;
import java.util.Arrays;

/**
 * A small data-initialised model for the sampler tests: parameters from initialValues, then data-dependent
 * init on real-looking images (Fixtures' test images), so that layer outputs have realistic scales (init on
 * one or two tiny images would scale by the inverse of a variance of two values, and amplify every rounding
 * by 100); and a teacher-forced eval pass over given images.
 */
final class SampleFixture {
    final Backend be;
    final ModelConfig cfg;
    final PixelCnnPP model;

    /** Images the data-dependent init sees: enough that per-channel variances at quarter resolution are not degenerate. */
    static final int INIT_BATCH = 8;

    /** A model of batch n, data-initialised on {@value #INIT_BATCH} test images with labels 1, 2, ... mod K. */
    SampleFixture(Backend be, ModelConfig cfg, int n, long seed) {
        this.be = be;
        this.cfg = cfg;
        PixelCnnPP init = new PixelCnnPP(be, cfg, INIT_BATCH, false);
        float[] p = init.initialValues(seed);
        be.upload(p, 0, init.params().values(), 0, p.length);
        if (cfg.numClasses() > 0) {
            float[] h = new float[INIT_BATCH * cfg.numClasses()];
            for (int i = 0; i < INIT_BATCH; i++) h[i * cfg.numClasses() + (i + 1) % cfg.numClasses()] = 1f;
            be.upload(h, 0, init.classes(), 0, h.length);
        }
        float[] x = PixelScaling.toUnit(images(INIT_BATCH, cfg.height(), cfg.width(), cfg.channels(), 10));
        be.upload(x, 0, init.input().value, 0, x.length);
        init.dataDependentInit(seed + 1);
        this.model = new PixelCnnPP(be, cfg, n, false);
        be.copy(init.params().values(), model.params().values());
    }

    int[] cycleLabels(int n) {
        if (cfg.numClasses() == 0) return null;
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = (i + 1) % cfg.numClasses();
        return y;
    }

    void setClasses(int[] labels) {
        if (cfg.numClasses() == 0) return;
        float[] h = new float[model.batch * cfg.numClasses()];
        for (int i = 0; i < model.batch; i++) h[i * cfg.numClasses() + labels[i]] = 1f;
        be.upload(h, 0, model.classes(), 0, h.length);
    }

    /** n real-looking images (Fixtures' test images from seed on) as uint8 NHWC. */
    static byte[] images(int n, int h, int w, int c, int seed) {
        byte[] px = new byte[n * h * w * c];
        for (int i = 0; i < n; i++) {
            BufferedImage img = c == 3 ? Fixtures.rgbImage(seed + i, h, w) : Fixtures.grayImage(seed + i, h, w);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int k = 0; k < c; k++) px[((i * h + y) * w + x) * c + k] = (byte) img.getRaster().getSample(x, y, k);
        }
        return px;
    }

    /** The eval network's output l [n, H, W, P] over images x (floats NHWC, n = the model's batch) with these labels. */
    float[] teacherForced(float[] x, int[] labels) {
        setClasses(labels);
        be.upload(x, 0, model.input().value, 0, x.length);
        model.forward(Pass.eval());
        return download(be, model.output().value);
    }

    static float[] download(Backend be, Buf b) {
        float[] a = new float[(int) b.size()];
        be.download(b, 0, a, 0, a.length);
        return a;
    }

    /** l at one position of image i from an NHWC output of [n, positions, P]. */
    static float[] at(float[] l, int i, int position, int positions, int p) {
        int o = (i * positions + position) * p;
        return Arrays.copyOfRange(l, o, o + p);
    }
}
