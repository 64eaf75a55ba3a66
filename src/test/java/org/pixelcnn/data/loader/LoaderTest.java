package org.pixelcnn.data.loader;

import org.pixelcnn.data.ImageSet;
import org.pixelcnn.data.PixelScaling;
import org.junit.jupiter.api.Test;
import org.pixelcnn.io.BadInputException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoaderTest {
    /** n labelled 4x4x3 images; every byte of image i is (i * 5 + offset) mod 256, label i (so each image is identifiable). */
    private static ImageSet identifiable(int n) {
        byte[] px = new byte[n * 48];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i;
            for (int b = 0; b < 48; b++) px[i * 48 + b] = (byte) (i * 5 + b);
        }
        return ImageSet.wrap("fixture", px, n, 4, 4, 3, labels);
    }

    /** The image index a batch slot holds, read back from its labels, checking the pixels agree with it. */
    private static int[] imagesOf(Batch b) {
        for (int j = 0; j < b.size(); j++) {
            int i = b.labels()[j];
            for (int k = 0; k < 48; k++) {
                assertEquals((float) ((((i * 5 + k) & 0xff) - 127.5) / 127.5), b.x()[j * 48 + k], 0f, "batch slot " + j + " value " + k);
            }
        }
        return b.labels().clone();
    }

    private static List<int[]> take(TrainBatches s, int n) {
        List<int[]> out = new ArrayList<>();
        for (int k = 0; k < n; k++) out.add(imagesOf(s.next()));
        return out;
    }

    @Test
    void pixelScalingMatchesTheReference() {
        assertEquals(-1f, PixelScaling.toUnit((byte) 0));
        assertEquals(1f, PixelScaling.toUnit((byte) 255));
        for (int p = 0; p < 256; p++) {
            float x = PixelScaling.toUnit((byte) p);
            assertEquals((float) ((p - 127.5) / 127.5), x);
            assertTrue(x >= -1f && x <= 1f);
            assertEquals(p, PixelScaling.toPixel(x) & 0xff);
        }
        assertEquals(-0.003921569f, PixelScaling.toUnit((byte) 127), 1e-9f);
    }

    @Test
    void sameSeedSameOrderAndEachEpochIsAPermutationWithoutTheRemainder() {
        ImageSet set = identifiable(23);
        try (TrainBatches a = new TrainBatches(set, 5, 7); TrainBatches b = new TrainBatches(set, 5, 7);
             TrainBatches c = new TrainBatches(set, 5, 8)) {
            assertEquals(4, a.batchesPerEpoch());
            List<int[]> first = take(a, 12);
            List<int[]> second = take(b, 12);
            List<int[]> other = take(c, 12);
            for (int k = 0; k < 12; k++) assertArrayEquals(first.get(k), second.get(k), "batch " + k);
            boolean differs = false;
            for (int k = 0; k < 12; k++) differs |= !Arrays.equals(first.get(k), other.get(k));
            assertTrue(differs, "another seed gives another order");
            for (int e = 0; e < 3; e++) {
                Set<Integer> seen = new HashSet<>();
                for (int k = 0; k < 4; k++) for (int i : first.get(e * 4 + k)) assertTrue(seen.add(i), "image " + i + " twice in epoch " + e);
                assertEquals(20, seen.size(), "3 of 23 images skipped per epoch");
            }
            assertFalse(Arrays.equals(first.get(0), first.get(4)), "epochs are reshuffled");
        }
    }

    @Test
    void batchesCarryTheirPositionAndResumeExactly() {
        ImageSet set = identifiable(20);
        List<Batch> all = new ArrayList<>();
        try (TrainBatches s = new TrainBatches(set, 4, 3)) {
            for (int k = 0; k < 13; k++) all.add(s.next());
        }
        for (int k = 0; k < 13; k++) {
            Batch b = all.get(k);
            assertEquals(k / 5, b.epoch());
            assertEquals(k % 5, b.index());
            assertEquals(k % 5 == 4, b.lastOfEpoch());
            assertEquals(4, b.size());
            assertEquals(4 * 48, b.x().length);
        }
        assertEquals(new LoaderState(2, 0), all.get(9).next());
        assertEquals(new LoaderState(1, 3), all.get(7).next());
        for (int stop : new int[] {0, 4, 7}) {
            try (TrainBatches resumed = new TrainBatches(set, 4, 3, all.get(stop).next(), 1)) {
                for (int k = stop + 1; k < 13; k++) assertArrayEquals(all.get(k).labels(), resumed.next().labels(), "resumed after " + stop + ", batch " + k);
            }
        }
    }

    @Test
    void testPassKeepsThePartialLastBatchInFileOrder() {
        ImageSet set = identifiable(11);
        List<Integer> seen = new ArrayList<>();
        int batches = 0;
        try (TestBatches pass = new TestBatches(set, 4)) {
            assertEquals(3, pass.batchCount());
            while (pass.hasNext()) {
                Batch b = pass.next();
                assertEquals(batches == 2 ? 3 : 4, b.size());
                assertEquals(b.size() * 48, b.x().length);
                assertEquals(batches == 2, b.lastOfEpoch());
                for (int i : imagesOf(b)) seen.add(i);
                batches++;
            }
        }
        assertEquals(3, batches);
        for (int i = 0; i < 11; i++) assertEquals(i, seen.get(i));
    }

    @Test
    void initBatchIsShuffledAndSeeded() {
        ImageSet set = identifiable(50);
        Batch a = TrainBatches.initBatch(set, 16, 1);
        assertEquals(16, a.size());
        assertArrayEquals(imagesOf(a), TrainBatches.initBatch(set, 16, 1).labels());
        assertNotEquals(Arrays.toString(a.labels()), Arrays.toString(TrainBatches.initBatch(set, 16, 2).labels()));
        assertEquals(16, Arrays.stream(a.labels()).distinct().count());
        assertThrows(BadInputException.class, () -> TrainBatches.initBatch(set, 51, 1));
    }

    @Test
    void tooFewImagesForOneBatch() {
        BadInputException e = assertThrows(BadInputException.class, () -> new TrainBatches(identifiable(3), 4, 1));
        assertEquals("fixture: the training split has 3 images, fewer than one batch of 4", e.getMessage());
    }

    @Test
    void unlabelledSetsGiveNullLabels() {
        ImageSet set = ImageSet.wrap("u", new byte[6 * 48], 6, 4, 4, 3, null);
        try (TrainBatches s = new TrainBatches(set, 3, 1)) {
            Batch b = s.next();
            assertNull(b.labels());
            for (float v : b.x()) assertEquals(-1f, v);
        }
    }
}
