package org.pixelcnn.cli;

import org.pixelcnn.train.Trainer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What Ctrl-C (SIGINT) and SIGTERM do to {@code train}: the first asks the trainer to stop after the step it
 * is in and write a checkpoint ({@link Trainer#requestStop}; train then exits 130 or 143, as a shell expects of
 * a run ended by that signal); a second one exits at once with that code, without writing anything (the last
 * good checkpoint stays as it is: checkpoints are written to a temporary file and renamed). Uses the JDK's
 * {@code sun.misc.Signal} (module jdk.unsupported), the standard way to handle a signal without ending the JVM.
 */
final class StopSignals {
    private static final Map<String, Integer> CODES = Map.of("INT", 130, "TERM", 143);
    private static final Map<String, SignalHandler> previous = new java.util.HashMap<>();

    private StopSignals() {}

    /** The exit code of a run stopped for {@code reason} ("SIGINT": 130, "SIGTERM": 143; otherwise 1). */
    static int exitCode(String reason) {
        return CODES.getOrDefault(reason.replaceFirst("^SIG", ""), 1);
    }

    /** Routes SIGINT and SIGTERM to trainer; messages go to err. */
    static synchronized void install(Trainer trainer, PrintStream err) {
        AtomicInteger count = new AtomicInteger();
        for (String name : CODES.keySet()) {
            SignalHandler h = sig -> {
                String reason = "SIG" + sig.getName();
                if (count.incrementAndGet() == 1) {
                    trainer.requestStop(reason);
                    err.println();
                    err.println(reason + ": stopping after this step and writing a checkpoint (" + reason + " again quits at once, without one)");
                    err.flush();
                } else {
                    err.println(reason + " again: quitting now; the last checkpoint written is untouched");
                    err.flush();
                    Runtime.getRuntime().halt(exitCode(reason));
                }
            };
            try {
                previous.put(name, Signal.handle(new Signal(name), h));
            } catch (IllegalArgumentException e) {
                // the signal cannot be handled here (another platform): the default action stays
            }
        }
    }

    /** Restores the handlers that were there before {@link #install}. */
    static synchronized void uninstall() {
        for (Map.Entry<String, SignalHandler> e : previous.entrySet()) {
            try {
                Signal.handle(new Signal(e.getKey()), e.getValue());
            } catch (IllegalArgumentException ignored) {
                // nothing was installed
            }
        }
        previous.clear();
    }
}
