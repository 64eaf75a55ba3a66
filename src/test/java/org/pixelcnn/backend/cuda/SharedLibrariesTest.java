package org.pixelcnn.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The linker look-ups and link-error explanations behind {@link CudaProbe}'s one-line reasons. */
class SharedLibrariesTest {

    @Test
    void cacheMatchesWholeSonamesOnly(@TempDir Path dir) throws IOException {
        Path cache = dir.resolve("ld.so.cache");
        Files.write(cache, "glibc-ld.so.cache1.1\0libfoo.so.1\0/usr/lib/x86_64-linux-gnu/libbar.so.2\0".getBytes(StandardCharsets.US_ASCII));
        assertTrue(SharedLibraries.cacheMentions(cache, "libfoo.so.1"));
        assertTrue(SharedLibraries.cacheMentions(cache, "libbar.so.2"));   // as the tail of a full path
        assertFalse(SharedLibraries.cacheMentions(cache, "libfoo.so"));    // a prefix is not the soname
        assertFalse(SharedLibraries.cacheMentions(cache, "oo.so.1"));      // nor is a suffix
        assertFalse(SharedLibraries.cacheMentions(dir.resolve("missing"), "libfoo.so.1"));
    }

    @Test
    void findsALibraryInADirectoryOfJavaLibraryPath(@TempDir Path dir) throws IOException {
        String name = "libpce-probe-test.so.7";
        assertEquals(Optional.empty(), SharedLibraries.find(name));
        Files.write(dir.resolve(name), new byte[] {0x7f, 'E', 'L', 'F'});
        String saved = System.getProperty("java.library.path");
        try {
            System.setProperty("java.library.path", dir.toString());
            assertEquals(Optional.of(dir.toString()), SharedLibraries.find(name));
        } finally {
            System.setProperty("java.library.path", saved);
        }
    }

    @Test
    void namesTheMissingLibraryFromTheNestedLinkError() {
        // The shape JavaCPP throws when libjnicudart.so cannot find the driver (seen on a machine without one).
        UnsatisfiedLinkError inner = new UnsatisfiedLinkError("/tmp/javacpp-cache/x.jar/org/bytedeco/cuda/linux-x86_64/libjnicudart.so: "
                + "libcuda.so.1: cannot open shared object file: No such file or directory");
        UnsatisfiedLinkError outer = new UnsatisfiedLinkError("no jnicudart in java.library.path: /usr/lib");
        outer.initCause(inner);
        assertEquals("library not found: libcuda.so.1", SharedLibraries.explainLinkError(outer));
        assertEquals("library not found: libcudnn_graph.so.9", SharedLibraries.explainLinkError(
                new UnsatisfiedLinkError("/c/libjnicudnn.so: libcudnn_graph.so.9: cannot open shared object file: No such file or directory")));
        assertEquals("library too old or mismatched: undefined symbol cudnnGetVersion_v9", SharedLibraries.explainLinkError(
                new UnsatisfiedLinkError("/c/libjnicudnn.so: undefined symbol: cudnnGetVersion_v9")));
        assertEquals("UnsatisfiedLinkError: /c/libcuda.so.1: file too short", SharedLibraries.explainLinkError(
                new UnsatisfiedLinkError("/c/libcuda.so.1: file too short\nsecond line")));
        String chain = SharedLibraries.causeChain(outer);
        assertEquals(2, chain.lines().count(), chain);
        assertTrue(chain.contains("libcuda.so.1"), chain);
    }
}
