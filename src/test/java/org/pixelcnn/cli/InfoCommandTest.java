package org.pixelcnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pixelcnn.backend.cuda.CudaProbe;
import org.pixelcnn.backend.cuda.FatbinInfo;
import picocli.CommandLine;

/** {@code info} through the real command line: exit code, no stack traces, the facts it must show, its JSON, its speed. */
class InfoCommandTest {

    /** What one run of the command line printed. */
    private record Run(int exit, String out, String err, long millis) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        long t0 = System.nanoTime();
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString(), (System.nanoTime() - t0) / 1_000_000);
    }

    /** True where an NVIDIA driver is installed, so that CUDA may legitimately be usable. */
    private static boolean gpuMachine() {
        return Files.exists(Path.of("/proc/driver/nvidia/version")) || Files.exists(Path.of("/dev/nvidia0"));
    }

    @Test
    void textReportIsCompleteFastAndHasNoStackTrace() {
        Run r = run("info");
        assertEquals(0, r.exit(), r.err());
        String all = r.out() + r.err();
        assertFalse(all.contains("Exception"), all);
        assertFalse(all.contains("\tat "), all);
        assertTrue(r.out().contains(System.getProperty("java.version")), r.out());
        assertTrue(r.out().contains(Runtime.getRuntime().availableProcessors() + " cores"), r.out());
        assertTrue(r.millis() < 2000, "info took " + r.millis() + " ms");

        List<String> cudaLines = r.out().lines().filter(l -> l.startsWith("cuda ")).toList();
        assertEquals(1, cudaLines.size(), r.out());
        CudaProbe probe = CudaProbe.probe();
        if (!probe.available()) {
            assertTrue(cudaLines.get(0).contains("not usable: " + probe.reason()), cudaLines.get(0));
            assertFalse(probe.reason().isBlank() || probe.reason().contains("\n"), probe.reason());
        }
        if (!gpuMachine()) {
            assertTrue(cudaLines.get(0).contains("not usable: no NVIDIA driver: libcuda.so.1 not found"), cudaLines.get(0));
        }
        String kernels = r.out().lines().filter(l -> l.startsWith("kernels ")).findFirst().orElseThrow();
        assertEquals(FatbinInfo.fromJar().isPresent(), kernels.contains("pixelcnn_kernels.fatbin in the jar"), kernels);
    }

    @Test
    void jsonReportParsesAndCarriesTheSameFacts() {
        Run r = run("info", "--json");
        assertEquals(0, r.exit(), r.err());
        assertFalse((r.out() + r.err()).contains("\tat "), r.out() + r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(System.getProperty("java.version"), o.get("java_version").getAsString());
        assertEquals(Runtime.getRuntime().availableProcessors(), o.get("cpu_cores").getAsInt());
        assertEquals(Runtime.getRuntime().maxMemory(), o.get("max_heap_bytes").getAsLong());
        assertTrue(o.has("openblas_config") || o.has("openblas_error"), r.out());
        if (o.has("openblas_config")) assertTrue(o.get("openblas_config").getAsString().startsWith("OpenBLAS "), r.out());
        CudaProbe probe = CudaProbe.probe();
        assertEquals(probe.available(), o.get("cuda_available").getAsBoolean());
        assertEquals(probe.gpus().size(), o.getAsJsonArray("gpus").size());
        assertEquals(FatbinInfo.fromJar().isPresent(), o.get("kernels_in_jar").getAsBoolean());

        assumeFalse(gpuMachine(), "an NVIDIA driver is present: CUDA may be usable here");
        assertFalse(o.get("cuda_available").getAsBoolean());
        assertTrue(o.get("cuda_reason").getAsString().contains("libcuda.so.1"), r.out());
    }

    @Test
    void kernelTargetsInJsonMatchTheFatbinInTheJar() {
        FatbinInfo k = FatbinInfo.fromJar().orElse(null);
        assumeFalse(k == null, "the build had no nvcc: no kernels in the jar");
        JsonObject o = JsonParser.parseString(run("info", "--json").out()).getAsJsonObject();
        assertEquals(k.bytes(), o.get("kernels_bytes").getAsLong());
        String[] targets = new String[o.getAsJsonArray("kernels_targets").size()];
        for (int i = 0; i < targets.length; i++) targets[i] = o.getAsJsonArray("kernels_targets").get(i).getAsString();
        assertEquals(k.targets(), Arrays.asList(targets));
    }

    @Test
    void verboseAddsNoStackTraceAndUnknownOptionIsAUsageError() {
        Run v = run("info", "--verbose");
        assertEquals(0, v.exit(), v.err());
        assertFalse(v.out().contains("\tat "), v.out());
        Run bad = run("info", "--no-such-option");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--no-such-option"), bad.err());
    }
}
