package org.pixelcnn.io;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsTest {
    @TempDir
    Path dir;

    static Map<String, SafetensorsTensor> sample() {
        Map<String, SafetensorsTensor> t = new LinkedHashMap<>();
        float[] f = {1.5f, -0.0f, Float.NaN, Float.POSITIVE_INFINITY, Float.MIN_VALUE, -3.25e-7f};
        t.put("model/conv2d_0/V", SafetensorsTensor.f32(new long[]{1, 2, 3}, f));
        t.put("bytes", SafetensorsTensor.u8(new long[]{5}, new byte[]{0, 1, 127, (byte) 128, (byte) 255}));
        t.put("longs", SafetensorsTensor.i64(new long[]{3}, new long[]{Long.MIN_VALUE, -1, Long.MAX_VALUE}));
        t.put("double", SafetensorsTensor.f64(new long[0], new double[]{Math.PI}));
        t.put("empty", SafetensorsTensor.f32(new long[]{2, 0, 3}, new float[0]));
        return t;
    }

    static Map<String, String> meta() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("config", "{\"nr_resnet\": 5, \"quote\": \"a\\\"b\"}");
        m.put("unicode", "bits/dim \u2248 2.92 <ok> & 'yes'");
        return m;
    }

    @Test
    void roundTripOfEveryDtypeAndMetadata() throws IOException {
        Path p = dir.resolve("a.safetensors");
        Safetensors.write(p, sample(), meta());
        Map<String, SafetensorsTensor> back = Safetensors.readAll(p);
        assertEquals(List.copyOf(sample().keySet()), List.copyOf(back.keySet()));
        for (Map.Entry<String, SafetensorsTensor> e : sample().entrySet()) {
            SafetensorsTensor a = e.getValue(), b = back.get(e.getKey());
            assertEquals(a.dtype(), b.dtype(), e.getKey());
            assertArrayEquals(a.shape(), b.shape(), e.getKey());
            switch (a.dtype()) {
                case F32 -> {
                    float[] x = a.floats(), y = b.floats();
                    assertEquals(x.length, y.length);
                    for (int i = 0; i < x.length; i++) assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(y[i]));
                }
                case F64 -> assertArrayEquals(a.doubles(), b.doubles());
                case I64 -> assertArrayEquals(a.longs(), b.longs());
                case U8 -> assertArrayEquals(a.bytes(), b.bytes());
                default -> throw new AssertionError(a.dtype());
            }
        }
        assertEquals(meta(), Safetensors.readMetadata(p));
    }

    /** The bytes on disk, checked against the published format by hand. */
    @Test
    void layoutFollowsThePublishedFormat() throws IOException {
        Path p = dir.resolve("b.safetensors");
        Safetensors.write(p, sample(), meta());
        byte[] all = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + n) % 8, "data start is 8-byte aligned");
        String header = new String(all, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{"));
        String trimmed = header.stripTrailing();
        assertTrue(trimmed.endsWith("}"));
        assertTrue(header.substring(trimmed.length()).chars().allMatch(c -> c == ' '), "padding is spaces");
        assertTrue(header.length() - trimmed.length() < 8);
        JsonObject h = JsonParser.parseString(header).getAsJsonObject();
        assertEquals(meta().get("config"), h.getAsJsonObject("__metadata__").get("config").getAsString());
        JsonObject v = h.getAsJsonObject("model/conv2d_0/V");
        assertEquals("F32", v.get("dtype").getAsString());
        assertEquals("[1,2,3]", v.get("shape").toString());
        assertEquals("[0,24]", v.get("data_offsets").toString());
        assertEquals("[24,29]", h.getAsJsonObject("bytes").get("data_offsets").toString());
        assertEquals("[29,53]", h.getAsJsonObject("longs").get("data_offsets").toString());
        assertEquals("[]", h.getAsJsonObject("double").get("shape").toString());
        assertEquals("[53,61]", h.getAsJsonObject("double").get("data_offsets").toString());
        assertEquals("[61,61]", h.getAsJsonObject("empty").get("data_offsets").toString());
        assertEquals(8 + n + 61, all.length);
        int data = (int) (8 + n);
        // F32 little-endian: 1.5f = 0x3FC00000 -> 00 00 C0 3F
        assertArrayEquals(new byte[]{0, 0, (byte) 0xC0, 0x3F}, java.util.Arrays.copyOfRange(all, data, data + 4));
        assertEquals((byte) 255, all[data + 28]);
        // I64 Long.MIN_VALUE little-endian: 00 .. 00 80
        assertEquals((byte) 0x80, all[data + 29 + 7]);
        assertEquals(0, all[data + 29]);
        assertEquals(Math.PI, ByteBuffer.wrap(all, data + 53, 8).order(ByteOrder.LITTLE_ENDIAN).getDouble());
    }

    /** A flat block's slice is written without copying and read back into another block at an offset. */
    @Test
    void buffersInAndOut() throws IOException {
        FloatBuffer block = ByteBuffer.allocateDirect(4 * 3000).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < 3000; i++) block.put(i, i * 0.5f);
        Map<String, SafetensorsTensor> t = new LinkedHashMap<>();
        t.put("a", SafetensorsTensor.f32(new long[]{10, 100}, block.slice(1000, 1000)));
        Path p = dir.resolve("c.safetensors");
        Safetensors.write(p, t, Map.of());
        FloatBuffer dst = FloatBuffer.allocate(1500);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertTrue(f.metadata().isEmpty());
            f.readFloats("a", dst, 500);
            assertThrows(IndexOutOfBoundsException.class, () -> f.readFloats("a", FloatBuffer.allocate(999), 0));
            BadInputException e = assertThrows(BadInputException.class, () -> f.readLongs("a"));
            assertTrue(e.getMessage().contains("'a' is F32"), e.getMessage());
            assertTrue(assertThrows(BadInputException.class, () -> f.readFloats("b")).getMessage().contains("no tensor named 'b'"));
        }
        for (int i = 0; i < 1000; i++) assertEquals((1000 + i) * 0.5f, dst.get(500 + i));
        assertEquals(0f, dst.get(499));
    }

    /** Tensors larger than the writer's 1 MiB chunk cross chunk boundaries intact. */
    @Test
    void largeTensorsCrossChunks() throws IOException {
        float[] big = new float[700_001];
        long[] longs = new long[200_003];
        for (int i = 0; i < big.length; i++) big[i] = (float) Math.sin(i);
        for (int i = 0; i < longs.length; i++) longs[i] = (long) i * 1_000_000_007L;
        Map<String, SafetensorsTensor> t = new LinkedHashMap<>();
        t.put("u", SafetensorsTensor.u8(new long[]{3}, new byte[]{1, 2, 3})); // misaligns what follows
        t.put("big", SafetensorsTensor.f32(new long[]{big.length}, big));
        t.put("longs", SafetensorsTensor.i64(new long[]{longs.length}, longs));
        Path p = dir.resolve("d.safetensors");
        Safetensors.write(p, t, Map.of());
        Map<String, SafetensorsTensor> back = Safetensors.readAll(p);
        assertArrayEquals(big, back.get("big").floats());
        assertArrayEquals(longs, back.get("longs").longs());
    }

    @Test
    void mismatchedShapeIsRefusedWhenBuilding() {
        assertThrows(IllegalArgumentException.class, () -> SafetensorsTensor.f32(new long[]{2, 2}, new float[3]));
        assertThrows(IllegalArgumentException.class, () -> SafetensorsTensor.u8(new long[]{-1}, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.header(Map.of("__metadata__", SafetensorsTensor.u8(new long[]{0}, new byte[0])), Map.of()));
    }

    // ---- corrupt inputs: each is one line naming the file and the problem ----

    private Path raw(String name, String header, int dataBytes, boolean pad) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int len = pad ? (h.length + 7) & ~7 : h.length;
        ByteBuffer b = ByteBuffer.allocate(8 + len + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(len).put(h);
        while (b.position() < 8 + len) b.put((byte) ' ');
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    private static void refused(Path p, String problem) {
        BadInputException e = assertThrows(BadInputException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().startsWith(p.toString() + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), "expected '" + problem + "' in: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void truncatedFile() throws IOException {
        Path p = dir.resolve("t.safetensors");
        Safetensors.write(p, sample(), meta());
        byte[] all = Files.readAllBytes(p);
        Files.write(p, java.util.Arrays.copyOf(all, all.length - 4));
        refused(p, "truncated");
        Files.write(p, java.util.Arrays.copyOf(all, 5));
        refused(p, "too short");
        Files.write(p, java.util.Arrays.copyOf(all, 40));
        refused(p, "exceeds the file size");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        Path p = dir.resolve("h.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).put((byte) '{');
        Files.write(p, b.array());
        refused(p, "header length 1099511627776 exceeds the file size 16");
        b.putLong(0, -1L);
        Files.write(p, b.array());
        refused(p, "header length 18446744073709551615 exceeds");
    }

    @Test
    void aFileThatIsNotSafetensorsIsCalledThat() throws IOException {
        Path p = dir.resolve("README.md");
        Files.writeString(p, "# a README, not a checkpoint\n\nSome text long enough to have a ninth byte.\n");
        refused(p, "not safetensors: no JSON header after the first 8 bytes");
    }

    @Test
    void badJson() throws IOException {
        refused(raw("j1", "{\"a\": {\"dtype\": \"F32\", ", 0, true), "not valid JSON");
        refused(raw("j2", "[1, 2]", 0, true), "not a JSON object");
        refused(raw("j3", "{} {}", 0, true), "not valid JSON");
        refused(raw("j4", "{a: 1}", 0, true), "not valid JSON");
        refused(raw("j5", "{\"__metadata__\": {\"k\": 3}}", 0, true), "__metadata__ value of 'k' is not a string");
        Path p = raw("j6", "{}", 0, true);
        byte[] all = Files.readAllBytes(p);
        all[9] = (byte) 0xC3; // a lone UTF-8 lead byte
        Files.write(p, all);
        refused(p, "not UTF-8");
    }

    @Test
    void overlappingGappedAndUncoveredOffsets() throws IOException {
        refused(raw("o1", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, true), "overlap");
        refused(raw("o2", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, true), "gap before 'a'");
        refused(raw("o3", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, true), "4 bytes after the last tensor");
        refused(raw("o4", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 8, true), "begin after end");
    }

    @Test
    void wrongShapeProductDtypeOrFields() throws IOException {
        refused(raw("s1", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20, true),
                "tensor 'a' of shape [2, 3] and dtype F32 needs 24 bytes");
        refused(raw("s2", "{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, true), "unknown dtype 'F33'");
        refused(raw("s3", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, true), "negative shape");
        refused(raw("s4", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, true), "not an integer");
        refused(raw("s5", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, true), "no data_offsets");
        refused(raw("s6", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4, true), "1 data_offsets, not 2");
    }

    /** Files from other writers need not pad their header; F16 etc. validate but are not read into arrays. */
    @Test
    void unpaddedHeaderAndOtherDtypes() throws IOException {
        Path p = raw("u", "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[6,7]}}", 7, false);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(SafetensorsDtype.F16, f.dtype("h"));
            assertArrayEquals(new byte[]{0}, f.readBytes("x"));
            assertTrue(assertThrows(BadInputException.class, () -> f.read("h")).getMessage().contains("does not read"));
        }
    }

    @Test
    void missingFileOrDirectory() {
        refused(dir.resolve("nope.safetensors"), "no such file");
        refused(dir, "is a directory");
    }
}
