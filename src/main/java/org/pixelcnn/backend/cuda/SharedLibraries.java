package org.pixelcnn.backend.cuda;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cheap look-ups around the Linux dynamic linker, so that {@link CudaProbe} can answer "is there a
 * CUDA driver here?" in milliseconds without loading any JavaCPP natives, and can turn a native
 * link error into a sentence that names the missing library.
 */
final class SharedLibraries {

    /** Where {@code dlopen} looks after LD_LIBRARY_PATH and the ld.so cache (glibc defaults plus Debian multiarch and WSL). */
    private static final List<String> DEFAULT_DIRS = List.of(
            "/lib64", "/usr/lib64", "/lib", "/usr/lib",
            "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib/wsl/lib");

    /** Path of the glibc linker cache written by ldconfig. */
    static final Path LD_SO_CACHE = Path.of("/etc/ld.so.cache");

    /** A dlopen message such as "libcuda.so.1: cannot open shared object file: No such file or directory". */
    private static final Pattern MISSING = Pattern.compile("([\\w.+-]+\\.so[\\w.]*): cannot open shared object file");

    /** A dlopen message such as "undefined symbol: cudnnGetVersion". */
    private static final Pattern UNDEFINED = Pattern.compile("undefined symbol: (\\S+)");

    private SharedLibraries() {
    }

    /**
     * Whether the dynamic linker would find the library {@code soname} (e.g. "libcuda.so.1"): a file of that
     * name in a directory of LD_LIBRARY_PATH, of java.library.path or of the default directories, or an
     * entry in /etc/ld.so.cache.
     *
     * @param soname file name of the library, with its version suffix
     * @return where it was found (a directory, or the ld.so cache file), or empty when nowhere
     */
    static Optional<String> find(String soname) {
        List<String> dirs = new ArrayList<>();
        addPathList(dirs, System.getenv("LD_LIBRARY_PATH"));
        addPathList(dirs, System.getProperty("java.library.path"));
        dirs.addAll(DEFAULT_DIRS);
        for (String dir : dirs) {
            if (Files.exists(Path.of(dir, soname))) return Optional.of(dir);
        }
        if (cacheMentions(LD_SO_CACHE, soname)) return Optional.of(LD_SO_CACHE.toString());
        return Optional.empty();
    }

    /** Whether this machine's linker is the glibc one whose search {@link #find} imitates (Linux with an ld.so cache). */
    static boolean linkerSearchKnown() {
        return System.getProperty("os.name", "").toLowerCase().contains("linux") && Files.isReadable(LD_SO_CACHE);
    }

    /**
     * Whether the ld.so cache {@code cache} names {@code soname}: the cache's string table holds each soname
     * and each full path as NUL-terminated strings, so a match is the name followed by NUL and preceded by
     * NUL or '/'.
     */
    static boolean cacheMentions(Path cache, String soname) {
        byte[] data;
        try {
            data = Files.readAllBytes(cache);
        } catch (IOException | SecurityException e) {
            return false;
        }
        byte[] name = soname.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 1; i + name.length < data.length; i++) {
            if (data[i - 1] != 0 && data[i - 1] != '/') continue;
            for (int k = 0; k < name.length; k++) if (data[i + k] != name[k]) continue outer;
            if (data[i + name.length] == 0) return true;
        }
        return false;
    }

    /**
     * One line saying why a native library did not load, from the deepest message in {@code t}'s cause chain
     * that names a missing library ("library not found: libcudart.so.13") or a missing symbol; otherwise the
     * first line of the innermost message.
     *
     * @param t what the load threw (usually an UnsatisfiedLinkError, possibly wrapped)
     * @return one line without a stack trace
     */
    static String explainLinkError(Throwable t) {
        String missing = null, undefined = null, innermost = null;
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String msg = String.valueOf(c.getMessage());
            Matcher m = MISSING.matcher(msg);
            while (m.find()) missing = m.group(1);
            Matcher u = UNDEFINED.matcher(msg);
            if (u.find()) undefined = u.group(1);
            innermost = c.getClass().getSimpleName() + ": " + msg.lines().findFirst().orElse("");
        }
        if (missing != null) return "library not found: " + missing;
        if (undefined != null) return "library too old or mismatched: undefined symbol " + undefined;
        return innermost;
    }

    /** Every message in {@code t}'s cause chain, one per line, for {@code info --verbose}. */
    static String causeChain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (sb.length() > 0) sb.append('\n');
            sb.append(c.getClass().getName()).append(": ").append(c.getMessage());
        }
        return sb.toString();
    }

    private static void addPathList(List<String> dirs, String list) {
        if (list == null) return;
        for (String d : list.split(File.pathSeparator)) if (!d.isEmpty()) dirs.add(d);
    }
}
