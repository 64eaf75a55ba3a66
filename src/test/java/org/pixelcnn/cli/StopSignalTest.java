package org.pixelcnn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.io.Checkpoint;
import org.pixelcnn.io.CheckpointReader;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real signals to a training run in a child JVM: SIGINT and SIGTERM finish the current step, write a
 * checkpoint, say where and exit 130 / 143; resuming from that checkpoint gives, bit for bit, the state of
 * a run that was never stopped; a second SIGINT quits at once and leaves every checkpoint already written
 * loadable.
 */
class StopSignalTest {
    private static final Pattern STEP = Pattern.compile("^step (\\d+), ");

    @TempDir
    Path tmp;

    private static String[] trainArgs(Path data, Path save, long maxSteps, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--data_set", "mnist", "--data_dir", data.toString(), "--save_dir", save.toString(),
                "--nr_resnet", "0", "--nr_filters", "4", "--nr_logistic_mix", "2", "--batch_size", "4", "--init_batch_size", "4",
                "--max_steps", Long.toString(maxSteps), "--log_every", "1", "--backend", "cpu", "--progress", "off", "--seed", "3"));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    /** A child JVM running Main with the test classpath. */
    private static Process child(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static void signal(Process p, String sig) throws Exception {
        Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).start();
        assertEquals(0, k.waitFor(), "kill -" + sig);
    }

    /** Reads the child's output until a step line of at least {@code step}; returns what it read. */
    private static String readUntilStep(BufferedReader out, long step) throws IOException {
        StringBuilder all = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null) {
            all.append(line).append('\n');
            Matcher m = STEP.matcher(line);
            if (m.find() && Long.parseLong(m.group(1)) >= step) return all.toString();
        }
        throw new AssertionError("the child ended before step " + step + ":\n" + all);
    }

    private static String rest(BufferedReader out) throws IOException {
        StringBuilder all = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null) all.append(line).append('\n');
        return all.toString();
    }

    private static void assertSameState(Path a, Path b) {
        try (CheckpointReader x = CheckpointReader.open(a); CheckpointReader y = CheckpointReader.open(b)) {
            assertEquals(x.step(), y.step());
            for (String name : x.parameterShapes().keySet())
                for (Checkpoint.Group g : Checkpoint.Group.values())
                    assertArrayEquals(x.read(g, name), y.read(g, name), g + " " + name);
        }
    }

    private void stopAndResume(String sig, int code) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/kill")) || Files.isExecutable(Path.of("/usr/bin/kill")), "no kill command");
        Path data = CliRun.writeMnist(tmp.resolve("mnist"), 512, 8, 8); // 128 steps an epoch
        Path stopped = tmp.resolve("stopped-" + sig), straight = tmp.resolve("straight-" + sig);
        Process p = child(trainArgs(data, stopped, 100_000));
        String head, tail;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            head = readUntilStep(out, 3);
            signal(p, sig);
            tail = rest(out);
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the run ends after the signal");
        assertEquals(code, p.exitValue(), head + tail);
        Matcher m = Pattern.compile("stopped by SIG" + sig + " after step (\\d+); checkpoint (\\S+) \\(resume with --load_params\\)").matcher(tail);
        assertTrue(m.find(), tail);
        long at = Long.parseLong(m.group(1));
        Path ckpt = Path.of(m.group(2));
        assertEquals(stopped.resolve("checkpoint-" + at + ".safetensors"), ckpt);
        List<Path> all = Checkpoint.list(stopped);
        assertEquals(ckpt, all.get(all.size() - 1), "the stop's checkpoint is the latest: " + all);

        long end = at + 3;
        CliRun resumed = CliRun.run(trainArgs(data, stopped, end, "--load_params"));
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("resumed from " + ckpt + " at step " + at), resumed.out());
        assertEquals(0, CliRun.run(trainArgs(data, straight, end)).code());
        assertSameState(straight.resolve("checkpoint-" + end + ".safetensors"), stopped.resolve("checkpoint-" + end + ".safetensors"));
    }

    @Test
    void sigintStopsAfterTheStepWithACheckpointAndResumesBitForBit() throws Exception {
        stopAndResume("INT", 130);
    }

    @Test
    void sigtermDoesTheSameWithExitCode143() throws Exception {
        stopAndResume("TERM", 143);
    }

    @Test
    void aSecondSigintQuitsAtOnceAndLeavesTheCheckpointsLoadable() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/kill")) || Files.isExecutable(Path.of("/usr/bin/kill")), "no kill command");
        Path data = CliRun.writeMnist(tmp.resolve("mnist"), 512, 8, 8); // 128 steps an epoch
        Path dir = tmp.resolve("twice");
        Process p = child(trainArgs(data, dir, 100_000, "--save_every_steps", "2"));
        String tail;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            readUntilStep(out, 5);
            signal(p, "INT");
            signal(p, "INT");
            tail = rest(out);
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(130, p.exitValue(), tail);
        List<Path> left = Checkpoint.list(dir);
        assertTrue(left.size() >= 2, "the checkpoints of steps 2 and 4 at least: " + left);
        for (Path c : left) {
            try (CheckpointReader r = CheckpointReader.open(c)) {
                assertEquals(Checkpoint.stepOf(c), r.step(), c + " is whole");
            }
        }
    }
}
