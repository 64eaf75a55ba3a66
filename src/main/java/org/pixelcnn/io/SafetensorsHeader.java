package org.pixelcnn.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates a safetensors header (the JSON between the 8-byte length and the data), following
 * the checks of the reference implementation: strict UTF-8 JSON object; {@code __metadata__} a map of
 * strings; every tensor with a known dtype, a shape of non-negative integers, {@code data_offsets} two
 * integers {@code 0 <= begin <= end}, {@code product(shape) * dtype size == end - begin}; the tensors'
 * ranges, sorted, start at 0, neither overlap nor leave gaps, and end exactly at the end of the file.
 * Each failure is a {@link BadInputException} "FILE: problem".
 */
final class SafetensorsHeader {
    /** One tensor of the header; {@code begin} and {@code end} are relative to the data start. */
    record Entry(String name, SafetensorsDtype dtype, long[] shape, long begin, long end) {
        long elementCount() {
            return SafetensorsTensor.elementCount(shape);
        }
    }

    private static final Gson GSON = new Gson();

    final Map<String, String> metadata;
    final Map<String, Entry> entries;

    private SafetensorsHeader(Map<String, String> metadata, Map<String, Entry> entries) {
        this.metadata = Collections.unmodifiableMap(metadata);
        this.entries = Collections.unmodifiableMap(entries);
    }

    /**
     * @param file       the file, for messages
     * @param header     the header bytes
     * @param dataLength bytes in the file after the header
     * @return the validated header
     * @throws BadInputException naming the file and the first problem found
     */
    static SafetensorsHeader parse(Path file, byte[] header, long dataLength) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(header)).toString();
        } catch (CharacterCodingException e) {
            throw bad(file, "header is not UTF-8 text");
        }
        JsonElement root;
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            root = GSON.getAdapter(JsonElement.class).read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) throw bad(file, "header has text after its JSON object");
        } catch (IOException | RuntimeException e) {
            if (e instanceof BadInputException b) throw b;
            throw bad(file, "header is not valid JSON (" + oneLine(e.getMessage()) + ")");
        }
        if (root == null || !root.isJsonObject()) throw bad(file, "header is not a JSON object");
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : root.getAsJsonObject().entrySet()) {
            if (e.getKey().equals(SafetensorsWriter.METADATA_KEY)) {
                if (!e.getValue().isJsonObject()) throw bad(file, "__metadata__ is not a JSON object");
                for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
                    JsonElement v = m.getValue();
                    if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString())
                        throw bad(file, "__metadata__ value of '" + m.getKey() + "' is not a string");
                    metadata.put(m.getKey(), v.getAsString());
                }
            } else {
                entries.put(e.getKey(), entry(file, e.getKey(), e.getValue()));
            }
        }
        checkLayout(file, entries, dataLength);
        return new SafetensorsHeader(metadata, entries);
    }

    private static Entry entry(Path file, String name, JsonElement value) {
        if (!value.isJsonObject()) throw bad(file, "tensor '" + name + "' is not a JSON object");
        JsonObject o = value.getAsJsonObject();
        JsonElement dt = o.get("dtype");
        if (dt == null || !dt.isJsonPrimitive() || !dt.getAsJsonPrimitive().isString())
            throw bad(file, "tensor '" + name + "' has no dtype string");
        SafetensorsDtype dtype = SafetensorsDtype.byName(dt.getAsString());
        if (dtype == null) throw bad(file, "tensor '" + name + "' has unknown dtype '" + dt.getAsString() + "'");
        long[] shape = integers(file, name, "shape", o.get("shape"), -1);
        long[] offsets = integers(file, name, "data_offsets", o.get("data_offsets"), 2);
        if (offsets[0] > offsets[1])
            throw bad(file, "tensor '" + name + "' has data_offsets " + Arrays.toString(offsets) + " with begin after end");
        long bytes;
        try {
            bytes = Math.multiplyExact(SafetensorsTensor.elementCount(shape), (long) dtype.size());
        } catch (ArithmeticException e) {
            throw bad(file, "tensor '" + name + "' has shape " + Arrays.toString(shape) + " too large");
        }
        if (bytes != offsets[1] - offsets[0])
            throw bad(file, "tensor '" + name + "' of shape " + Arrays.toString(shape) + " and dtype " + dtype + " needs " + bytes
                    + " bytes but its data_offsets " + Arrays.toString(offsets) + " span " + (offsets[1] - offsets[0]));
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    /** A JSON array of non-negative integers (of length {@code want}, unless -1). */
    private static long[] integers(Path file, String name, String field, JsonElement value, int want) {
        if (value == null || !value.isJsonArray()) throw bad(file, "tensor '" + name + "' has no " + field + " array");
        JsonArray a = value.getAsJsonArray();
        if (want >= 0 && a.size() != want) throw bad(file, "tensor '" + name + "' has " + a.size() + " " + field + ", not " + want);
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement v = a.get(i);
            try {
                if (!v.isJsonPrimitive() || !((JsonPrimitive) v).isNumber()) throw new ArithmeticException();
                out[i] = new BigDecimal(v.getAsString()).longValueExact();
            } catch (ArithmeticException | NumberFormatException e) {
                throw bad(file, "tensor '" + name + "' has a " + field + " entry " + v + " that is not an integer");
            }
            if (out[i] < 0) throw bad(file, "tensor '" + name + "' has a negative " + field + " entry " + out[i]);
        }
        return out;
    }

    /** The sorted ranges must tile [0, dataLength) exactly. */
    private static void checkLayout(Path file, Map<String, Entry> entries, long dataLength) {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        String previous = null;
        for (Entry e : sorted) {
            if (e.begin() < expected)
                throw bad(file, "tensor '" + e.name() + "' data_offsets [" + e.begin() + ", " + e.end() + ") overlap tensor '" + previous + "'");
            if (e.begin() > expected)
                throw bad(file, "bytes [" + expected + ", " + e.begin() + ") of the data belong to no tensor (gap before '" + e.name() + "')");
            if (e.end() > dataLength)
                throw bad(file, "tensor '" + e.name() + "' ends at data byte " + e.end() + " but the file holds only " + dataLength
                        + " data bytes (truncated?)");
            expected = e.end();
            previous = e.name();
        }
        if (expected != dataLength)
            throw bad(file, "the file has " + (dataLength - expected) + " bytes after the last tensor's data");
    }

    static BadInputException bad(Path file, String problem) {
        return new BadInputException(file + ": " + problem);
    }

    private static String oneLine(String s) {
        if (s == null) return "no detail";
        return s.replaceAll("See https?://\\S+", "").replaceAll("Use JsonReader\\.setStrictness\\([^)]*\\) to accept ", "")
                .replaceAll("\\s+", " ").trim();
    }
}
