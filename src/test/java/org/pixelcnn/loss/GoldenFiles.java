package org.pixelcnn.loss;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Finds and reads the golden JSON files of the mixture of logistics: the directory named by the
 * environment variable PIXELCNN_GOLDEN_DIR, else ../shared/golden (relative to the working directory,
 * the repository root under Maven), else /work/shared/golden. Fails loudly when none exists.
 */
final class GoldenFiles {
    private GoldenFiles() {
    }

    static Path directory() {
        String env = System.getenv("PIXELCNN_GOLDEN_DIR");
        if (env != null && !env.isBlank()) {
            Path p = Paths.get(env);
            if (!Files.isDirectory(p)) throw new IllegalStateException("PIXELCNN_GOLDEN_DIR=" + env + " is not a directory");
            return p;
        }
        for (Path p : List.of(Paths.get("../shared/golden"), Paths.get("/work/shared/golden"))) {
            if (Files.isDirectory(p)) return p;
        }
        throw new IllegalStateException("golden directory not found: set PIXELCNN_GOLDEN_DIR, or provide ../shared/golden or /work/shared/golden");
    }

    /** All *.json files of the golden directory, sorted by name. */
    static List<Path> jsonFiles() throws IOException {
        try (Stream<Path> s = Files.list(directory())) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().collect(Collectors.toList());
        }
    }

    static JsonObject read(Path p) throws IOException {
        try (Reader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
            return JsonParser.parseReader(r).getAsJsonObject();
        }
    }

    static double[] doubles(JsonObject o, String key) {
        JsonArray a = o.getAsJsonArray(key);
        if (a == null) throw new IllegalStateException("golden file lacks '" + key + "'");
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsDouble();
        return out;
    }

    static int[] ints(JsonObject o, String key) {
        JsonArray a = o.getAsJsonArray(key);
        if (a == null) throw new IllegalStateException("golden file lacks '" + key + "'");
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsInt();
        return out;
    }

    /** Each value cast to float (the golden values of l and u are exact in float32). */
    static float[] floats(JsonObject o, String key) {
        double[] d = doubles(o, key);
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
