package org.pixelcnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.pixelcnn.backend.cuda.CudaProbe;
import org.pixelcnn.cli.Main;
import org.pixelcnn.model.ModelStats;
import picocli.CommandLine;

/** {@code bench} through the real command line on the CPU: its JSON and table, and its one-line errors. */
class BenchCommandTest {

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static double num(JsonObject j, String key) {
        assertTrue(j.has(key) && !j.get(key).isJsonNull(), "missing " + key + " in " + j);
        return j.get(key).getAsDouble();
    }

    @Test
    void jsonOnTheCpuIsConsistentWithTheModelAndItsOwnMedians() {
        Run r = run("bench", "--config", "S1", "--batch", "2", "--steps", "1", "--warmup", "0", "--backend", "cpu", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonObject j = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("S1", j.get("config").getAsString());
        assertEquals("cpu", j.get("backend").getAsString());
        assertEquals("1x28x28", j.get("image").getAsString());
        assertEquals(2, j.get("batch").getAsInt());
        assertEquals(1, j.get("steps").getAsInt());
        assertTrue(j.get("device").isJsonNull() && j.get("train_fraction_of_peak").isJsonNull(), r.out());

        ModelStats stats = ModelStats.of(BenchConfig.named("S1", 2).model());
        assertEquals(stats.params(), j.get("params").getAsLong());
        assertEquals(stats.forwardFlops() / 1e9, num(j, "forward_gflop_per_image"), 1e-12);

        double train = num(j, "train_images_per_s"), sample = num(j, "sample_images_per_s"), naive = num(j, "sample_naive_images_per_s");
        double step = num(j, "step_seconds_median"), fwd = num(j, "forward_seconds_median"), sstep = num(j, "sample_step_seconds_median");
        assertTrue(train > 0 && Double.isFinite(train), r.out());
        assertTrue(sample > 0 && Double.isFinite(sample), r.out());
        assertEquals(2 / step, train, 1e-9 * train);
        assertEquals(2 / num(j, "sample_batch_seconds_median"), sample, 1e-9 * sample);
        assertEquals(2 / num(j, "sample_naive_batch_seconds"), naive, 1e-9 * naive);
        assertEquals(sample / naive, num(j, "sample_cached_over_naive"), 1e-9 * sample / naive);
        // the cached sampler does about one forward pass of work for a batch, the naive one 28*28 cropped ones
        assertTrue(sample > 5 * naive, "cached " + sample + " images/s vs naive " + naive);
        assertTrue(naive > 2 / (sstep * 28 * 28), "the naive sampler's cropped networks cost less than the full one at every position");
        assertEquals(3 * stats.forwardFlops() * 2 / step / 1e9, num(j, "train_gflop_per_s"), 1e-9 * num(j, "train_gflop_per_s"));
        assertTrue(fwd > 0 && fwd <= sstep, "forward " + fwd + " s is part of the sampling step " + sstep + " s");
        assertTrue(step > fwd, "a training step (" + step + " s) costs more than an eval forward pass (" + fwd + " s)");
        // the machine's SGEMM rate and the step's fraction of it: consistent with the step's own GFLOP/s
        double gemm = num(j, "gemm_peak_gflops");
        assertTrue(gemm > 0 && Double.isFinite(gemm), r.out());
        assertEquals(num(j, "train_gflop_per_s") / gemm, num(j, "train_fraction_of_gemm_peak"), 1e-9, r.out());
    }

    @Test
    void profileTableListsTheHeavyOperations() {
        Run r = run("bench", "--config", "S", "--batch", "1", "--steps", "1", "--warmup", "0", "--backend", "cpu", "--profile");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("config S (nr_resnet 1, nr_filters 32, nr_logistic_mix 5, 3x32x32), batch 1"), r.out());
        assertTrue(r.out().contains("per operation, training step"), r.out());
        assertTrue(r.out().contains("per operation, sampling step"), r.out());
        assertTrue(r.out().contains("per operation, cached sampler batch"), r.out());
        for (String op : new String[]{"forward convForward", "backward convBackwardFilter", "backward convBackwardData",
                "update adamPolyak", "forward mixLogisticLoss", "backward concatEluBackward", "mixLogisticSample",
                "gatherWindows", "gatherWindowsTransposed", "transposeTaps"})
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(op + " ")), op + " missing in\n" + r.out());
        // the products carry a GFLOP/s figure, elementwise operations a dash
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("forward convForward ") && l.trim().matches(".*%\\s+[0-9]+\\.[0-9]$")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("forward concatEluForward ") && l.trim().endsWith("-")), r.out());
        assertTrue(r.out().contains("SGEMM peak of this machine on these threads (" + org.pixelcnn.backend.cpu.CpuBackend.gemmEngine() + "): "), r.out());
    }

    @Test
    void unknownConfigIsOneLineExitTwo() {
        Run r = run("bench", "--config", "XL", "--backend", "cpu");
        assertEquals(2, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("'XL'"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void badStepsIsOneLineExitTwo() {
        Run r = run("bench", "--config", "S", "--steps", "0", "--backend", "cpu");
        assertEquals(2, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("--steps"), r.err());
    }

    @Test
    void cudaWithoutGpuIsOneLineReasonExitTwo() {
        CudaProbe probe = CudaProbe.probe();
        assumeFalse(probe.available(), "a usable GPU is present");
        Run r = run("bench", "--config", "S", "--backend", "cuda", "--json");
        assertEquals(2, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().contains(probe.reason()), r.err());
        assertEquals("", r.out());
    }
}
