package org.pixelcnn.data.sets;

import org.pixelcnn.data.Fixtures;
import org.pixelcnn.data.PickleWriter;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.io.BadInputException;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CifarDatasetTest {
    @TempDir
    Path tmp;

    @AfterEach
    void clearUrl() {
        System.clearProperty(CifarDataset.URL_PROPERTY);
    }

    /** The training split is batches 1..5 in order, the test split test_batch. */
    private static void assertCifarFixture(Dataset ds, int perBatch) {
        assertEquals(5 * perBatch, ds.train().count());
        assertEquals(perBatch, ds.test().count());
        int maxLabel = 0;
        for (int b = 0; b <= 5; b++) for (int y : Fixtures.cifarLabels(b, perBatch)) maxLabel = Math.max(maxLabel, y);
        assertEquals(maxLabel + 1, ds.numLabels());
        for (int b = 1; b <= 5; b++) {
            byte[] chw = Fixtures.cifarChw(b, perBatch);
            int[] y = Fixtures.cifarLabels(b, perBatch);
            for (int i = 0; i < perBatch; i++) {
                int at = (b - 1) * perBatch + i;
                assertEquals(y[i], ds.train().label(at));
                assertEquals(chw[i * 3072 + 2 * 1024 + 5 * 32 + 7] & 0xff, ds.train().pixel(at, 5, 7, 2));
                assertEquals(chw[i * 3072 + 31 * 32 + 31] & 0xff, ds.train().pixel(at, 31, 31, 0));
            }
        }
        assertArrayEquals(Fixtures.cifarLabels(0, perBatch), ds.test().labels());
    }

    @Test
    void findsTheOriginalLayoutAndTheDirectOne() {
        Fixtures.writeCifarPy(tmp.resolve("a/cifar-10-python/cifar-10-batches-py"), 3, true);
        Fixtures.writeCifarPy(tmp.resolve("b/cifar-10-batches-py"), 3, false);
        Fixtures.writeCifarPy(tmp.resolve("c"), 3, true);
        for (String d : new String[] {"a", "b", "c"}) assertCifarFixture(CifarDataset.load(tmp.resolve(d), false, null), 3);
    }

    @Test
    void readsTheBinaryBatches() {
        Fixtures.writeCifarBin(tmp.resolve("cifar-10-batches-bin"), 2);
        Dataset ds = CifarDataset.load(tmp, false, null);
        assertTrue(ds.where().endsWith("cifar-10-batches-bin"));
        assertCifarFixture(ds, 2);
    }

    private static byte[] archive(int perBatch) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        for (int b = 0; b <= 5; b++) {
            String name = "cifar-10-batches-py/" + (b == 0 ? "test_batch" : "data_batch_" + b);
            entries.put(name, PickleWriter.cifarBatch(true, false, Fixtures.cifarChw(b, perBatch), perBatch, Fixtures.cifarLabels(b, perBatch)));
        }
        entries.put("cifar-10-batches-py/readme.html", "<html/>".getBytes());
        return Fixtures.tarGz(entries);
    }

    @Test
    void unpacksAnArchiveFoundInTheFolder() {
        Fixtures.write(tmp.resolve("cifar-10-python/cifar-10-python.tar.gz"), archive(2));
        assertCifarFixture(CifarDataset.load(tmp, false, null), 2);
        assertTrue(Files.isRegularFile(tmp.resolve("cifar-10-python/cifar-10-batches-py/data_batch_5")));
    }

    @Test
    void truncatedArchiveLeavesNothingBehind() throws IOException {
        byte[] whole = archive(2);
        Path tar = tmp.resolve("cifar-10-python.tar.gz");
        Fixtures.write(tar, Arrays.copyOf(whole, whole.length / 2));
        BadInputException e = assertThrows(BadInputException.class, () -> CifarDataset.load(tmp, false, null));
        assertTrue(e.getMessage().startsWith(tar + ": truncated or corrupt tar.gz"), e.getMessage());
        try (var list = Files.list(tmp)) {
            assertEquals(1, list.count(), "only the archive remains");
        }
    }

    @Test
    void downloadsFromTheUrlWhenMissing() throws IOException {
        byte[] body = archive(2);
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/cifar-10-python.tar.gz", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            System.setProperty(CifarDataset.URL_PROPERTY, "http://127.0.0.1:" + server.getAddress().getPort() + "/cifar-10-python.tar.gz");
            Path dir = tmp.resolve("data");
            Files.createDirectories(dir);
            assertCifarFixture(CifarDataset.load(dir, true, null), 2);
            assertArrayEquals(body, Files.readAllBytes(dir.resolve("cifar-10-python/cifar-10-python.tar.gz")));
            assertCifarFixture(CifarDataset.load(dir, true, null), 2);
            assertEquals(1, requests.get(), "the second load finds the unpacked files");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void offlineDownloadSaysWhereToPutTheFiles() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        System.setProperty(CifarDataset.URL_PROPERTY, "http://127.0.0.1:" + port + "/cifar-10-python.tar.gz");
        BadInputException e = assertThrows(BadInputException.class, () -> CifarDataset.load(tmp, true, null));
        String m = e.getMessage();
        assertTrue(m.startsWith(tmp.resolve("cifar-10-python/cifar-10-python.tar.gz") + ": cannot download http://127.0.0.1:" + port), m);
        assertTrue(m.contains("put it, or its unpacked cifar-10-batches-py folder, in " + tmp.resolve("cifar-10-python")), m);
        assertFalse(m.contains("\n"));
        assertFalse(Files.exists(tmp.resolve("cifar-10-python/cifar-10-python.tar.gz.part")));
    }

    @Test
    void noDownloadRefusesAndSaysWhere() {
        BadInputException e = assertThrows(BadInputException.class, () -> CifarDataset.load(tmp, false, null));
        assertTrue(e.getMessage().startsWith(tmp + ": no CIFAR-10 batches"), e.getMessage());
        assertTrue(e.getMessage().contains("--no_download"), e.getMessage());
    }

    @Test
    void missingBatchIsNamed() throws IOException {
        Path dir = tmp.resolve("cifar-10-batches-py");
        Fixtures.writeCifarPy(dir, 1, true);
        Files.delete(dir.resolve("data_batch_4"));
        BadInputException e = assertThrows(BadInputException.class, () -> CifarDataset.load(tmp, false, null));
        assertEquals(dir.resolve("data_batch_4") + ": missing CIFAR-10 batch file", e.getMessage());
    }
}
