package org.pixelcnn.cli;

import org.pixelcnn.io.BadInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code java -jar pixelcnn-engine.jar}: one picocli subcommand per file in this package.
 * A {@link BadInputException} becomes one line on stderr and exit code 2; {@code --verbose} adds the trace.
 */
@Command(name = "pixelcnn-engine", mixinStandardHelpOptions = true, version = "pixelcnn-engine 0.1.0",
        description = "PixelCNN++ (Salimans et al., ICLR 2017) with hand-written forward and backward passes, on the CPU and on NVIDIA GPUs.",
        subcommands = {
                CommandLine.HelpCommand.class,
                InfoCommand.class,
                SelftestCommand.class,
        })
public final class Main implements Runnable {

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    /** Builds the command line with the project's error handling; used by {@link #main} and the tests. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean verbose = parsed.originalArgs().contains("--verbose");
            Throwable t = ex;
            while (!(t instanceof BadInputException) && t.getCause() != null && t.getCause() != t) t = t.getCause();
            if (t instanceof BadInputException) {
                cmd.getErr().println("error: " + t.getMessage());
                if (verbose) ex.printStackTrace(cmd.getErr());
                return 2;
            }
            cmd.getErr().println("error: " + ex);
            if (verbose) ex.printStackTrace(cmd.getErr());
            else cmd.getErr().println("(run again with --verbose for the stack trace)");
            return 1;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
