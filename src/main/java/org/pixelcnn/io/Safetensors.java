package org.pixelcnn.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Entry points for the safetensors format (https://github.com/huggingface/safetensors): whole-file write
 * ({@link SafetensorsWriter} does the layout) and open-then-read ({@link SafetensorsFile} validates).
 * Dtypes the engine reads and writes: F32 (float[]), F64 (double[]), I64 (long[]), U8 (byte[]).
 */
public final class Safetensors {
    private Safetensors() {
    }

    /**
     * Writes (creating or replacing) a safetensors file. Not atomic by itself; see {@link Checkpoint} for that.
     *
     * @param path     the file
     * @param tensors  name to tensor, laid out in iteration order
     * @param metadata the header's {@code __metadata__} (may be empty)
     * @throws IOException on a write failure
     */
    public static void write(Path path, Map<String, SafetensorsTensor> tensors, Map<String, String> metadata) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            SafetensorsWriter.write(ch, tensors, metadata, null);
        }
    }

    /**
     * Reads a whole file into memory (for small files and tests; checkpoints use {@link SafetensorsFile#open}).
     *
     * @param path the file
     * @return name to tensor, in header order
     * @throws BadInputException "PATH: problem" when the file is not valid safetensors or holds a dtype outside F32/F64/I64/U8
     */
    public static Map<String, SafetensorsTensor> readAll(Path path) {
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            Map<String, SafetensorsTensor> out = new LinkedHashMap<>();
            for (String name : f.names()) out.put(name, f.read(name));
            return out;
        }
    }

    /**
     * @param path the file
     * @return its {@code __metadata__} map (empty when absent)
     * @throws BadInputException when the file is not valid safetensors
     */
    public static Map<String, String> readMetadata(Path path) {
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            return new LinkedHashMap<>(f.metadata());
        }
    }
}
