package org.pixelcnn.selftest;

import org.pixelcnn.backend.cuda.CudaProbe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.pixelcnn.cli.Main;
import picocli.CommandLine;

/**
 * {@code selftest} where the CUDA backend cannot start (this build machine): one line with CudaProbe's
 * reason and a non-zero exit; bad options are one-line user errors (exit 2) before any probing.
 */
class SelftestNoGpuTest {

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

    @Test
    void withoutAUsableGpuPrintsTheProbesReasonAndFails() {
        CudaProbe probe = CudaProbe.probe();
        assumeFalse(probe.available(), "a usable GPU is present: the selftest would run (see CudaParityTest)");
        Run r = run("selftest", "--backend", "cuda");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertEquals("selftest: CUDA not usable: " + probe.reason(), r.out().strip());
        assertTrue(r.err().isEmpty(), r.err());
        Run tf32 = run("selftest", "--precision", "tf32");
        assertEquals(1, tf32.exit());
        assertEquals(r.out(), tf32.out());
    }

    @Test
    void badOptionsAreOneLineUserErrors() {
        Run backend = run("selftest", "--backend", "cpu");
        assertEquals(2, backend.exit());
        assertEquals("error: selftest: --backend must be cuda or auto (the CPU backend is the reference), not 'cpu'", backend.err().strip());
        Run precision = run("selftest", "--precision", "fp16");
        assertEquals(2, precision.exit());
        assertEquals("error: --precision must be fp32 or tf32, not 'fp16'", precision.err().strip());
        Run gib = run("selftest", "--arena_gib", "x");
        assertEquals(2, gib.exit());
        assertTrue(gib.err().startsWith("error: ") && gib.err().contains("--arena_gib"), gib.err());
        Run oldSpelling = run("selftest", "--arena-gib", "x");
        assertEquals(2, oldSpelling.exit(), "the old spelling --arena-gib is still an option");
        assertTrue(oldSpelling.err().contains("--arena-gib"), oldSpelling.err());
    }
}
