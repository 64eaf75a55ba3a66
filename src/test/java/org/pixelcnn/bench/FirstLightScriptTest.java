package org.pixelcnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tools/gpu/first-light.sh, the prepared first GPU run, fails cheaply before it costs GPU time: it parses
 * (bash -n); an unknown step name is refused with exit 2 naming it and the known ones; a missing jar stops
 * it with exit 2 and still leaves summary.txt and logs.tgz in $OUT (what comes back from the device). Its
 * full run is rehearsed on the CPU by hand (FIRST_LIGHT_REHEARSAL=cpu, about a minute): not here.
 */
class FirstLightScriptTest {
    private static final Path SCRIPT = Path.of("tools", "gpu", "first-light.sh");

    private record Run(int exit, String out, String err) {
    }

    private static Run run(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "first-light.sh did not finish");
        return new Run(p.exitValue(), out, err);
    }

    @Test
    void parses() throws Exception {
        Run r = run(Map.of(), "-n", SCRIPT.toString());
        assertEquals(0, r.exit(), r.err());
    }

    @Test
    void anUnknownStepIsRefusedBeforeAnythingRuns(@TempDir Path out) throws Exception {
        Run r = run(Map.of("OUT", out.toString()), SCRIPT.toString(), "bench", "trian");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("first-light: unknown step 'trian' (steps: info selftest selftest32 bench train train2"), r.err());
        try (var files = Files.list(out)) {
            assertEquals(0, files.count(), "nothing ran");
        }
    }

    @Test
    void aMissingJarStopsItAndTheSummaryStillComesBack(@TempDir Path out) throws Exception {
        Run r = run(Map.of("OUT", out.toString(), "PIXELCNN_JAR", out.resolve("no.jar").toString()), SCRIPT.toString(), "info");
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("no jar at " + out.resolve("no.jar")), r.out());
        assertTrue(Files.readString(out.resolve("summary.txt")).startsWith("first light: "), Files.readString(out.resolve("summary.txt")));
        assertTrue(Files.size(out.resolve("logs.tgz")) > 0);
    }
}
