package org.pixelcnn.benchmarks;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.pixelcnn.backend.ConvGeom;

/**
 * The summary of {@link ConvVsOneDnn} runs: reads JMH's JSON result files ({@code -rf json -rff FILE}) and prints
 * one Markdown table per configuration, a row per layer and direction that a training step makes: its calls per
 * step, the median time per call of the engine's im2col path and of oneDNN's primitives (JMH sample-time
 * medians, {@code p0.50}, microseconds), their ratio (im2col / oneDNN: above 1 oneDNN is faster) and the time per
 * training step of each (calls x median); then the totals per direction and over all. When a file holds a
 * (configuration, layer, direction, path) more than once, the median of those medians is used.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar org.pixelcnn.benchmarks.ConvCompareTable run1.json [run2.json ...]</pre>
 */
public final class ConvCompareTable {
    private ConvCompareTable() {}

    private static final List<String> DIRS = List.of("forward", "backwardData", "backwardFilter");

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: ConvCompareTable RESULT.json [RESULT.json ...] (JMH -rf json output of ConvVsOneDnn)");
            System.exit(2);
        }
        // (shapes, batch) -> layer -> direction -> path -> medians (us)
        Map<String, Map<String, Map<String, Map<String, List<Double>>>>> med = new TreeMap<>();
        for (String file : args) {
            JsonArray runs = JsonParser.parseString(Files.readString(Path.of(file))).getAsJsonArray();
            for (JsonElement e : runs) {
                JsonObject r = e.getAsJsonObject();
                String bench = r.get("benchmark").getAsString();
                if (!bench.contains(".ConvVsOneDnn.")) continue;
                String dir = bench.substring(bench.lastIndexOf('.') + 1);
                if (!DIRS.contains(dir)) continue;
                JsonObject p = r.getAsJsonObject("params");
                JsonObject pm = r.getAsJsonObject("primaryMetric");
                double us = pm.getAsJsonObject("scorePercentiles").get("50.0").getAsDouble() * toMicros(pm.get("scoreUnit").getAsString());
                String key = p.get("shapes").getAsString() + "@" + p.get("batch").getAsString();
                med.computeIfAbsent(key, k -> new TreeMap<>()).computeIfAbsent(p.get("layer").getAsString(), k -> new LinkedHashMap<>())
                        .computeIfAbsent(dir, k -> new LinkedHashMap<>()).computeIfAbsent(p.get("path").getAsString(), k -> new java.util.ArrayList<>()).add(us);
            }
        }
        for (Map.Entry<String, Map<String, Map<String, Map<String, List<Double>>>>> c : med.entrySet()) {
            String[] kb = c.getKey().split("@");
            OpShapes s = ConvLayers.cpuShapes(kb[0], Integer.parseInt(kb[1]));
            Map<String, long[]> calls = ConvLayers.stepCalls(s);
            System.out.printf(Locale.ROOT, "%n### %s, batch %d (median us per call; ratio = im2col / oneDNN)%n%n", s.name(), s.n());
            System.out.println("| layer | geometry | direction | calls/step | im2col | oneDNN | ratio | im2col ms/step | oneDNN ms/step |");
            System.out.println("|---|---|---|---|---|---|---|---|---|");
            double[] totA = new double[3], totB = new double[3];
            for (String layer : ConvLayers.NAMES) {
                Map<String, Map<String, List<Double>>> byDir = c.getValue().get(layer);
                long[] n = calls.get(layer);
                if (byDir == null || n == null) continue;
                for (int d = 0; d < 3; d++) {
                    Map<String, List<Double>> byPath = byDir.get(DIRS.get(d));
                    if (byPath == null || !byPath.containsKey("im2col") || !byPath.containsKey("onednn") || n[d] == 0) continue;
                    double a = median(byPath.get("im2col")), b = median(byPath.get("onednn"));
                    totA[d] += n[d] * a / 1e3;
                    totB[d] += n[d] * b / 1e3;
                    System.out.printf(Locale.ROOT, "| %s | %s | %s | %d | %.0f | %.0f | %.2f | %.2f | %.2f |%n", layer, shape(ConvLayers.geometry(layer, s)),
                            DIRS.get(d), n[d], a, b, a / b, n[d] * a / 1e3, n[d] * b / 1e3);
                }
            }
            double sa = 0, sb = 0;
            for (int d = 0; d < 3; d++) {
                sa += totA[d];
                sb += totB[d];
                System.out.printf(Locale.ROOT, "| **all** | | %s | | | | %.2f | %.1f | %.1f |%n", DIRS.get(d), totA[d] / totB[d], totA[d], totB[d]);
            }
            System.out.printf(Locale.ROOT, "| **all** | | all three | | | | %.2f | %.1f | %.1f |%n", sa / sb, sa, sb);
        }
    }

    /** "32x32x320 -> 32x32x160, 2x3" (stride shown when not 1). */
    static String shape(ConvGeom g) {
        return g.h() + "x" + g.w() + "x" + g.cin() + " -> " + g.ho() + "x" + g.wo() + "x" + g.cout() + ", " + g.fh() + "x" + g.fw()
                + (g.stride() != 1 ? " s" + g.stride() : "");
    }

    private static double toMicros(String unit) {
        return switch (unit) {
            case "us/op" -> 1;
            case "ms/op" -> 1e3;
            case "ns/op" -> 1e-3;
            case "s/op" -> 1e6;
            default -> throw new IllegalArgumentException("unexpected JMH unit " + unit);
        };
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
