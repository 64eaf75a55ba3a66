package org.pixelcnn.io;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsLogTest {
    @TempDir
    Path dir;

    private static Map<String, Object> epoch(int e, double train, double test) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", e);
        m.put("step", 100L * e);
        m.put("train_bits_per_dim", train);
        m.put("test_bits_per_dim", test);
        return m;
    }

    @Test
    void linesAreFlushedAppendedAndReadBack() throws IOException {
        Path save = dir.resolve("save");
        try (MetricsLog log = new MetricsLog(save)) {
            log.append("epoch", epoch(0, 4.5, 4.25));
            // flushed per line: visible before close
            List<String> lines = Files.readAllLines(save.resolve("metrics.jsonl"));
            assertEquals(1, lines.size());
            assertTrue(lines.get(0).startsWith("{\"event\":\"epoch\",\"time\":"), lines.get(0));
            assertTrue(lines.get(0).endsWith(",\"epoch\":0,\"step\":0,\"train_bits_per_dim\":4.5,\"test_bits_per_dim\":4.25}"), lines.get(0));
            log.append("step", Map.of("step", 150, "loss", Double.NaN));
        }
        try (MetricsLog log = new MetricsLog(save)) { // a resumed run appends
            log.append("epoch", epoch(1, 3.75, 3.5));
        }
        List<JsonObject> back = MetricsLog.read(save.resolve(MetricsLog.FILE_NAME));
        assertEquals(3, back.size());
        assertEquals("step", back.get(1).get("event").getAsString());
        assertTrue(Double.isNaN(back.get(1).get("loss").getAsDouble()));
        assertEquals(3.5, back.get(2).get("test_bits_per_dim").getAsDouble());
        assertTrue(Math.abs(back.get(2).get("time").getAsDouble() - System.currentTimeMillis() / 1000.0) < 60);
        List<BitsPlot.Point> pts = BitsPlot.fromMetrics(back);
        assertEquals(List.of(new BitsPlot.Point(0, Double.NaN, 4.25, 4.5), new BitsPlot.Point(1, Double.NaN, 3.5, 3.75)), pts); // epoch means
    }

    @Test
    void tornLastLineIsSkippedButABadMiddleLineIsAnError() throws IOException {
        Path f = dir.resolve(MetricsLog.FILE_NAME);
        try (MetricsLog log = new MetricsLog(dir)) {
            log.append("epoch", epoch(0, 4, 4));
        }
        Files.writeString(f, "{\"event\":\"epoch\",\"ep", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        assertEquals(1, MetricsLog.read(f).size());
        Files.writeString(f, "\n{\"event\":\"epoch\"}\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        BadInputException e = assertThrows(BadInputException.class, () -> MetricsLog.read(f));
        assertEquals(f + ": line 2 is not a JSON object", e.getMessage());
        assertEquals(List.of(), MetricsLog.read(dir.resolve("none.jsonl")));
    }
}
