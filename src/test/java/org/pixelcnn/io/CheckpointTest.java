package org.pixelcnn.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointTest {
    @TempDir
    Path dir;

    /** A toy model: names and shapes as the model code would give them, laid out in one flat block. */
    static final Map<String, long[]> SHAPES = new LinkedHashMap<>();

    static {
        SHAPES.put("model/conv2d_0/V", new long[]{2, 3, 4, 5});
        SHAPES.put("model/conv2d_0/g", new long[]{5});
        SHAPES.put("model/conv2d_0/b", new long[]{5});
        SHAPES.put("model/dense_0/V", new long[]{7, 3});
    }

    static int total(Map<String, long[]> shapes) {
        int n = 0;
        for (long[] s : shapes.values()) n += (int) SafetensorsTensor.elementCount(s);
        return n;
    }

    static FloatBuffer block(int n, float scale) {
        FloatBuffer b = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < n; i++) b.put(i, scale * (i + 1));
        return b;
    }

    /** Views of the four flat blocks by name, as the trainer would build them. */
    static CheckpointContents contents(long step, Map<String, long[]> shapes, FloatBuffer p, FloatBuffer ema, FloatBuffer m, FloatBuffer v) {
        Map<String, CheckpointTensor> P = new LinkedHashMap<>(), E = new LinkedHashMap<>(), M = new LinkedHashMap<>(), V = new LinkedHashMap<>();
        int off = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            int n = (int) SafetensorsTensor.elementCount(e.getValue());
            P.put(e.getKey(), new CheckpointTensor(e.getValue(), p.slice(off, n)));
            E.put(e.getKey(), new CheckpointTensor(e.getValue(), ema.slice(off, n)));
            M.put(e.getKey(), new CheckpointTensor(e.getValue(), m.slice(off, n)));
            V.put(e.getKey(), new CheckpointTensor(e.getValue(), v.slice(off, n)));
            off += n;
        }
        return new CheckpointContents(step, 0.001 * Math.pow(0.999995, step), new long[]{42, -1, step}, "{\"nr_resnet\":5,\"data_set\":\"cifar\"}", P, E, M, V);
    }

    static CheckpointContents contents(long step) {
        int n = total(SHAPES);
        return contents(step, SHAPES, block(n, 1f), block(n, 2f), block(n, 3f), block(n, 4f));
    }

    @Test
    void roundTripIntoFlatBlocks() {
        Path file = Checkpoint.save(dir, contents(1234));
        assertEquals(dir.resolve("checkpoint-1234.safetensors"), file);
        int n = total(SHAPES);
        try (CheckpointReader r = Checkpoint.load(dir, SHAPES)) {
            assertEquals(file, r.path());
            assertEquals(1234, r.step());
            assertEquals(0.001 * Math.pow(0.999995, 1234), r.learningRate());
            assertArrayEquals(new long[]{42, -1, 1234}, r.rngState());
            assertEquals("{\"nr_resnet\":5,\"data_set\":\"cifar\"}", r.configJson());
            assertEquals(List.copyOf(SHAPES.keySet()), List.copyOf(r.parameterShapes().keySet()));
            float[] scales = {1f, 2f, 3f, 4f};
            Checkpoint.Group[] groups = Checkpoint.Group.values();
            for (int gi = 0; gi < 4; gi++) {
                FloatBuffer dst = FloatBuffer.allocate(n);
                int off = 0;
                for (Map.Entry<String, long[]> e : SHAPES.entrySet()) {
                    r.read(groups[gi], e.getKey(), dst, off);
                    off += (int) SafetensorsTensor.elementCount(e.getValue());
                }
                for (int i = 0; i < n; i++) assertEquals(scales[gi] * (i + 1), dst.get(i), groups[gi] + " element " + i);
            }
            assertArrayEquals(new float[]{3f * 121, 3f * 122, 3f * 123, 3f * 124, 3f * 125}, r.read(Checkpoint.Group.ADAM_M, "model/conv2d_0/g"));
        }
        Map<String, String> meta = Safetensors.readMetadata(file);
        assertEquals(Checkpoint.FORMAT, meta.get("format"));
        assertTrue(Safetensors.readAll(file).containsKey("ema/model/dense_0/V"));
        assertTrue(Safetensors.readAll(file).containsKey("adam_v/model/conv2d_0/V"));
        assertArrayEquals(new long[0], Safetensors.readAll(file).get("step").shape());
    }

    private static void refused(Map<String, long[]> expected, Path where, String... fragments) {
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoint.load(where, expected).close());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "expected '" + f + "' in: " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    @Test
    void strictLoadNamesTheMissingExtraOrMisshapenTensor() {
        Path file = Checkpoint.save(dir, contents(5));
        Map<String, long[]> more = new LinkedHashMap<>(SHAPES);
        more.put("model/nin_0/V", new long[]{4, 4});
        refused(more, dir, file.toString(), "missing tensor 'model/nin_0/V'", "(and 3 more problems)");

        Map<String, long[]> fewer = new LinkedHashMap<>(SHAPES);
        fewer.remove("model/dense_0/V");
        refused(fewer, file, "unexpected tensor 'model/dense_0/V'");

        Map<String, long[]> reshaped = new LinkedHashMap<>(SHAPES);
        reshaped.put("model/conv2d_0/V", new long[]{2, 3, 5, 4});
        refused(reshaped, file, "tensor 'model/conv2d_0/V' has shape [2, 3, 4, 5], the model expects [2, 3, 5, 4]");
    }

    @Test
    void notACheckpoint() throws IOException {
        Path p = dir.resolve("checkpoint-9.safetensors");
        Safetensors.write(p, Map.of("x", SafetensorsTensor.u8(new long[]{1}, new byte[]{1})), Map.of());
        refused(SHAPES, p, p.toString(), "not a pixelcnn-engine checkpoint");
        Files.write(p, new byte[]{1, 2, 3});
        refused(SHAPES, dir, p.toString(), "too short");
    }

    /** A failure part-way through writing leaves the previous checkpoint loadable and no partial checkpoint. */
    @Test
    void crashWhileWritingLeavesThePreviousCheckpoint() throws IOException {
        Checkpoint.save(dir, contents(10));
        // A bigger model so the file spans several 1 MiB chunks and the crash hits the middle of it.
        Map<String, long[]> big = new LinkedHashMap<>(SHAPES);
        big.put("model/big/V", new long[]{300_000});
        int n = total(big);
        CheckpointContents c = contents(20, big, block(n, 1f), block(n, 2f), block(n, 3f), block(n, 4f));
        long[] seen = {0};
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoint.save(dir, c, written -> {
            seen[0] = written;
            throw new IOException("simulated crash after " + written + " bytes");
        }));
        assertTrue(e.getMessage().contains("checkpoint-20.safetensors") && e.getMessage().contains("simulated crash"), e.getMessage());
        assertEquals(1 << 20, seen[0]);
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("checkpoint-10.safetensors"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(dir.resolve("checkpoint-10.safetensors"), Checkpoint.resolve(dir));
        try (CheckpointReader r = Checkpoint.load(dir, SHAPES)) {
            assertEquals(10, r.step());
        }
        // A process killed mid-write leaves its temporary file behind: it never passes for a checkpoint.
        Files.write(dir.resolve(".checkpoint-30-12345.tmp"), new byte[]{1, 2, 3, 4});
        assertEquals(dir.resolve("checkpoint-10.safetensors"), Checkpoint.resolve(dir));
        // and the same save without a crash completes
        Checkpoint.save(dir, c);
        try (CheckpointReader r = Checkpoint.load(dir, big)) {
            assertEquals(20, r.step());
            float[] bigV = r.read(Checkpoint.Group.ADAM_V, "model/big/V");
            assertEquals(4f * (n - 300_000 + 1), bigV[0]);
            assertEquals(4f * n, bigV[300_000 - 1]);
        }
    }

    @Test
    void resolvePicksTheHighestStep() throws IOException {
        for (long step : new long[]{2, 10, 9}) Checkpoint.save(dir, contents(step));
        Files.write(dir.resolve("checkpoint-99.safetensors.bak"), new byte[0]);
        Files.write(dir.resolve("notes.txt"), new byte[0]);
        assertEquals(dir.resolve("checkpoint-10.safetensors"), Checkpoint.resolve(dir));
        assertEquals(dir.resolve("checkpoint-9.safetensors"), Checkpoint.resolve(dir.resolve("checkpoint-9.safetensors")));
        assertEquals(List.of(2L, 9L, 10L), Checkpoint.list(dir).stream().map(Checkpoint::stepOf).toList());
        Checkpoint.prune(dir, 2);
        assertEquals(List.of(9L, 10L), Checkpoint.list(dir).stream().map(Checkpoint::stepOf).toList());

        Path empty = dir.resolve("empty");
        Files.createDirectories(empty);
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoint.resolve(empty));
        assertTrue(e.getMessage().startsWith(empty + ": no checkpoint"), e.getMessage());
        e = assertThrows(BadInputException.class, () -> Checkpoint.resolve(dir.resolve("missing")));
        assertTrue(e.getMessage().contains("missing") && e.getMessage().contains("no such"), e.getMessage());
    }

    @Test
    void contentsAreValidated() {
        int n = total(SHAPES);
        CheckpointContents ok = contents(1);
        Map<String, CheckpointTensor> fewer = new LinkedHashMap<>(ok.ema());
        fewer.remove("model/conv2d_0/g");
        assertThrows(IllegalArgumentException.class, () -> new CheckpointContents(1, 0.1, new long[0], "{}", ok.parameters(), fewer, ok.adamM(), ok.adamV()));
        Map<String, CheckpointTensor> reshaped = new LinkedHashMap<>(ok.adamV());
        reshaped.put("model/dense_0/V", CheckpointTensor.of(new long[]{3, 7}, new float[21]));
        assertThrows(IllegalArgumentException.class, () -> new CheckpointContents(1, 0.1, new long[0], "{}", ok.parameters(), ok.ema(), ok.adamM(), reshaped));
        Map<String, CheckpointTensor> reserved = Map.of("ema/x", CheckpointTensor.of(new long[]{1}, new float[1]));
        assertThrows(IllegalArgumentException.class, () -> new CheckpointContents(1, 0.1, new long[0], "{}", reserved, reserved, reserved, reserved));
        assertThrows(IllegalArgumentException.class, () -> new CheckpointContents(-1, 0.1, new long[0], "{}", ok.parameters(), ok.ema(), ok.adamM(), ok.adamV()));
        assertThrows(IllegalArgumentException.class, () -> CheckpointTensor.of(new long[]{2}, new float[n]));
    }
}
