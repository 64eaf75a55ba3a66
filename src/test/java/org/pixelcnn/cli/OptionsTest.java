package org.pixelcnn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.data.sets.DatasetKind;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The option groups the commands share (cli/options): one --verbose read in one place, one --backend and
 * --precision with one default, the data-set options with help made from the data-set kinds, the model
 * flags validated once (by ModelConfig) with messages naming the flag and value; bad values of train's
 * own numbers name the one flag that is wrong.
 */
class OptionsTest {
    @TempDir
    Path tmp;

    private static void oneLine(CliRun r, String expect) {
        assertEquals(2, r.code(), r.err());
        assertEquals(expect, r.err().strip());
    }

    @Test
    void trainNamesTheOneFlagThatIsWrong() {
        Path data = CliRun.writeMnist(tmp.resolve("mnist"), 8, 4, 8);
        String[] base = {"train", "--data_set", "mnist", "--data_dir", data.toString(), "--save_dir", tmp.resolve("s").toString(),
                "--backend", "cpu", "--progress", "off"};
        oneLine(run(base, "--batch_size", "-4"), "error: --batch_size must be >= 1, not -4");
        oneLine(run(base, "--nr_gpu", "0"), "error: --nr_gpu must be >= 1, not 0");
        oneLine(run(base, "--save_interval", "0"), "error: --save_interval must be >= 1, not 0");
        oneLine(run(base, "--max_steps", "-1"), "error: --max_steps must be >= 0, not -1");
        oneLine(run(base, "--nr_resnet", "-1"), "error: --nr_resnet must be >= 0, not -1");
        oneLine(run(base, "--nr_filters", "0"), "error: --nr_filters must be >= 1, not 0");
        oneLine(run(base, "--dropout_p", "1"), "error: --dropout_p must be in [0, 1), not 1.0");
        oneLine(run(base, "--resnet_nonlinearity", "tanh"), "error: --resnet_nonlinearity 'tanh' is not supported (concat_elu, elu, relu)");
        oneLine(run(base, "--precision", "fp16"), "error: --precision must be fp32 or tf32, not 'fp16'");
        oneLine(run(base, "--lr_decay", "1.5"), "error: --lr_decay must be in (0, 1], not 1.5");
    }

    @Test
    void imagesNotDivisibleBy4GetTheCropOrPadMessage() {
        Path data = CliRun.writeMnist(tmp.resolve("odd"), 8, 4, 10);
        CliRun r = CliRun.run("train", "--data_set", "mnist", "--data_dir", data.toString(), "--save_dir", tmp.resolve("s").toString(),
                "--backend", "cpu", "--nr_resnet", "0", "--nr_filters", "4");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("images are 10x10 but PixelCNN++ needs height and width divisible by 4"), r.err());
        assertTrue(r.err().contains("crop or pad them, e.g. to 12x12"), r.err());
    }

    @Test
    void verboseIsReadFromTheSharedOptionOfEveryCommand() {
        for (String cmd : List.of("train", "eval", "sample", "data", "bench", "selftest", "info")) {
            String help = CliRun.run(cmd, "--help").out();
            assertTrue(help.contains("--verbose"), cmd + " has --verbose:\n" + help);
        }
        // an error in eval with --verbose: the stack trace follows the one line; without it, none
        Path missing = tmp.resolve("no-checkpoint");
        CliRun quiet = CliRun.run("eval", "--checkpoint", missing.toString(), "--backend", "cpu");
        assertEquals(2, quiet.code());
        assertFalse(quiet.err().contains("\tat "), quiet.err());
        CliRun verbose = CliRun.run("eval", "--checkpoint", missing.toString(), "--backend", "cpu", "--verbose");
        assertEquals(2, verbose.code());
        assertTrue(verbose.err().startsWith("error: ") && verbose.err().contains("\tat "), verbose.err());
    }

    @Test
    void dataSetHelpListsEveryKindAndBackendOptionsAreShared() {
        for (String cmd : List.of("train", "eval", "data")) {
            String help = CliRun.run(cmd, "--help").out().replaceAll("\\s+", " "); // picocli wraps long descriptions
            for (String kind : new DatasetKind.Names()) assertTrue(help.contains(kind), cmd + " --help lacks " + kind + ":\n" + help);
            assertTrue(help.contains("--no_download") && help.contains("--data_dir"), help);
        }
        for (String cmd : List.of("train", "eval", "sample", "bench", "selftest")) {
            String help = CliRun.run(cmd, "--help").out().replaceAll("\\s+", " ");
            assertTrue(help.contains("--backend") && help.contains("--precision"), cmd + ":\n" + help);
            assertTrue(help.contains("tf32 where every GPU has compute capability 8.0 or newer, else fp32"), cmd + ": one default\n" + help);
        }
    }

    @Test
    void everyFlagIsInTheOriginalsUnderscoreStyle() {
        for (String cmd : List.of("train", "eval", "sample", "data", "bench", "selftest", "info")) {
            picocli.CommandLine sub = Main.commandLine().getSubcommands().get(cmd);
            for (picocli.CommandLine.Model.OptionSpec o : sub.getCommandSpec().options()) {
                if (o.hidden()) continue; // the old spelling --arena-gib, kept as a hidden alias
                for (String name : o.names()) {
                    boolean standard = name.equals("--help") || name.equals("--version");
                    assertTrue(standard || !name.startsWith("--") || !name.substring(2).contains("-"), cmd + " " + name);
                }
            }
        }
    }

    private static CliRun run(String[] base, String... extra) {
        String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return CliRun.run(args);
    }
}
