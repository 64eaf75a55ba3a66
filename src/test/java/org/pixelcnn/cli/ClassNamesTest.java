package org.pixelcnn.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pixelcnn.data.Fixtures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Class names travel with a run: a folder data set's class sub-folders name its classes, `data` prints the
 * table, the checkpoint records them, `sample --label` takes a name, and a renamed class folder (which
 * silently swaps labels, since labels follow the sorted names) is refused by eval and by a resumed run.
 */
class ClassNamesTest {
    @TempDir
    Path tmp;

    private Path folder(String... classes) {
        Path dir = tmp.resolve("pets");
        for (int c = 0; c < classes.length; c++)
            for (int i = 0; i < 6; i++) {
                String split = i < 5 ? "train" : "test";
                Fixtures.writeImage(dir.resolve(split + "/" + classes[c] + "/" + i + ".png"), Fixtures.grayImage(c * 10 + i, 8, 8), "png");
            }
        return dir;
    }

    private static String[] train(Path data, Path save, int maxSteps, String... extra) {
        String[] base = {"train", "--data_set", "folder", "--data_dir", data.toString(), "--save_dir", save.toString(), "--class_conditional",
                "--nr_resnet", "0", "--nr_filters", "4", "--nr_logistic_mix", "2", "--batch_size", "4", "--init_batch_size", "4",
                "--max_steps", Integer.toString(maxSteps), "--backend", "cpu", "--progress", "off", "--num_samples", "0"};
        String[] a = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, a, base.length, extra.length);
        return a;
    }

    @Test
    void namesAreRecordedUsedAndChecked() throws IOException {
        Path data = folder("cat", "dog", "dress");
        CliRun info = CliRun.run("data", "--data_set", "folder", "--data_dir", data.toString(), "--json");
        assertEquals(0, info.code(), info.err());
        JsonArray names = JsonParser.parseString(info.out()).getAsJsonObject().getAsJsonArray("class_names");
        assertEquals("[\"cat\",\"dog\",\"dress\"]", names.toString());
        String text = CliRun.run("data", "--data_set", "folder", "--data_dir", data.toString()).out();
        assertTrue(text.contains("   2          dress"), text);

        Path save = tmp.resolve("save");
        CliRun t = CliRun.run(train(data, save, 2));
        assertEquals(0, t.code(), t.err());

        // --label by name or index: the same images
        Path a = tmp.resolve("a.npy"), b = tmp.resolve("b.npy");
        assertEquals(0, CliRun.run("sample", "--checkpoint", save.toString(), "--count", "2", "--label", "dress", "--seed", "3",
                "--out", tmp.resolve("a.png").toString(), "--uint8", a.toString(), "--backend", "cpu").code());
        assertEquals(0, CliRun.run("sample", "--checkpoint", save.toString(), "--count", "2", "--label", "2", "--seed", "3",
                "--out", tmp.resolve("b.png").toString(), "--uint8", b.toString(), "--backend", "cpu").code());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));

        // rename a class folder: the labels of "dog" and "dress" would swap without a word; eval and resume refuse
        Files.move(data.resolve("train/dress"), data.resolve("train/apron"));
        Files.move(data.resolve("test/dress"), data.resolve("test/apron"));
        CliRun eval = CliRun.run("eval", "--checkpoint", save.toString(), "--data_dir", data.toString(), "--backend", "cpu");
        assertEquals(2, eval.code(), eval.err());
        assertEquals("error: " + data + ": its classes are not those the class-conditional model in " + save.resolve("checkpoint-2.safetensors")
                + " was trained on: class 0 is 'apron', the run's class 0 is 'cat'", eval.err().strip());
        CliRun resume = CliRun.run(train(data, save, 4, "--load_params"));
        assertEquals(2, resume.code());
        assertTrue(resume.err().contains("the data set is not the run's: class 0 is 'apron', the run's class 0 is 'cat'"), "err: " + resume.err() + " out: " + resume.out());
    }
}
