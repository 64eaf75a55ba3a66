package org.pixelcnn.backend.cpu;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.Reader;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Finds and reads the golden JSON files of the mixture of logistics: the ones the repository carries
 * ({@code src/test/resources/golden}, on the test classpath as {@code /golden}), plus those of the
 * directory named by the environment variable {@code PIXELCNN_GOLDEN_DIR} when it is set (an optional
 * extra set whose cases run too). Fails loudly when the variable names no directory.
 */
final class GoldenFiles {
    private GoldenFiles() {
    }

    /** The directories to read: the repository's, then PIXELCNN_GOLDEN_DIR's if set. */
    static List<Path> directories() {
        List<Path> dirs = new ArrayList<>();
        try {
            URL u = GoldenFiles.class.getResource("/golden/README.md");
            if (u == null) throw new IllegalStateException("the test resources lack golden/README.md");
            dirs.add(Paths.get(u.toURI()).getParent());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        String env = System.getenv("PIXELCNN_GOLDEN_DIR");
        if (env != null && !env.isBlank()) {
            Path p = Paths.get(env);
            if (!Files.isDirectory(p)) throw new IllegalStateException("PIXELCNN_GOLDEN_DIR=" + env + " is not a directory");
            dirs.add(p);
        }
        return dirs;
    }

    /** All *.json files of the golden directories, each directory's sorted by name. */
    static List<Path> jsonFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path d : directories()) {
            try (Stream<Path> s = Files.list(d)) {
                out.addAll(s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().collect(Collectors.toList()));
            }
        }
        return out;
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
