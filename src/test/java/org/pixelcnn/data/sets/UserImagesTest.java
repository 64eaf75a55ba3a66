package org.pixelcnn.data.sets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.data.format.NpyFormat;
import org.pixelcnn.io.BadInputException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code score --images} with .npy arrays: the accepted shapes, their names, and the refusals. */
class UserImagesTest {
    @TempDir
    Path tmp;

    private Path npy(String name, String descr, long[] shape, int bytes) throws IOException {
        Path p = tmp.resolve(name);
        try (OutputStream out = Files.newOutputStream(p)) {
            out.write(NpyFormat.header(descr, shape));
            for (int i = 0; i < bytes; i++) out.write(i * 7);
        }
        return p;
    }

    @Test
    void acceptedShapes() throws IOException {
        UserImages nhwc = UserImages.load(npy("a.npy", "|u1", new long[] {2, 4, 8, 3}, 2 * 4 * 8 * 3));
        assertEquals(List.of("a.npy[0]", "a.npy[1]"), nhwc.names());
        assertEquals(3, nhwc.images().channels());
        assertEquals(8, nhwc.images().width());
        assertEquals((107 * 7) & 0xff, nhwc.images().pixel(1, 0, 3, 2), "image 1, row 0, column 3, channel 2 = byte ((1 * 4 + 0) * 8 + 3) * 3 + 2");
        UserImages hwc = UserImages.load(npy("b.npy", "|u1", new long[] {4, 8, 1}, 32));
        assertEquals(1, hwc.images().count());
        assertEquals(1, hwc.images().channels());
        UserImages nhw = UserImages.load(npy("c.npy", "|u1", new long[] {5, 4, 8}, 160));
        assertEquals(5, nhw.images().count());
        assertEquals(1, nhw.images().channels());
        assertEquals(4, nhw.images().height());
    }

    @Test
    void refusals() throws IOException {
        Path f = npy("f.npy", "<f4", new long[] {1, 4, 4, 3}, 192);
        assertTrue(assertThrows(BadInputException.class, () -> UserImages.load(f)).getMessage().startsWith(f + ": holds <f4 values"));
        Path c = npy("c4.npy", "|u1", new long[] {1, 4, 4, 4}, 64);
        assertTrue(assertThrows(BadInputException.class, () -> UserImages.load(c)).getMessage().startsWith(c + ": has 4 channels"));
        Path cut = npy("cut.npy", "|u1", new long[] {3, 4, 4, 1}, 40);
        assertTrue(assertThrows(BadInputException.class, () -> UserImages.load(cut)).getMessage().startsWith(cut + ": truncated"));
        Path txt = Files.writeString(tmp.resolve("x.txt"), "hi");
        assertTrue(assertThrows(BadInputException.class, () -> UserImages.load(txt)).getMessage().startsWith(txt + ": not a .png"));
        Path none = tmp.resolve("none.png");
        assertTrue(assertThrows(BadInputException.class, () -> UserImages.load(none)).getMessage().startsWith(none + ": no such file or folder"));
        assertTrue(assertThrows(BadInputException.class, () -> UserImages.load(none, "--images")).getMessage().startsWith("--images " + none + ": no such file or folder"));
    }
}
