package org.pixelcnn.io;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Cross-checks with Python when python3 and numpy are installed (skipped otherwise): Python reads our file
 * by the published rules (and with the {@code safetensors} package when present), and Java reads a file
 * Python wrote.
 */
class SafetensorsPythonTest {
    @TempDir
    Path dir;

    private static boolean numpy;
    private static boolean safetensorsPackage;

    @BeforeAll
    static void probe() {
        numpy = python("import numpy").exit == 0;
        safetensorsPackage = numpy && python("import safetensors.numpy").exit == 0;
    }

    private record Result(int exit, String out) {
    }

    private static Result python(String script, String... args) {
        try {
            List<String> cmd = new java.util.ArrayList<>(List.of("python3", "-c", script));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timeout");
            }
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            return new Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, e.toString());
        }
    }

    private static final String READER = String.join("\n",
            "import sys, json, struct, numpy as np",
            "b = open(sys.argv[1], 'rb').read()",
            "n = struct.unpack('<Q', b[:8])[0]",
            "assert (8 + n) % 8 == 0",
            "h = json.loads(b[8:8 + n].decode('utf-8'))",
            "meta = h.pop('__metadata__', {})",
            "dt = {'F32': '<f4', 'F64': '<f8', 'I64': '<i8', 'U8': 'u1'}",
            "out = {}",
            "for k, v in h.items():",
            "    s, e = v['data_offsets']",
            "    a = np.frombuffer(b[8 + n + s:8 + n + e], dtype=dt[v['dtype']]).reshape(v['shape'])",
            "    out[k] = [v['dtype'], list(a.shape), float(np.nansum(a.astype(np.float64))) if a.size else 0.0]",
            "if len(sys.argv) > 2:",
            "    from safetensors.numpy import load_file",
            "    t = load_file(sys.argv[1])",
            "    assert sorted(t) == sorted(out), (sorted(t), sorted(out))",
            "    for k in t: assert list(t[k].shape) == out[k][1]",
            "print(json.dumps({'meta': meta, 'tensors': out}, sort_keys=True))");

    @Test
    void pythonReadsOurFile() throws IOException {
        assumeTrue(numpy, "python3 with numpy not installed");
        Path p = dir.resolve("ours.safetensors");
        Map<String, SafetensorsTensor> t = new java.util.LinkedHashMap<>();
        t.put("f", SafetensorsTensor.f32(new long[]{2, 3}, new float[]{1, 2, 3, 4, 5, 6.5f}));
        t.put("l", SafetensorsTensor.i64(new long[]{2}, new long[]{-7, 1L << 40}));
        t.put("u", SafetensorsTensor.u8(new long[]{3}, new byte[]{(byte) 200, 1, 2}));
        t.put("d", SafetensorsTensor.f64(new long[0], new double[]{0.125}));
        Safetensors.write(p, t, Map.of("config", "{\"x\": 1}"));
        Result r = safetensorsPackage ? python(READER, p.toString(), "check") : python(READER, p.toString());
        assertEquals(0, r.exit, r.out);
        assertEquals("{\"meta\": {\"config\": \"{\\\"x\\\": 1}\"}, \"tensors\": {"
                + "\"d\": [\"F64\", [], 0.125], \"f\": [\"F32\", [2, 3], 21.5], \"l\": [\"I64\", [2], 1099511627769.0], "
                + "\"u\": [\"U8\", [3], 203.0]}}", r.out);
    }

    @Test
    void weReadPythonsFile() {
        assumeTrue(numpy, "python3 with numpy not installed");
        Path p = dir.resolve("theirs.safetensors");
        String writer = String.join("\n",
                "import sys, json, struct, numpy as np",
                "a = np.arange(12, dtype='<f4').reshape(3, 4) / 4",
                "c = np.array([3, -9], dtype='<i8')",
                "h = {'c': {'dtype': 'I64', 'shape': [2], 'data_offsets': [0, 16]},",
                "     'a': {'dtype': 'F32', 'shape': [3, 4], 'data_offsets': [16, 64]},",
                "     '__metadata__': {'who': 'numpy'}}",
                "j = json.dumps(h).encode()",
                "j += b' ' * (-len(j) % 8)",
                "open(sys.argv[1], 'wb').write(struct.pack('<Q', len(j)) + j + c.tobytes() + a.tobytes())");
        Result r = python(writer, p.toString());
        assertEquals(0, r.exit, r.out);
        Map<String, SafetensorsTensor> back = Safetensors.readAll(p);
        assertArrayEquals(new long[]{3, -9}, back.get("c").longs());
        assertArrayEquals(new long[]{3, 4}, back.get("a").shape());
        float[] a = back.get("a").floats();
        for (int i = 0; i < 12; i++) assertEquals(i / 4f, a[i]);
        assertEquals(Map.of("who", "numpy"), Safetensors.readMetadata(p));
    }
}
