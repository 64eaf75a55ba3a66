package org.pixelcnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The engine's log ({@link Logs}): the CUDA backend's once-per-geometry cuDNN choices (FINE) are off by
 * default and on for a command given {@code --verbose}; warnings always show, one line each, as
 * {@code warning: ...}.
 */
class LogsTest {
    private static final Logger CUDA = Logger.getLogger("org.pixelcnn.backend.cuda");

    @AfterEach
    void quiet() {
        Logs.configure(false);
    }

    private static void run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        cl.execute(args);
    }

    @Test
    void verboseTurnsOnTheCudaChoicesAndWarningsAlwaysShow() {
        run("info");
        assertFalse(CUDA.isLoggable(Level.FINE), "cuDNN choices are off by default");
        assertTrue(CUDA.isLoggable(Level.WARNING));
        run("info", "--verbose");
        assertTrue(CUDA.isLoggable(Level.FINE), "--verbose turns them on");
        run("info");
        assertFalse(CUDA.isLoggable(Level.FINE), "and the next command without it turns them off");
    }

    @Test
    void recordsAreOneLineWarningsPrefixed() {
        Logs.configure(false);
        Handler[] hs = Logger.getLogger("org.pixelcnn").getHandlers();
        assertEquals(1, hs.length);
        String nl = System.lineSeparator();
        assertEquals("warning: cuDNN forward ...: fallback" + nl, hs[0].getFormatter().format(new LogRecord(Level.WARNING, "cuDNN forward ...: fallback")));
        assertEquals("cuDNN forward ...: algo 1" + nl, hs[0].getFormatter().format(new LogRecord(Level.FINE, "cuDNN forward ...: algo 1")));
    }
}
