package org.pixelcnn.data.sets;

import org.pixelcnn.data.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.io.BadInputException;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FolderDatasetTest {
    @TempDir
    Path tmp;

    private static int rgbAt(int seed, int h, int w, int y, int x, int c) {
        return Fixtures.rgbImage(seed, h, w).getRGB(x, y) >> (16 - 8 * c) & 0xff;
    }

    @Test
    void flatFolderHoldsOutEveryTenthImage() {
        for (int i = 0; i < 23; i++) Fixtures.writeImage(tmp.resolve(String.format("img%02d.png", i)), Fixtures.rgbImage(i, 8, 12), "png");
        Fixtures.write(tmp.resolve("README.txt"), "not an image".getBytes());
        Dataset ds = FolderDataset.load(tmp);
        assertEquals(21, ds.train().count());
        assertEquals(2, ds.test().count());
        assertEquals(8, ds.height());
        assertEquals(12, ds.width());
        assertEquals(3, ds.channels());
        assertEquals(0, ds.numLabels());
        // test = images 9 and 19; train image 9 is file 10
        assertEquals(rgbAt(9, 8, 12, 3, 5, 1), ds.test().pixel(0, 3, 5, 1));
        assertEquals(rgbAt(19, 8, 12, 7, 11, 2), ds.test().pixel(1, 7, 11, 2));
        assertEquals(rgbAt(10, 8, 12, 0, 0, 0), ds.train().pixel(9, 0, 0, 0));
        assertEquals(rgbAt(22, 8, 12, 4, 4, 0), ds.train().pixel(20, 4, 4, 0));
    }

    @Test
    void classSubFoldersGiveLabelsAndGrayscaleGivesOneChannel() {
        String[] classes = {"zebra", "ant", "cat"};
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 2; i++) Fixtures.writeImage(tmp.resolve("train/" + classes[c] + "/" + i + ".png"), Fixtures.grayImage(c * 10 + i, 4, 4), "png");
        }
        Fixtures.writeImage(tmp.resolve("valid/cat/x.png"), Fixtures.grayImage(99, 4, 4), "png");
        Dataset ds = FolderDataset.load(tmp);
        assertEquals(1, ds.channels());
        assertEquals(3, ds.numLabels());
        // sorted classes: ant = 0, cat = 1, zebra = 2; files class by class
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2}, ds.train().labels());
        assertArrayEquals(new int[] {1}, ds.test().labels());
        assertEquals(java.util.List.of("ant", "cat", "zebra"), ds.classNames(), "the sub-folders name the classes");
        assertEquals(Fixtures.value(10, 2, 3, 0) & 0xff, ds.train().pixel(0, 2, 3, 0));
        assertEquals(Fixtures.value(99, 3, 1, 0) & 0xff, ds.test().pixel(0, 3, 1, 0));
    }

    @Test
    void sixteenBitGrayIsRescaledAndJpegIsRead() {
        BufferedImage g16 = new BufferedImage(4, 4, BufferedImage.TYPE_USHORT_GRAY);
        g16.getRaster().setSample(1, 2, 0, 65535);
        g16.getRaster().setSample(2, 2, 0, 257 * 100);
        Fixtures.writeImage(tmp.resolve("g/a.png"), g16, "png");
        Fixtures.writeImage(tmp.resolve("g/b.png"), Fixtures.grayImage(1, 4, 4), "png");
        Dataset ds = FolderDataset.load(tmp.resolve("g"));
        assertEquals(1, ds.channels());
        assertEquals(255, ds.train().pixel(0, 2, 1, 0));
        assertEquals(100, ds.train().pixel(0, 2, 2, 0));
        assertEquals(0, ds.train().pixel(0, 0, 0, 0));

        BufferedImage flat = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) flat.setRGB(x, y, 0x80C040);
        Fixtures.writeImage(tmp.resolve("j/a.jpg"), flat, "jpeg");
        Fixtures.writeImage(tmp.resolve("j/b.JPEG"), flat, "jpeg");
        Dataset jpg = FolderDataset.load(tmp.resolve("j"));
        assertEquals(3, jpg.channels());
        assertEquals(16, jpg.height());
        assertEquals(0x80, jpg.train().pixel(0, 8, 8, 0), 3.0);
        assertEquals(0xC0, jpg.train().pixel(0, 8, 8, 1), 3.0);
        assertEquals(0x40, jpg.train().pixel(0, 8, 8, 2), 3.0);
    }

    @Test
    void mixedSizesNameTheFile() {
        Fixtures.writeImage(tmp.resolve("a.png"), Fixtures.rgbImage(1, 8, 8), "png");
        Fixtures.writeImage(tmp.resolve("b.png"), Fixtures.rgbImage(2, 8, 8), "png");
        Fixtures.writeImage(tmp.resolve("c.png"), Fixtures.rgbImage(3, 8, 6), "png");
        BadInputException e = assertThrows(BadInputException.class, () -> FolderDataset.load(tmp));
        assertEquals(tmp.resolve("c.png") + ": image is 8x6 (HxW) but a.png is 8x8; all images must have one size", e.getMessage());
    }

    @Test
    void emptyFolderAndCorruptImage() throws IOException {
        Files.createDirectories(tmp.resolve("empty/sub"));
        BadInputException e = assertThrows(BadInputException.class, () -> FolderDataset.load(tmp.resolve("empty")));
        assertTrue(e.getMessage().startsWith(tmp.resolve("empty") + ": no PNG or JPEG images"), e.getMessage());

        Fixtures.writeImage(tmp.resolve("bad/a.png"), Fixtures.rgbImage(1, 8, 8), "png");
        Fixtures.write(tmp.resolve("bad/b.png"), "\u0089PNG garbage".getBytes());
        e = assertThrows(BadInputException.class, () -> FolderDataset.load(tmp.resolve("bad")));
        assertTrue(e.getMessage().startsWith(tmp.resolve("bad/b.png") + ": not a readable PNG or JPEG image"), e.getMessage());

        Fixtures.writeImage(tmp.resolve("mixed/a.png"), Fixtures.rgbImage(1, 8, 8), "png");
        Fixtures.writeImage(tmp.resolve("mixed/cls/b.png"), Fixtures.rgbImage(1, 8, 8), "png");
        e = assertThrows(BadInputException.class, () -> FolderDataset.load(tmp.resolve("mixed")));
        assertTrue(e.getMessage().startsWith(tmp.resolve("mixed") + ": holds images both directly and in class sub-folders"), e.getMessage());
    }

    @Test
    void sizesNotDivisibleBy4AreRefusedForTraining() {
        Fixtures.writeImage(tmp.resolve("a.png"), Fixtures.rgbImage(1, 30, 32), "png");
        Fixtures.writeImage(tmp.resolve("b.png"), Fixtures.rgbImage(2, 30, 32), "png");
        Dataset ds = FolderDataset.load(tmp);
        assertNull(ds.train().labels());
        BadInputException e = assertThrows(BadInputException.class, ds::requireSizeDivisibleBy4);
        assertTrue(e.getMessage().startsWith("folder (" + tmp + "): images are 30x32 but PixelCNN++ needs height and width divisible by 4"), e.getMessage());
        assertTrue(e.getMessage().contains("e.g. to 32x32"), e.getMessage());
    }

    @Test
    void whatLoadingChangesIsSaidNeverDoneSilently() {
        // a flat folder (every 10th image held out) with one RGBA and one 16-bit gray image among colour ones
        for (int i = 0; i < 11; i++) Fixtures.writeImage(tmp.resolve(String.format("img%02d.png", i)), Fixtures.rgbImage(i, 4, 4), "png");
        BufferedImage alpha = new BufferedImage(4, 4, BufferedImage.TYPE_INT_ARGB);
        alpha.setRGB(1, 1, 0x80FF0000);
        Fixtures.writeImage(tmp.resolve("img11.png"), alpha, "png");
        Fixtures.writeImage(tmp.resolve("img12.png"), new BufferedImage(4, 4, BufferedImage.TYPE_USHORT_GRAY), "png");
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        Dataset ds = FolderDataset.load(tmp, new java.io.PrintStream(log, true));
        assertEquals(13, ds.train().count() + ds.test().count());
        String notes = log.toString();
        assertTrue(notes.contains("has no train/ folder: every 10th image in name order (1 of 13) is held out as the test split"), notes);
        assertTrue(notes.contains("1 of 13 images have an alpha channel, which is dropped") && notes.contains("img11.png"), notes);
        assertTrue(notes.contains("1 of 13 images have more than 8 bits per sample, rescaled to 0..255") && notes.contains("img12.png"), notes);
        assertTrue(notes.contains("1 grayscale images among colour ones are read as RGB"), notes);
        assertEquals(0xFF, ds.train().pixel(10, 1, 1, 0), "the colour under the alpha is kept (img11 is training image 10: img09 is held out)");
    }
}
