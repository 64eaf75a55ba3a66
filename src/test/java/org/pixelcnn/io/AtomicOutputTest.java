package org.pixelcnn.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The one atomic write of the engine: the target appears whole or not at all, the previous file stays as
 * it was until the rename, no temporary file is left behind, and the file gets the permissions of any new
 * file under the umask (a checkpoint or grid others can read where the umask allows it; JDK temporary
 * files are owner-only).
 */
class AtomicOutputTest {
    @TempDir
    Path tmp;

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.sorted().toList();
        }
    }

    @Test
    void commitReplacesTheTargetAndLeavesNoTemporaryFile() throws IOException {
        Path f = tmp.resolve("a.txt");
        Files.writeString(f, "old");
        try (AtomicOutput out = AtomicOutput.open(f)) {
            out.stream().write("new".getBytes(StandardCharsets.UTF_8));
            assertEquals("old", Files.readString(f), "the old file until the rename");
            out.commit();
        }
        assertEquals("new", Files.readString(f));
        assertEquals(List.of(f), files());
    }

    @Test
    void withoutCommitTheOldFileStaysAndTheTemporaryOneGoes() throws IOException {
        Path f = tmp.resolve("b.txt");
        Files.writeString(f, "old");
        assertThrows(IllegalStateException.class, () -> {
            try (AtomicOutput out = AtomicOutput.open(f)) {
                out.stream().write("half".getBytes(StandardCharsets.UTF_8));
                throw new IllegalStateException("a crash before the commit");
            }
        });
        assertEquals("old", Files.readString(f));
        assertEquals(List.of(f), files());
        BadInputException e = assertThrows(BadInputException.class, () -> AtomicOutput.open(tmp.resolve("none/c.txt")));
        assertTrue(e.getMessage().startsWith(tmp.resolve("none/c.txt") + ": cannot write it, folder "), e.getMessage());
    }

    @Test
    void permissionsAreThoseOfANewFile() throws IOException {
        assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "not a POSIX file system");
        Path plain = tmp.resolve("plain.txt"), atomic = tmp.resolve("atomic.txt");
        Files.writeString(plain, "x"); // what the umask gives a new file
        try (AtomicOutput out = AtomicOutput.open(atomic)) {
            out.stream().write('x');
            out.commit();
        }
        Set<PosixFilePermission> want = Files.getPosixFilePermissions(plain);
        assertEquals(want, Files.getPosixFilePermissions(atomic));
    }
}
