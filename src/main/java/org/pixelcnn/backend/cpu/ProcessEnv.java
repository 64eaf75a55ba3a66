package org.pixelcnn.backend.cpu;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The C library's {@code setenv}, bound by JavaCPP (its Maven plugin compiles the JNI glue when the jar is
 * built, where a C++ compiler is present): Java cannot change its own process environment, and OpenMP
 * reads its settings from there once, when its library loads. Used for one thing: {@code OMP_NUM_THREADS=1}
 * (unless the user set it) before oneDNN's OpenMP loads, so that each {@code dnnl_sgemm} runs on the thread
 * that calls it and the backend's own threads split the work, as with OpenBLAS (oneDNN's default, a team of
 * every core per call, oversubscribes the cores while the backend's threads call it at once: 20% slower
 * steps on config S). Where the glue is missing (a build without a compiler), {@link #available} is false
 * and nothing is set.
 */
@Platform(include = "<stdlib.h>")
public final class ProcessEnv {
    /** Whether the native glue loaded. */
    public static final boolean available;

    static {
        boolean ok;
        try {
            Loader.load();
            ok = true;
        } catch (Throwable missing) { // UnsatisfiedLinkError: the jar was built without a C++ compiler
            ok = false;
        }
        available = ok;
    }

    private ProcessEnv() {}

    /** setenv(3): 0 on success; with overwrite 0 an existing value is kept. */
    public static native int setenv(String name, String value, int overwrite);

    /**
     * Sets {@code name=value} in the process environment unless it is set already.
     *
     * @return false when the native glue is missing or setenv failed
     */
    public static boolean setIfUnset(String name, String value) {
        return available && setenv(name, value, 0) == 0;
    }
}
