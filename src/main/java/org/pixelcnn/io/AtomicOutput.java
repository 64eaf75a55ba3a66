package org.pixelcnn.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An output file written to a temporary file in the same folder ({@code .<name>-<random>.tmp}) and renamed
 * over its name by {@link #commit} after an fsync, so that a reader never sees a half-written file and a
 * crash leaves the previous file (a checkpoint, a grid, a log) as it was; closing without commit deletes
 * the temporary file. The one place the engine writes a file atomically: checkpoints, sample grids, .npy
 * files, plots, score files and the metrics log's rewrite go through it. The file gets the permissions a
 * new file gets under the process's umask (not the owner-only ones of a JDK temporary file).
 */
public final class AtomicOutput implements AutoCloseable {
    private final Path target;
    private final Path tmp;
    private final FileChannel channel;
    private final OutputStream out;
    private boolean committed;

    private AtomicOutput(Path target, Path tmp, FileChannel channel) {
        this.target = target;
        this.tmp = tmp;
        this.channel = channel;
        this.out = new java.io.BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
    }

    /**
     * Opens a new temporary file beside {@code target}.
     *
     * @throws BadInputException naming the target when its folder is missing or not writable
     */
    public static AtomicOutput open(Path target) {
        Path dir = target.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new BadInputException(target + ": cannot write it, folder " + dir + " does not exist");
        try {
            for (int attempt = 0; ; attempt++) {
                Path tmp = dir.resolve("." + target.getFileName() + "-" + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
                try {
                    return new AtomicOutput(target, tmp, FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
                } catch (FileAlreadyExistsException taken) {
                    if (attempt > 100) throw taken;
                }
            }
        } catch (IOException e) {
            throw new BadInputException(target + ": cannot write it (" + e.getMessage() + ")", e);
        }
    }

    /** The stream to write the file's bytes to (buffered). */
    public OutputStream stream() {
        return out;
    }

    /** The channel of the temporary file, for writers that need one (flush {@link #stream()} first if both are used). */
    public FileChannel channel() {
        return channel;
    }

    /** The file's final name. */
    public Path target() {
        return target;
    }

    /**
     * Flushes, forces the bytes to the disk, closes and renames the temporary file over the target, then
     * forces the folder (where the platform can), so the rename survives a crash too.
     *
     * @throws BadInputException naming the target on an I/O error (the target is then untouched)
     */
    public void commit() {
        try {
            out.flush();
            channel.force(true);
            out.close();
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            committed = true;
        } catch (IOException e) {
            throw failed(e);
        }
        try (FileChannel d = FileChannel.open(target.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // not every platform can sync a folder; the rename itself is atomic
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
