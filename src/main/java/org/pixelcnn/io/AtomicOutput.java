package org.pixelcnn.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * An output file written to a temporary file in the same folder and renamed over its name by
 * {@link #commit}, so that a reader never sees a half-written file and a failed run leaves none: closing
 * without commit deletes the temporary file.
 */
public final class AtomicOutput implements AutoCloseable {
    private final Path target;
    private final Path tmp;
    private final OutputStream out;
    private boolean committed;

    private AtomicOutput(Path target, Path tmp, OutputStream out) {
        this.target = target;
        this.tmp = tmp;
        this.out = out;
    }

    /**
     * Opens a buffered stream to a new temporary file beside {@code target}.
     *
     * @throws BadInputException naming the target when its folder is missing or not writable
     */
    public static AtomicOutput open(Path target) {
        Path dir = target.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new BadInputException(target + ": cannot write it, folder " + dir + " does not exist");
        try {
            Path tmp = Files.createTempFile(dir, "." + target.getFileName() + "-", ".tmp");
            return new AtomicOutput(target, tmp, new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16));
        } catch (IOException e) {
            throw new BadInputException(target + ": cannot write it (" + e.getMessage() + ")", e);
        }
    }

    /** The stream to write the file's bytes to. */
    public OutputStream stream() {
        return out;
    }

    /** The file's final name. */
    public Path target() {
        return target;
    }

    /**
     * Flushes, closes and renames the temporary file over the target.
     *
     * @throws BadInputException naming the target on an I/O error
     */
    public void commit() {
        try {
            out.close();
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            committed = true;
        } catch (IOException e) {
            throw new BadInputException(target + ": cannot write it (" + e.getMessage() + ")", e);
        }
    }

    /** Without a commit: closes and deletes the temporary file. */
    @Override
    public void close() {
        if (committed) return;
        try {
            out.close();
        } catch (IOException ignored) {
            // the file is discarded anyway
        }
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // a leftover ".name-*.tmp" is harmless
        }
    }

    /** Wraps an I/O error while writing as a one-line BadInputException naming the target. */
    public BadInputException failed(IOException e) {
        return new BadInputException(target + ": cannot write it (" + e.getMessage() + ")", e);
    }
}
