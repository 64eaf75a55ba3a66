package org.pixelcnn.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.data.format.NpyFormat;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sample --method cached|naive}, {@code --prefix FILE --rows K} and {@code --per_class N} through
 * the command line, on tiny 8x8 MNIST-format checkpoints (unconditional and class-conditional): the two methods
 * give the same images up to float32 rounding; a completion keeps the given rows bit for bit (from a .npy,
 * a PNG file or a folder of PNGs) and marks them in the grid; per_class lays out one grid row per class;
 * bad combinations are one line and exit 2.
 */
class SampleCompletionTest {
    @TempDir
    static Path tmp;
    static Path save, conditional;

    @BeforeAll
    static void train() {
        Path data = CliRun.writeMnist(tmp.resolve("mnist"), 12, 6, 8);
        save = tmp.resolve("save");
        CliRun.train(data, save);
        conditional = tmp.resolve("cond");
        CliRun.train(data, conditional, "--class_conditional");
    }

    private static byte[] npy(Path file, long... shape) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            NpyFormat f = NpyFormat.read(in);
            assertArrayEquals(shape, f.shape());
            return in.readAllBytes();
        }
    }

    private static CliRun sample(Path ckpt, String... more) {
        String[] base = {"sample", "--checkpoint", ckpt.toString(), "--backend", "cpu"};
        String[] args = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return CliRun.run(args);
    }

    /**
     * The same seed through both samplers: the same draws, so the same pixels but where float32 rounding
     * (1e-5 relative at most, see CachedSamplerTest) moves a sample across a level: at most 2 of 256
     * sub-pixels, by one level.
     */
    @Test
    void cachedAndNaiveGiveTheSameImages() throws IOException {
        Path a = tmp.resolve("cached.npy"), b = tmp.resolve("naive.npy");
        CliRun rc = sample(save, "--count", "4", "--out", tmp.resolve("c.png").toString(), "--uint8", a.toString());
        assertEquals(0, rc.code(), rc.err());
        assertTrue(rc.out().contains("cached sampler"), rc.out());
        CliRun rn = sample(save, "--count", "4", "--method", "naive", "--out", tmp.resolve("n.png").toString(), "--uint8", b.toString());
        assertEquals(0, rn.code(), rn.err());
        assertTrue(rn.out().contains("naive sampler"), rn.out());
        byte[] x = npy(a, 4, 8, 8, 1), y = npy(b, 4, 8, 8, 1);
        int differing = 0;
        for (int i = 0; i < x.length; i++) {
            int d = Math.abs((x[i] & 0xff) - (y[i] & 0xff));
            assertTrue(d <= 1, "sub-pixel " + i + ": " + (x[i] & 0xff) + " vs " + (y[i] & 0xff));
            differing += d;
        }
        assertTrue(differing <= 2, differing + " sub-pixels differ");
    }

    @Test
    void completionKeepsTheRowsFromNpyPngAndFolder() throws IOException {
        Path first = tmp.resolve("first.npy");
        assertEquals(0, sample(save, "--count", "3", "--seed", "9", "--out", tmp.resolve("f.png").toString(), "--uint8", first.toString()).code());
        byte[] given = npy(first, 3, 8, 8, 1);

        Path done = tmp.resolve("done.npy"), grid = tmp.resolve("done.png");
        CliRun r = sample(save, "--prefix", first.toString(), "--rows", "3", "--count", "3", "--seed", "3", "--scale", "1", "--out", grid.toString(),
                "--uint8", done.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("completed 3 images (top 3 rows of"), r.out());
        byte[] completed = npy(done, 3, 8, 8, 1);
        int changed = 0;
        for (int i = 0; i < 3; i++)
            for (int p = 0; p < 64; p++) {
                if (p < 24) assertEquals(given[i * 64 + p], completed[i * 64 + p], "kept pixel " + p + " of image " + i);
                else if (given[i * 64 + p] != completed[i * 64 + p]) changed++;
            }
        assertTrue(changed > 40, "the rest is sampled again with another seed: " + changed + " of 120 changed");
        // 3 images: img_tile's 2 x 2 grid of tiles 9 rows high (8 image rows + the line under row 3)
        BufferedImage img = ImageIO.read(grid.toFile());
        assertEquals(2 * 10 - 1, img.getHeight());
        assertEquals(2 * 9 - 1, img.getWidth());
        for (int x = 0; x < 8; x++) assertEquals(x % 4 < 2 ? 255 : 0, img.getRaster().getSample(x, 3, 0), "the dashed line under the kept rows");
        for (int x = 0; x < 8; x++) assertEquals(completed[3 * 8 + x] & 0xff, img.getRaster().getSample(x, 4, 0), "image row 3 below the line");

        // the same images as PNG files: a folder (in name order) and one file
        Path folder = Files.createDirectories(tmp.resolve("pngs"));
        for (int i = 0; i < 3; i++) {
            BufferedImage one = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
            for (int p = 0; p < 64; p++) one.getRaster().setSample(p % 8, p / 8, 0, given[i * 64 + p] & 0xff);
            ImageIO.write(one, "png", folder.resolve("img" + i + ".png").toFile());
        }
        Path fromFolder = tmp.resolve("folder.npy");
        assertEquals(0, sample(save, "--prefix", folder.toString(), "--rows", "3", "--count", "3", "--seed", "3", "--out", tmp.resolve("g.png").toString(),
                "--uint8", fromFolder.toString()).code());
        assertArrayEquals(completed, npy(fromFolder, 3, 8, 8, 1), "PNG folder and .npy give the same completion");
        Path fromFile = tmp.resolve("file.npy");
        assertEquals(0, sample(save, "--prefix", folder.resolve("img0.png").toString(), "--rows", "3", "--count", "1",
                "--out", tmp.resolve("h.png").toString(), "--uint8", fromFile.toString()).code());
        assertArrayEquals(Arrays.copyOf(given, 24), Arrays.copyOf(npy(fromFile, 1, 8, 8, 1), 24));
    }

    /** MNIST names its ten digits, so the conditional model has 10 classes: --per_class 2 draws 20 images, 10 grid rows of 2. */
    @Test
    void perClassDrawsOneGridRowPerClass() throws IOException {
        Path npy = tmp.resolve("per.npy"), grid = tmp.resolve("per.png");
        CliRun r = sample(conditional, "--per_class", "2", "--scale", "1", "--out", grid.toString(), "--uint8", npy.toString());
        assertEquals(0, r.code(), r.err());
        byte[] images = npy(npy, 20, 8, 8, 1);
        BufferedImage img = ImageIO.read(grid.toFile());
        assertEquals(10 * 9 - 1, img.getHeight(), "10 classes, one row each");
        assertEquals(2 * 9 - 1, img.getWidth(), "2 images per class");
        for (int k = 0; k < 20; k++)
            for (int p = 0; p < 64; p++)
                assertEquals(images[k * 64 + p] & 0xff, img.getRaster().getSample((k % 2) * 9 + p % 8, (k / 2) * 9 + p / 8, 0),
                        "image " + k + " in row " + k / 2);
        // class 1 of per_class is what --label 1 draws in the same batch slots (batches of 16, the same seeds)
        Path ones = tmp.resolve("ones.npy");
        assertEquals(0, sample(conditional, "--count", "20", "--label", "1", "--out", tmp.resolve("o.png").toString(), "--uint8", ones.toString()).code());
        byte[] labelled = npy(ones, 20, 8, 8, 1);
        assertArrayEquals(Arrays.copyOfRange(labelled, 2 * 64, 4 * 64), Arrays.copyOfRange(images, 2 * 64, 4 * 64));
        assertTrue(!Arrays.equals(Arrays.copyOfRange(labelled, 0, 64), Arrays.copyOfRange(images, 0, 64)), "class 0 and class 1 differ");
    }

    @Test
    void badCombinationsAreOneLine() throws IOException {
        Path out = tmp.resolve("x.png");
        CliRun r = sample(save, "--method", "fast", "--out", out.toString());
        r.assertOneLineError(Path.of("--method"), "cached or naive");
        sample(save, "--rows", "3", "--out", out.toString()).assertOneLineError(Path.of("--rows"), "needs --prefix");
        sample(save, "--prefix", tmp.resolve("none.npy").toString(), "--rows", "3", "--out", out.toString())
                .assertOneLineError(Path.of("--prefix " + tmp.resolve("none.npy")), "no such file");
        Path first = tmp.resolve("bad-first.npy");
        assertEquals(0, sample(save, "--count", "1", "--out", tmp.resolve("b.png").toString(), "--uint8", first.toString()).code());
        sample(save, "--prefix", first.toString(), "--rows", "8", "--out", out.toString()).assertOneLineError(Path.of("--rows 8"), "have 8 rows");
        sample(save, "--prefix", first.toString(), "--rows", "2", "--count", "2", "--out", out.toString())
                .assertOneLineError(Path.of("--prefix " + first), "1 images for --count 2");
        sample(save, "--per_class", "2", "--out", out.toString()).assertOneLineError(Path.of("--per_class"), "unconditional");
        sample(conditional, "--per_class", "2", "--count", "4", "--out", out.toString()).assertOneLineError(Path.of("--per_class"), "--count");
    }
}
