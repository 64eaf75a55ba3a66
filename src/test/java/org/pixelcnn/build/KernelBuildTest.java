package org.pixelcnn.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.backend.cuda.FatbinInfo;

/**
 * tools/build-kernels.sh, the nvcc step of the Maven build: with nvcc it makes a fatbin holding SASS for
 * sm_80 and sm_90 and PTX for compute_90, and fails on a warning; without nvcc it says once that the jar
 * has no GPU kernels and succeeds.
 */
class KernelBuildTest {

    private static final Path ROOT = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    private static final Path SCRIPT = ROOT.resolve("tools/build-kernels.sh");

    /** What a script run printed (stdout and stderr together) and its exit code. */
    private record Result(int exit, String output) {
    }

    private static Result bash(Map<String, String> env, List<String> removeEnv, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(ROOT.toFile());
        removeEnv.forEach(pb.environment()::remove);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "script timed out");
        return new Result(p.exitValue(), out);
    }

    /** nvcc as the script finds it: PCE_NVCC, PATH, $CUDA_HOME/bin, /usr/local/cuda/bin. */
    private static Optional<Path> nvcc() {
        String forced = System.getenv("PCE_NVCC");
        if (forced != null) return forced.equals("none") ? Optional.empty() : Optional.of(Path.of(forced));
        List<Path> candidates = new ArrayList<>();
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) candidates.add(Path.of(d, "nvcc"));
        if (System.getenv("CUDA_HOME") != null) candidates.add(Path.of(System.getenv("CUDA_HOME"), "bin", "nvcc"));
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /** cuobjdump from nvcc's own bin directory (or the usual CUDA homes), if this CUDA install has it. */
    private static Optional<Path> cuobjdump(Path nvcc) {
        List<Path> dirs = new ArrayList<>();
        dirs.add(nvcc.toAbsolutePath().getParent());
        try {
            dirs.add(nvcc.toRealPath().getParent());
        } catch (IOException ignored) {
            // a dangling link: the other places still count
        }
        if (System.getenv("CUDA_HOME") != null) dirs.add(Path.of(System.getenv("CUDA_HOME"), "bin"));
        dirs.add(Path.of("/usr/local/cuda/bin"));
        return dirs.stream().map(d -> d.resolve("cuobjdump")).filter(Files::isExecutable).findFirst();
    }

    @Test
    void withNvccBuildsSassForSm80AndSm90AndPtxForCompute90(@TempDir Path out) throws Exception {
        Optional<Path> nvcc = nvcc();
        assumeTrue(nvcc.isPresent(), "no nvcc on this machine");
        Result r = bash(Map.of(), List.of(), SCRIPT.toString(), ROOT.resolve("src/main/cuda").toString(), out.toString());
        assertEquals(0, r.exit(), r.output());
        Path fatbin = out.resolve("pixelcnn_kernels.fatbin");
        assertTrue(Files.size(fatbin) > 0, "empty fatbin");
        List<String> targets = FatbinInfo.parse(Files.readAllBytes(fatbin), fatbin.toString()).targets();
        assertTrue(targets.containsAll(List.of("sm_80", "sm_90", "compute_90")), targets.toString());

        Optional<Path> dump = cuobjdump(nvcc.get());
        if (dump.isPresent()) { // cross-check our header reader against NVIDIA's tool
            Result d = bash(Map.of(), List.of(), "-c", "\"$0\" --list-elf --list-ptx \"$1\"", dump.get().toString(), fatbin.toString());
            assertEquals(0, d.exit(), d.output());
            List<String> elf = d.output().lines().filter(l -> l.startsWith("ELF file")).collect(Collectors.toList());
            List<String> ptx = d.output().lines().filter(l -> l.startsWith("PTX file")).collect(Collectors.toList());
            assertTrue(elf.stream().anyMatch(l -> l.contains("sm_80")) && elf.stream().anyMatch(l -> l.contains("sm_90")), d.output());
            assertTrue(ptx.stream().anyMatch(l -> l.contains("sm_90")), d.output());
            assertEquals(targets.size(), elf.size() + ptx.size(), d.output());
        }
    }

    @Test
    void withNvccAWarningFailsTheBuild(@TempDir Path tmp) throws Exception {
        assumeTrue(nvcc().isPresent(), "no nvcc on this machine");
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("warns.cu"), "extern \"C\" __global__ void warns(float* y) {\n"
                + "  int unused = 3;\n  y[threadIdx.x] = 1.f;\n}\n");
        Result r = bash(Map.of(), List.of(), SCRIPT.toString(), src.toString(), tmp.resolve("out").toString());
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("unused"), r.output());
        assertFalse(Files.exists(tmp.resolve("out/pixelcnn_kernels.fatbin")), "a failed build left a fatbin");
    }

    @Test
    void withoutNvccSaysOnceThatThereAreNoGpuKernelsAndSucceeds(@TempDir Path tmp) throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path stale = Files.writeString(out.resolve("pixelcnn_kernels.fatbin"), "stale kernels from an older build");
        String pathWithoutNvcc = Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator))
                .filter(d -> !Files.isExecutable(Path.of(d, "nvcc"))).collect(Collectors.joining(File.pathSeparator));
        Result r = bash(Map.of("PATH", pathWithoutNvcc, "PCE_NVCC", "none"), List.of("CUDA_HOME"),
                SCRIPT.toString(), ROOT.resolve("src/main/cuda").toString(), out.toString());
        assertEquals(0, r.exit(), r.output());
        List<String> lines = r.output().lines().filter(l -> !l.isBlank()).collect(Collectors.toList());
        assertEquals(1, lines.size(), r.output());
        assertTrue(lines.get(0).contains("nvcc not found") && lines.get(0).contains("no GPU kernels"), r.output());
        assertFalse(Files.exists(stale), "the old fatbin must not stay to be packed into the jar");
    }
}
