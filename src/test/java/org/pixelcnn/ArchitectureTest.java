package org.pixelcnn;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The floors of the engine (ARCHITECTURE.md): every package of src/main/java names (in an import, a
 * qualified name or a {@code {@link}}) only packages on its own floor or below. From the ground up:
 * io, backend (the floor of the engine: every numeric kernel, CPU and CUDA), data, model, sample, train,
 * bench, selftest, cli. Inside backend, the CPU backend (the oracle) knows nothing of CUDA (the CUDA
 * side names its CPU twins; the factory {@code backend/Backends} knows both); inside data, file formats
 * and the loader know nothing of data sets, nor of each other. A violation names the file, the line and the package it reaches up to.
 */
class ArchitectureTest {
    /** Top-level packages, lowest floor first. */
    static final List<String> FLOORS = List.of("io", "backend", "data", "model", "sample", "train", "bench", "selftest", "cli");

    /** Sub-packages that must not name each other (file's package -> forbidden package prefixes). */
    static final Map<String, List<String>> APART = Map.of(
            "backend.cpu", List.of("backend.cuda"),
            "data.format", List.of("data.sets", "data.loader"),
            "data.loader", List.of("data.sets", "data.format"));

    private static final Pattern REF = Pattern.compile("org\\.pixelcnn\\.([a-z]+(?:\\.[a-z]+)*)");
    private static final Pattern PACKAGE = Pattern.compile("^package org\\.pixelcnn\\.([a-z.]+);", Pattern.MULTILINE);

    private static List<Path> mainSources() throws IOException {
        try (Stream<Path> s = Files.walk(Path.of("src", "main", "java", "org", "pixelcnn"))) {
            return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    /** The references of one source file (package pkg, text) that run up a floor or across a wall. */
    static List<String> violations(String file, String pkg, String text) {
        List<String> out = new ArrayList<>();
        int floor = FLOORS.indexOf(pkg.split("\\.")[0]);
        if (floor < 0) {
            out.add(file + ": package " + pkg + " is on no floor of " + FLOORS + " (add it to ARCHITECTURE.md and here)");
            return out;
        }
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("package ")) continue;
            Matcher m = REF.matcher(lines[i]);
            while (m.find()) {
                String target = m.group(1);
                int to = FLOORS.indexOf(target.split("\\.")[0]);
                if (to > floor) out.add(file + ":" + (i + 1) + ": " + pkg + " (floor " + floor + ") names " + target + " (floor " + to + ")");
                for (String apart : APART.getOrDefault(pkg, List.of()))
                    if (target.equals(apart) || target.startsWith(apart + "."))
                        out.add(file + ":" + (i + 1) + ": " + pkg + " names " + target + ", which it must not know");
            }
        }
        return out;
    }

    @Test
    void noPackageNamesAPackageAboveIt() throws IOException {
        List<String> violations = new ArrayList<>();
        List<Path> files = mainSources();
        for (Path f : files) {
            String text = Files.readString(f, StandardCharsets.UTF_8);
            Matcher pm = PACKAGE.matcher(text);
            assertTrue(pm.find(), f + " has no org.pixelcnn package line");
            violations.addAll(violations(f.toString(), pm.group(1), text));
        }
        assertTrue(files.size() > 100, "found only " + files.size() + " sources: run from the repository root");
        assertEquals(List.of(), violations, "imports that run back up:\n" + String.join("\n", violations));
    }

    @Test
    void theCheckCatchesUpwardAndSidewaysReferences() {
        String up = "package org.pixelcnn.backend;\nimport org.pixelcnn.train.TrainStep;\n";
        assertEquals(1, violations("Up.java", "backend", up).size(), "an import of train/ from backend/");
        String doc = "package org.pixelcnn.model;\n/** see {@link org.pixelcnn.sample.Sampler} */\n";
        assertEquals(1, violations("Doc.java", "model", doc).size(), "a javadoc link up counts too");
        String side = "package org.pixelcnn.backend.cpu;\nimport org.pixelcnn.backend.cuda.CudaBackend;\n";
        assertEquals(1, violations("Side.java", "backend.cpu", side).size(), "the CPU backend must not know the CUDA one");
        String down = "package org.pixelcnn.train;\nimport org.pixelcnn.model.PixelCnnPP;\nimport org.pixelcnn.io.Checkpoint;\n";
        assertEquals(List.of(), violations("Down.java", "train", down));
    }

    @Test
    void everyPackageSaysWhatLivesThereAndWhatItMayImport() throws IOException {
        List<String> missing = new ArrayList<>();
        try (Stream<Path> dirs = Files.walk(Path.of("src", "main", "java", "org", "pixelcnn"))) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                boolean hasJava;
                try (Stream<Path> s = Files.list(d)) {
                    hasJava = s.anyMatch(p -> p.toString().endsWith(".java") && !p.getFileName().toString().equals("package-info.java"));
                }
                if (!hasJava) continue;
                Path info = d.resolve("package-info.java");
                if (!Files.exists(info)) {
                    missing.add(d + ": no package-info.java");
                    continue;
                }
                String text = Files.readString(info);
                if (!text.contains("May import:")) missing.add(info + ": does not say what the package may import (\"May import:\")");
            }
        }
        assertEquals(List.of(), missing, String.join("\n", missing));
    }
}
