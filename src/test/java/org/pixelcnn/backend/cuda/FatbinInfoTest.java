package org.pixelcnn.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pixelcnn.io.BadInputException;

/** {@link FatbinInfo} on fat binaries written here, entry by entry, in the layout nvcc uses. */
class FatbinInfoTest {

    /** One entry: header of {@code headerSize} bytes (kind, flags, size, payload size, arch at 28), then the payload. */
    private static byte[] entry(int kind, int arch, int headerSize, int payload) {
        ByteBuffer b = ByteBuffer.allocate(headerSize + payload).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0, (short) kind).putShort(2, (short) 0x101).putInt(4, headerSize).putLong(8, payload).putInt(28, arch);
        for (int i = 0; i < payload; i++) b.put(headerSize + i, (byte) (i * 7 + 1));
        return b.array();
    }

    private static byte[] fatbin(byte[]... entries) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] e : entries) body.writeBytes(e);
        ByteBuffer h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0, FatbinInfo.MAGIC).putShort(4, (short) 1).putShort(6, (short) 16).putLong(8, body.size());
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(h.array());
        all.writeBytes(body.toByteArray());
        return all.toByteArray();
    }

    @Test
    void listsSassAndPtxTargetsInFileOrder() {
        byte[] data = fatbin(entry(FatbinInfo.KIND_ELF, 80, 64, 136), entry(FatbinInfo.KIND_PTX, 90, 80, 43),
                entry(FatbinInfo.KIND_ELF, 90, 64, 8));
        FatbinInfo f = FatbinInfo.parse(data, "test.fatbin");
        assertEquals(List.of("sm_80", "compute_90", "sm_90"), f.targets());
        assertEquals(data.length, f.bytes());
    }

    @Test
    void runsOnFollowsSassAndPtxCompatibility() {
        FatbinInfo f = FatbinInfo.parse(fatbin(entry(FatbinInfo.KIND_ELF, 80, 64, 16), entry(FatbinInfo.KIND_PTX, 90, 80, 16),
                entry(FatbinInfo.KIND_ELF, 90, 64, 16)), "test.fatbin");
        assertTrue(f.runsOn(8, 0));
        assertTrue(f.runsOn(8, 6));   // sm_80 cubin runs on 8.6
        assertTrue(f.runsOn(9, 0));
        assertTrue(f.runsOn(10, 0));  // PTX compute_90 is JIT-compiled for newer GPUs
        assertFalse(f.runsOn(7, 5));
        FatbinInfo sassOnly = FatbinInfo.parse(fatbin(entry(FatbinInfo.KIND_ELF, 80, 64, 16)), "sass.fatbin");
        assertFalse(sassOnly.runsOn(9, 0)); // a cubin never crosses a major version
        assertTrue(sassOnly.runsOn(8, 9));
    }

    @Test
    void rejectsWrongMagicAndTruncatedFilesNamingTheFile() {
        byte[] good = fatbin(entry(FatbinInfo.KIND_ELF, 80, 64, 32));
        byte[] wrongMagic = good.clone();
        wrongMagic[0] ^= 1;
        BadInputException e = assertThrows(BadInputException.class, () -> FatbinInfo.parse(wrongMagic, "x.fatbin"));
        assertTrue(e.getMessage().startsWith("x.fatbin: "), e.getMessage());
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 5);
        assertThrows(BadInputException.class, () -> FatbinInfo.parse(truncated, "y.fatbin"));
        byte[] entryTooLong = good.clone();
        ByteBuffer.wrap(entryTooLong).order(ByteOrder.LITTLE_ENDIAN).putLong(16 + 8, 33);
        e = assertThrows(BadInputException.class, () -> FatbinInfo.parse(entryTooLong, "z.fatbin"));
        assertTrue(e.getMessage().contains("runs past the end"), e.getMessage());
    }
}
