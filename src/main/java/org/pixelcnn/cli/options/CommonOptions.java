package org.pixelcnn.cli.options;

import picocli.CommandLine.Option;

/**
 * The option every command has: {@code --verbose}. {@code Main}'s error handler reads it (stack traces of
 * errors), and so does its execution strategy (the engine's FINE log lines, {@code cli/Logs}: the CUDA
 * backend's cuDNN algorithm choices); info and data read it too (info: the native loader messages behind a CUDA problem; data:
 * where the files were found). Mixed into each command under the name {@value #NAME}.
 */
public final class CommonOptions {
    /** The mixin name the commands give this group ({@code @Mixin(name = CommonOptions.NAME)}). */
    public static final String NAME = "common";

    @Option(names = "--verbose", description = "More detail: stack traces of errors; CUDA: the cuDNN algorithm chosen per convolution geometry; info: the native loader messages; data: where the files were found")
    boolean verbose;

    /** Whether --verbose was given. */
    public boolean verbose() {
        return verbose;
    }
}
