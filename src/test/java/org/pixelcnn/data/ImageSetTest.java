package org.pixelcnn.data;

import org.pixelcnn.data.sets.DatasetKind;
import org.junit.jupiter.api.Test;
import org.pixelcnn.io.BadInputException;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageSetTest {
    @Test
    void chunksHoldWholeImagesAndAccessCrossesThem() {
        // 10 images of 2x3x3 = 18 bytes, chunks of at most 40 bytes: 2 images per chunk, 5 chunks
        ImageSet set = ImageSet.allocate("t", 10, 2, 3, 3, null, 40);
        assertEquals(2, set.imagesPerChunk());
        assertEquals(5, set.chunkCount());
        byte[] flat = new byte[180];
        for (int i = 0; i < 180; i++) flat[i] = (byte) (i * 7 + 1);
        for (int i = 0; i < 10; i++) set.setImage(i, flat, i * 18);
        assertArrayEquals(flat, set.copyImages(0, 10));
        assertEquals(flat[5 * 18 + (1 * 3 + 2) * 3 + 1] & 0xff, set.pixel(5, 1, 2, 1));
        ChannelStats s = ChannelStats.of(set);
        ChannelStats one = ChannelStats.of(ImageSet.wrap("w", flat, 10, 2, 3, 3, null));
        assertArrayEquals(one.mean(), s.mean(), 1e-12);
        assertArrayEquals(one.std(), s.std(), 1e-12);
    }

    @Test
    void channelStatsMatchATwoPassFloat64Reference() {
        int n = 7;
        byte[] px = new byte[n * 5 * 6 * 3];
        for (int i = 0; i < px.length; i++) px[i] = Fixtures.value(4, i, 0, 0);
        ChannelStats s = ChannelStats.of(ImageSet.wrap("w", px, n, 5, 6, 3, null));
        for (int c = 0; c < 3; c++) {
            double sum = 0;
            int count = 0;
            for (int i = c; i < px.length; i += 3) {
                sum += px[i] & 0xff;
                count++;
            }
            double mean = sum / count;
            double sq = 0;
            for (int i = c; i < px.length; i += 3) sq += ((px[i] & 0xff) - mean) * ((px[i] & 0xff) - mean);
            assertEquals(mean, s.mean()[c], 1e-9);
            assertEquals(Math.sqrt(sq / count), s.std()[c], 1e-9);
        }
    }

    @Test
    void concatSelectAndFirstChannel() {
        ImageSet a = ImageSet.wrap("a", new byte[] {1, 1, 1, 2, 2, 2}, 2, 1, 1, 3, new int[] {5, 6});
        ImageSet b = ImageSet.wrap("b", new byte[] {3, 3, 3}, 1, 1, 1, 3, new int[] {7});
        ImageSet ab = ImageSet.concat("ab", List.of(a, b));
        assertArrayEquals(new byte[] {1, 1, 1, 2, 2, 2, 3, 3, 3}, ab.copyImages(0, 3));
        assertArrayEquals(new int[] {5, 6, 7}, ab.labels());
        ImageSet picked = ab.select("p", new int[] {2, 0});
        assertArrayEquals(new byte[] {3, 3, 3, 1, 1, 1}, picked.copyImages(0, 2));
        assertArrayEquals(new int[] {7, 5}, picked.labels());
        ImageSet gray = ab.firstChannelOnly();
        assertEquals(1, gray.channels());
        assertArrayEquals(new byte[] {1, 2, 3}, gray.copyImages(0, 3));
        ImageSet c = ImageSet.wrap("c", new byte[4], 1, 2, 2, 1, null);
        BadInputException e = assertThrows(BadInputException.class, () -> ImageSet.concat("x", List.of(a, c)));
        assertTrue(e.getMessage().startsWith("c: images are 2x2x1 but a has 1x1x3"), e.getMessage());
    }

    @Test
    void refusesSetsLargerThanTheHeap() {
        long max = Runtime.getRuntime().maxMemory();
        int side = 4096;
        int count = (int) Math.min(Integer.MAX_VALUE, max / ((long) side * side * 3) + 1);
        BadInputException e = assertThrows(BadInputException.class, () -> ImageSet.allocate("huge", count, side, side, 3, null));
        assertTrue(e.getMessage().startsWith("huge: its pixels need"), e.getMessage());
        assertTrue(e.getMessage().contains("-Xmx"), e.getMessage());
    }

    @Test
    void datasetKindNames() {
        assertEquals(DatasetKind.FASHION_MNIST, DatasetKind.parse("fashion-mnist"));
        assertEquals(DatasetKind.FASHION_MNIST, DatasetKind.parse("Fashion_MNIST"));
        assertEquals(DatasetKind.CIFAR, DatasetKind.parse("cifar"));
        assertEquals(DatasetKind.IMAGENET64, DatasetKind.parse("imagenet64"));
        BadInputException e = assertThrows(BadInputException.class, () -> DatasetKind.parse("svhn"));
        assertTrue(e.getMessage().startsWith("--data_set 'svhn': unknown data set"), e.getMessage());
    }
}
