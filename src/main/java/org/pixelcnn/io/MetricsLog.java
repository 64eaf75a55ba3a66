package org.pixelcnn.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Training metrics as JSON lines, appended to {@code <save_dir>/metrics.jsonl}: one object per event, e.g.
 * <pre>{"event":"epoch","time":1732931000.123,"epoch":3,"step":9375,"train_bits_per_dim":3.41,"test_bits_per_dim":3.38,...}</pre>
 * Each line is flushed as soon as it is written, so a crash loses at most the line being written; appending
 * to an existing file continues a resumed run's log. NaN and infinite values are written as
 * {@code NaN}/{@code Infinity} (read by Python's json module and by {@link #read}), so a diverging loss shows.
 * Thread-safe.
 */
public final class MetricsLog implements AutoCloseable {
    /** The file name inside the save directory. */
    public static final String FILE_NAME = "metrics.jsonl";

    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().disableHtmlEscaping().create();

    private final Path file;
    private final BufferedWriter out;

    /**
     * Opens (creating when missing) {@code <saveDir>/metrics.jsonl} for appending.
     *
     * @param saveDir the save directory (created when missing)
     * @throws BadInputException when the directory or file cannot be created or opened
     */
    public MetricsLog(Path saveDir) {
        this.file = saveDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(saveDir);
            this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot open the metrics log for appending (" + e + ")", e);
        }
    }

    /** @return the log file */
    public Path file() {
        return file;
    }

    /**
     * Appends one line {"event": event, "time": seconds since the epoch, ...fields} and flushes it.
     *
     * @param event  the kind of line, e.g. "epoch" or "step"
     * @param fields name to value (numbers, strings, booleans, lists, maps), in the order to write
     * @throws UncheckedIOException when the write fails
     */
    public synchronized void append(String event, Map<String, ?> fields) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", event);
        line.put("time", System.currentTimeMillis() / 1000.0);
        line.putAll(fields);
        try {
            out.write(GSON.toJson(line));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file, e);
        }
    }

    /**
     * Reads a metrics log back, e.g. to redraw the bits/dim plot after a resume. A last line cut short by a
     * crash is skipped; a malformed line anywhere else is an error.
     *
     * @param file the metrics.jsonl file
     * @return its objects in order (empty when the file does not exist)
     * @throws BadInputException "FILE: line N is not a JSON object" for a malformed line before the last
     */
    public static List<JsonObject> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new ArrayList<>();
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read the metrics log (" + e + ")", e);
        }
        List<JsonObject> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) continue;
            JsonElement e;
            try {
                e = JsonParser.parseString(line);
            } catch (JsonParseException ex) {
                e = null;
            }
            if (e == null || !e.isJsonObject()) {
                if (i == lines.size() - 1) break; // torn last line
                throw new BadInputException(file + ": line " + (i + 1) + " is not a JSON object");
            }
            out.add(e.getAsJsonObject());
        }
        return out;
    }

    /**
     * Drops the lines of a metrics log that a resumed run will write again: those whose {@code step} is
     * greater than {@code step} (written after the checkpoint it resumes from, by a run that died before
     * its next checkpoint), and a torn last line. The file is rewritten atomically (temporary file, rename).
     *
     * @return the number of lines dropped (0: the file is left as it was)
     * @throws BadInputException when the file cannot be read or written
     */
    public static int truncateAfter(Path file, long step) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read the metrics log (" + e + ")", e);
        }
        List<String> keep = new ArrayList<>();
        for (String line : lines) {
            JsonElement e;
            try {
                e = JsonParser.parseString(line);
            } catch (JsonParseException ex) {
                e = null;
            }
            if (e == null || !e.isJsonObject()) continue;
            JsonElement s = e.getAsJsonObject().get("step");
            if (s != null && s.isJsonPrimitive() && s.getAsJsonPrimitive().isNumber() && s.getAsLong() > step) continue;
            keep.add(line);
        }
        int dropped = (int) lines.stream().filter(l -> !l.isBlank()).count() - keep.size();
        if (dropped == 0) return 0;
        try (AtomicOutput out = AtomicOutput.open(file)) {
            for (String line : keep) out.stream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.commit();
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot rewrite the metrics log (" + e + ")", e);
        }
        return dropped;
    }
}
