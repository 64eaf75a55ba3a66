package org.pixelcnn.io.torch;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.io.BadInputException;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TorchStateDict} on files torch.save wrote (src/test/resources/port, made by
 * tools/peer/make_port_fixtures.py with torch 1.13): every tensor's shape, first and last element and
 * sum as torch computed them; the zip and legacy formats give the same tensors; strided views and
 * storage offsets; dtypes other than float32 keep dtype and shape only; what is not a state_dict is
 * refused naming the file.
 */
class TorchStateDictTest {
    @TempDir
    Path tmp;

    static Path fixture(String name) {
        try {
            return Path.of(TorchStateDictTest.class.getResource("/port/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonObject json(String name) throws IOException {
        return JsonParser.parseString(Files.readString(fixture(name))).getAsJsonObject();
    }

    @Test
    void zipFormatTensorsAreTorchs() throws IOException {
        for (String name : new String[] {"rgb", "gray"}) {
            Map<String, TorchTensor> sd = TorchStateDict.read(fixture(name + ".pth"));
            JsonObject want = json(name + ".json").getAsJsonObject("tensors");
            assertEquals(new ArrayList<>(want.keySet()), new ArrayList<>(sd.keySet()), "keys in torch's order");
            for (String key : want.keySet()) {
                JsonObject w = want.getAsJsonObject(key);
                TorchTensor t = sd.get(key);
                assertEquals("float32", t.dtype(), key);
                long[] shape = new long[w.getAsJsonArray("shape").size()];
                for (int i = 0; i < shape.length; i++) shape[i] = w.getAsJsonArray("shape").get(i).getAsLong();
                assertArrayEquals(shape, t.shape(), key);
                assertEquals(w.get("first").getAsFloat(), t.values()[0], key);
                assertEquals(w.get("last").getAsFloat(), t.values()[t.values().length - 1], key);
                double sum = 0;
                for (float v : t.values()) sum += v;
                // torch summed the same floats in float64 in another order: agreement to 1e-12 of the magnitudes
                double mag = 0;
                for (float v : t.values()) mag += Math.abs(v);
                assertEquals(w.get("sum").getAsDouble(), sum, 1e-12 * mag + 1e-30, key);
            }
        }
    }

    @Test
    void legacyFormatHoldsTheSameTensors() {
        Map<String, TorchTensor> zip = TorchStateDict.read(fixture("rgb.pth"));
        Map<String, TorchTensor> legacy = TorchStateDict.read(fixture("rgb_legacy.pth"));
        assertEquals(new ArrayList<>(zip.keySet()), new ArrayList<>(legacy.keySet()));
        for (String k : zip.keySet()) {
            assertArrayEquals(zip.get(k).shape(), legacy.get(k).shape(), k);
            assertArrayEquals(zip.get(k).values(), legacy.get(k).values(), k);
        }
    }

    @Test
    void stridedViewsOfOneStorageInBothFormats() {
        for (String f : new String[] {"views.pth", "views_legacy.pth"}) {
            Map<String, TorchTensor> sd = TorchStateDict.read(fixture(f));
            assertEquals(List.of("permuted", "slice", "column", "steps"), new ArrayList<>(sd.keySet()), f);
            // base[i] = 0.5 i - 3; permuted[a, b, c] = base[:24].view(2,3,4)[b, c, a] = base[12 b + 4 c + a]
            TorchTensor p = sd.get("permuted");
            assertArrayEquals(new long[] {4, 2, 3}, p.shape());
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 2; b++)
                    for (int c = 0; c < 3; c++)
                        assertEquals(0.5f * (12 * b + 4 * c + a) - 3, p.values()[(a * 2 + b) * 3 + c], f + " permuted");
            float[] slice = sd.get("slice").values();
            for (int i = 0; i < 6; i++) assertEquals(0.5f * (30 + i) - 3, slice[i], f + " slice");
            float[] column = sd.get("column").values();
            for (int i = 0; i < 4; i++) assertEquals(0.5f * (6 * i + 1) - 3, column[i], f + " column");
            TorchTensor steps = sd.get("steps");
            assertEquals("int64", steps.dtype());
            assertArrayEquals(new long[] {5}, steps.shape());
            assertNull(steps.values());
        }
    }

    @Test
    void float64TensorsKeepTheirDtype() {
        Map<String, TorchTensor> sd = TorchStateDict.read(fixture("tiny_f64.pth"));
        assertTrue(sd.size() > 10);
        for (TorchTensor t : sd.values()) {
            assertEquals("float64", t.dtype());
            assertNull(t.values());
        }
    }

    @Test
    void whatIsNotAStateDictIsRefusedNamingTheFile() throws IOException {
        Path missing = tmp.resolve("none.pth");
        assertTrue(assertThrows(BadInputException.class, () -> TorchStateDict.read(missing)).getMessage().startsWith(missing + ": no such file"));
        Path text = tmp.resolve("text.pth");
        Files.writeString(text, "hello");
        assertTrue(assertThrows(BadInputException.class, () -> TorchStateDict.read(text)).getMessage().startsWith(text + ": not a PyTorch file"));
        // a zip that is not torch's
        Path zip = tmp.resolve("other.zip");
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new java.util.zip.ZipEntry("a.txt"));
            out.write(1);
        }
        assertTrue(assertThrows(BadInputException.class, () -> TorchStateDict.read(zip)).getMessage().contains("without <archive>/data.pkl"));
        // truncated legacy file
        byte[] legacy = Files.readAllBytes(fixture("rgb_legacy.pth"));
        Path cut = tmp.resolve("cut.pth");
        Files.write(cut, java.util.Arrays.copyOf(legacy, legacy.length - 100));
        BadInputException e = assertThrows(BadInputException.class, () -> TorchStateDict.read(cut));
        assertTrue(e.getMessage().startsWith(cut + ": truncated"), e.getMessage());
        // a plain pickle (protocol 2) of an int: no torch magic
        Path pickle = tmp.resolve("int.pkl");
        Files.write(pickle, new byte[] {(byte) 0x80, 2, 'K', 7, '.'});
        assertTrue(assertThrows(BadInputException.class, () -> TorchStateDict.read(pickle)).getMessage().contains("no torch magic number"));
    }
}
