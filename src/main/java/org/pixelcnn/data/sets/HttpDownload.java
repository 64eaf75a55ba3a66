package org.pixelcnn.data.sets;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Downloads one URL to a file with a progress bar, as the reference's {@code urlretrieve} with its
 * {@code _progress} hook (data/cifar10_data.py). The bytes go to {@code <file>.part}, which is renamed
 * to the file only once complete, so an interrupted download never looks finished.
 */
final class HttpDownload {
    /** Connect timeout: short, so that a machine without network fails fast. */
    static final int CONNECT_TIMEOUT_MS = 15_000;
    /** Longest wait for the next bytes of the body. */
    static final int READ_TIMEOUT_MS = 60_000;

    private HttpDownload() {
    }

    /**
     * Fetches {@code url} into {@code target}.
     *
     * @param log where the progress bar goes (null: none)
     * @throws IOException on any network or file error, with the HTTP status or the short length in the message
     */
    static void fetch(String url, Path target, PrintStream log) throws IOException {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        URLConnection connection = new URL(url).openConnection();
        connection.setConnectTimeout(CONNECT_TIMEOUT_MS);
        connection.setReadTimeout(READ_TIMEOUT_MS);
        if (connection instanceof HttpURLConnection http) {
            http.setInstanceFollowRedirects(true);
            int status = http.getResponseCode();
            if (status != HttpURLConnection.HTTP_OK) throw new IOException("HTTP " + status);
        }
        long length = connection.getContentLengthLong();
        long copied = 0;
        try (InputStream body = connection.getInputStream();
             OutputStream out = Files.newOutputStream(part);
             ProgressBar bar = log == null ? null : progressBar(target.getFileName().toString(), length, log)) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = body.read(buf)) >= 0; ) {
                out.write(buf, 0, r);
                copied += r;
                if (bar != null) bar.stepTo(copied);
            }
        } catch (IOException e) {
            Files.deleteIfExists(part);
            throw e;
        }
        if (length >= 0 && copied != length) {
            Files.deleteIfExists(part);
            throw new IOException("connection closed after " + copied + " of " + length + " bytes");
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static ProgressBar progressBar(String name, long length, PrintStream log) {
        return new ProgressBarBuilder()
                .setTaskName("Downloading " + name)
                .setInitialMax(length)
                .setUnit("MB", 1L << 20)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .showSpeed()
                .setConsumer(new ConsoleProgressBarConsumer(log, 100))
                .build();
    }
}
