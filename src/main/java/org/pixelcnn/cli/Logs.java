package org.pixelcnn.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The engine's log: java.util.logging under the logger {@code org.pixelcnn} (the CUDA backend logs to
 * {@code org.pixelcnn.backend.cuda}), written to stderr one line per record. Warnings (e.g. a cuDNN algorithm
 * taken from a fallback stage) always show, as {@code warning: ...}; the FINE records (the CUDA backend's
 * once-per-geometry cuDNN algorithm choices) only when a command is given {@code --verbose}.
 */
final class Logs {
    private static final Logger ROOT = Logger.getLogger("org.pixelcnn");
    private static ConsoleHandler handler;

    private Logs() {}

    /** Sets the level for this command: FINE with --verbose, INFO otherwise. Safe to call once per command run. */
    static synchronized void configure(boolean verbose) {
        if (handler == null) {
            handler = new ConsoleHandler();
            handler.setLevel(Level.ALL);
            handler.setFormatter(new Formatter() {
                @Override
                public String format(LogRecord r) {
                    String prefix = r.getLevel().intValue() >= Level.WARNING.intValue() ? "warning: " : "";
                    return prefix + formatMessage(r) + System.lineSeparator();
                }
            });
            ROOT.setUseParentHandlers(false);
            ROOT.addHandler(handler);
        }
        ROOT.setLevel(verbose ? Level.FINE : Level.INFO);
    }
}
