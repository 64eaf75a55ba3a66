package org.pixelcnn.cli;

import org.pixelcnn.cli.options.CommonOptions;
import org.pixelcnn.io.BadInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code java -jar pixelcnn-engine.jar}: one picocli subcommand per file in this package.
 * A {@link BadInputException} becomes one line on stderr and exit code 2; {@code --verbose} adds the trace
 * and the engine's detailed log lines ({@link Logs}).
 */
@Command(name = "pixelcnn-engine", mixinStandardHelpOptions = true, version = "pixelcnn-engine 0.1.0",
        description = "PixelCNN++ (Salimans et al., ICLR 2017) with hand-written forward and backward passes, on the CPU and on NVIDIA GPUs.",
        subcommands = {
                CommandLine.HelpCommand.class,
                InfoCommand.class,
                DataCommand.class,
                TrainCommand.class,
                SampleCommand.class,
                EvalCommand.class,
                ScoreCommand.class,
                ImportCommand.class,
                SelftestCommand.class,
                BenchCommand.class,
        })
public final class Main implements Runnable {

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    /** Builds the command line with the project's error handling; used by {@link #main} and the tests. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // --verbose also turns on the engine's FINE log lines (Logs), for whichever command carries it.
        cl.setExecutionStrategy(parsed -> {
            Logs.configure(parsed.originalArgs().contains("--verbose"));
            return new CommandLine.RunLast().execute(parsed);
        });
        // A mistyped option or value: one line, as every other bad input, and exit code 2.
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            String msg = String.valueOf(ex.getMessage()).lines().findFirst().orElse("bad arguments");
            cmd.getErr().println("error: " + msg + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean verbose = verbose(cmd);
            Throwable t = ex;
            while (!(t instanceof BadInputException) && !(t instanceof org.pixelcnn.train.TrainingFailure)
                    && t.getCause() != null && t.getCause() != t) t = t.getCause();
            if (t instanceof org.pixelcnn.train.TrainingFailure) {
                cmd.getErr().println("error: " + t.getMessage());
                if (verbose) ex.printStackTrace(cmd.getErr());
                return 3;
            }
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

    /** The --verbose of the command that ran (its {@link CommonOptions} mixin), false for one without it. */
    private static boolean verbose(CommandLine cmd) {
        CommandLine.Model.CommandSpec mixin = cmd.getCommandSpec().mixins().get(CommonOptions.NAME);
        return mixin != null && mixin.userObject() instanceof CommonOptions c && c.verbose();
    }

    public static void main(String[] args) {
        // CPU tensors live in JavaCPP native memory: let them grow past the heap size (the default model
        // at batch 16 needs about 15 GB of activations); the machine's memory is the limit.
        System.setProperty("org.bytedeco.javacpp.maxBytes", "0");
        System.setProperty("org.bytedeco.javacpp.maxPhysicalBytes", "0");
        System.exit(commandLine().execute(args));
    }
}
