package org.pixelcnn.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Host-side check of the Java/CUDA boundary: every kernel the Java side launches ({@link Kernel}) is
 * defined as {@code extern "C" __global__ void NAME(...)} in src/main/cuda/*.cu with the parameter
 * signature Java passes (P pointer, I int, L long long, F float, D double); names are unique across the
 * unity build; the backend's own kernel files launch nothing the Java side does not know and name their
 * CPU twins.
 */
class KernelTableTest {
    private static final Path CUDA = Path.of(System.getProperty("basedir", System.getProperty("user.dir")), "src/main/cuda");
    private static final Pattern KERNEL = Pattern.compile("extern\\s+\"C\"\\s+__global__\\s+void\\s+(\\w+)\\s*\\(([^)]*)\\)");
    /** Kernel files of other parts of the engine, whose other kernels are launched elsewhere (train). */
    private static final Set<String> OTHER_OWNERS = Set.of("adam_polyak.cu", "allreduce.cu", "mix_logistic.cu");

    /** Defined kernels: name to (file, signature). */
    private static final Map<String, String[]> defined = new HashMap<>();

    @BeforeAll
    static void parse() throws IOException {
        try (Stream<Path> files = Files.list(CUDA)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".cu")).sorted().collect(Collectors.toList())) {
                Matcher m = KERNEL.matcher(Files.readString(f));
                while (m.find()) {
                    String[] prev = defined.put(m.group(1), new String[]{f.getFileName().toString(), signature(m.group(2))});
                    assertTrue(prev == null, "kernel " + m.group(1) + " defined in both " + (prev == null ? "" : prev[0]) + " and " + f.getFileName());
                }
            }
        }
    }

    /** The one-letter signature of a C parameter list. */
    static String signature(String params) {
        StringBuilder sig = new StringBuilder();
        for (String raw : params.split(",")) {
            String p = raw.trim().replaceAll("\\s+", " ");
            if (p.isEmpty()) continue;
            if (p.contains("*")) {
                sig.append('P');
                continue;
            }
            String type = p.replaceAll("\\bconst\\b", "").trim();
            type = type.substring(0, type.lastIndexOf(' ')).trim(); // drop the parameter name
            sig.append(switch (type) {
                case "int" -> 'I';
                case "long long", "unsigned long long", "long long int" -> 'L';
                case "float" -> 'F';
                case "double" -> 'D';
                default -> throw new AssertionError("unsupported kernel parameter type '" + type + "' in (" + params + ")");
            });
        }
        return sig.toString();
    }

    @Test
    void signatureParserReadsCParameterLists() {
        assertEquals("PPLF", signature("float* __restrict__ dst, const float* src, long long n, float alpha"));
        assertEquals("PIDL", signature("const double* part, int chunks, double x, unsigned long long key"));
        assertEquals("", signature(""));
    }

    @Test
    void everyKernelIsDefinedWithTheSignatureJavaPasses() {
        for (Kernel k : Kernel.values()) {
            String[] d = defined.get(k.cname);
            assertNotNull(d, "kernel " + k.cname + " (" + k + ") is launched from Java but not defined in src/main/cuda");
            assertEquals(k.signature, d[1], "signature of " + k.cname + " in " + d[0]);
        }
    }

    @Test
    void theBackendsOwnKernelFilesDefineOnlyLaunchedKernelsAndNameTheirCpuTwins() throws IOException {
        Set<String> launched = Stream.of(Kernel.values()).map(k -> k.cname).collect(Collectors.toSet());
        for (Map.Entry<String, String[]> e : defined.entrySet()) {
            if (OTHER_OWNERS.contains(e.getValue()[0])) continue;
            assertTrue(launched.contains(e.getKey()), "kernel " + e.getKey() + " in " + e.getValue()[0] + " is never launched (not in Kernel)");
        }
        List<Path> own;
        try (Stream<Path> files = Files.list(CUDA)) {
            own = files.filter(p -> p.toString().endsWith(".cu") && !OTHER_OWNERS.contains(p.getFileName().toString())).toList();
        }
        assertFalse(own.isEmpty());
        for (Path f : own) assertTrue(Files.readString(f).contains("CPU twin"), f.getFileName() + " does not name the CPU twins of its kernels");
    }
}
