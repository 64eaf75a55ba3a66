package org.pixelcnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tools/peer_bench.sh says what is missing, all at once and before running anything, with exit code 2;
 * and rejects bad arguments the same way. (A full comparison needs torch and the port: not run here.)
 */
class PeerBenchScriptTest {
    private static final Path SCRIPT = Path.of("tools", "peer_bench.sh");

    private record Run(int exit, String err) {
    }

    private static Run run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("PCNNPP_DIR");
        pb.environment().putAll(env);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "peer_bench.sh did not finish");
        return new Run(p.exitValue(), err);
    }

    @Test
    void listsEveryMissingPieceAndExitsTwo(@TempDir Path tmp) throws Exception {
        Run r = run(Map.of("PYTHON", tmp.resolve("no-python").toString(), "PEER_SCRIPTS", tmp.resolve("no-peer").toString(),
                "PIXELCNN_JAR", tmp.resolve("no.jar").toString()), "--config", "S");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("PCNNPP_DIR is not set"), r.err());
        assertTrue(r.err().contains("no-python' not found"), r.err());
        assertTrue(r.err().contains("no-peer/{bench_port.py"), r.err());
        assertTrue(r.err().contains("no.jar does not exist"), r.err());
    }

    @Test
    void portFolderWithoutTheFilesIsNamed(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("model.py"), "# not the port\n");
        Run r = run(Map.of("PCNNPP_DIR", tmp.toString()), "--config", "S1");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("has no layers.py") && r.err().contains("has no utils.py"), r.err());
        assertTrue(!r.err().contains("has no model.py"), r.err());
    }

    @Test
    void badConfigIsRejected() throws Exception {
        Run r = run(Map.of(), "--config", "XL");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--config must be S, S1, M or D, not 'XL'"), r.err());
    }

    @Test
    void roundsMustBePositive() throws Exception {
        Run r = run(Map.of(), "--config", "S", "--rounds", "0");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--rounds must be a positive integer, not '0'"), r.err());
    }
}
