package org.pixelcnn.train;

import org.pixelcnn.data.sets.Dataset;
import org.pixelcnn.data.ImageSet;

import java.util.SplittableRandom;

/** Small synthetic data sets with some structure (smooth gradients plus noise), labelled, for trainer tests. */
final class TinyData {
    private TinyData() {}

    static Dataset make(int train, int test, int h, int w, int c, int classes, long seed) {
        return new Dataset("tiny", "memory", split("tiny-train", train, h, w, c, classes, seed),
                split("tiny-test", test, h, w, c, classes, seed + 1));
    }

    private static ImageSet split(String name, int n, int h, int w, int c, int classes, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        byte[] px = new byte[n * h * w * c];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rng.nextInt(classes);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int k = 0; k < c; k++) {
                        int v = 40 + labels[i] * 30 + y * 10 + x * 5 + rng.nextInt(20);
                        px[((i * h + y) * w + x) * c + k] = (byte) Math.min(255, v);
                    }
        }
        return ImageSet.wrap(name, px, n, h, w, c, labels);
    }
}
