package org.pixelcnn;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The repository carries everything its tests need and names no path of one particular machine: no
 * tracked file (sources, tests, scripts, docs, fixtures) contains a home or workspace folder: root's home,
 * a user's home under home or Users, a workspace root, or a Windows drive (see {@link #MACHINE_PATH}; its
 * literal forms are not written here, or this comment would match).
 * System locations every Debian machine has (/usr/share/datasets, /usr/local/cuda) are fine. The patterns
 * are assembled from pieces, so this file does not match itself.
 */
class RepositoryPathsTest {
    private static final Pattern MACHINE_PATH = Pattern.compile("(?<![\\w.])(/" + "root/|/" + "home/[A-Za-z]|/" + "Users/|/" + "work/|[A-Z]:\\\\" + "\\\\?[A-Za-z])");

    /** The files git tracks, from the repository root (Maven's working directory). */
    private static List<Path> trackedFiles() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("git", "ls-files", "-z").redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "git ls-files");
        List<Path> files = new ArrayList<>();
        for (String name : out.split("\0")) if (!name.isEmpty()) files.add(Path.of(name));
        return files;
    }

    @Test
    void noTrackedFileNamesAPathOfOneMachine() throws Exception {
        List<Path> files = trackedFiles();
        assertTrue(files.size() > 100, "git ls-files found only " + files.size() + " files: run from the repository root of a clone");
        List<String> found = new ArrayList<>();
        for (Path f : files) {
            if (!Files.isRegularFile(f) || Files.size(f) > 4 << 20) continue;
            String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                Matcher m = MACHINE_PATH.matcher(lines[i]);
                if (m.find()) found.add(f + ":" + (i + 1) + ": " + lines[i].strip());
            }
        }
        assertEquals(List.of(), found, "paths of one machine in tracked files:\n" + String.join("\n", found));
    }

    @Test
    void thePatternFindsWhatItLooksFor() {
        for (String bad : new String[]{"cd /" + "work/main", "\"/" + "root/.m2\"", "/" + "home/alice/data", "C:" + "\\Users\\bob"})
            assertTrue(MACHINE_PATH.matcher(bad).find(), bad);
        for (String ok : new String[]{"/usr/share/datasets/fashion-mnist", "/usr/local/cuda/bin", "../shared/device/pack.sh", "a/work/b.java"})
            assertTrue(!MACHINE_PATH.matcher(ok).find(), ok);
    }
}
