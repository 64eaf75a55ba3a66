package org.pixelcnn.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Writes the safetensors format (huggingface/safetensors, "format" section of its README):
 * <pre>
 *   8 bytes   N, the header size, unsigned little-endian
 *   N bytes   UTF-8 JSON object: {"__metadata__": {string: string}, name: {"dtype": "F32", "shape": [..],
 *             "data_offsets": [begin, end)}, ...}, padded with spaces so that 8 + N is a multiple of 8
 *   rest      the tensors' bytes, little-endian, row-major, contiguous in the order given, offsets relative
 *             to the start of this byte buffer
 * </pre>
 * Tensors are streamed through a 1 MiB buffer; nothing is copied whole.
 */
public final class SafetensorsWriter {
    /** A test hook: called after every chunk of bytes handed to the channel; throwing simulates a crash. */
    @FunctionalInterface
    public interface WriteHook {
        /** @param bytesWritten bytes of the file written so far */
        void afterWrite(long bytesWritten) throws IOException;
    }

    /** Key of the optional string-to-string map in the header. */
    public static final String METADATA_KEY = "__metadata__";

    private static final int CHUNK = 1 << 20;
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private SafetensorsWriter() {
    }

    /**
     * Writes a whole safetensors file to the channel from its current position.
     *
     * @param channel  an open, writable channel (not closed, not forced here)
     * @param tensors  name to tensor, written in iteration order; no name may be {@value #METADATA_KEY}
     * @param metadata string-to-string map for the header's {@value #METADATA_KEY} (left out when empty)
     * @param hook     called after each chunk written; null for none
     * @return bytes written
     * @throws IOException              on a write failure (or one thrown by the hook)
     * @throws IllegalArgumentException for a reserved or empty tensor name
     */
    public static long write(FileChannel channel, Map<String, SafetensorsTensor> tensors, Map<String, String> metadata,
                             WriteHook hook) throws IOException {
        byte[] header = header(tensors, metadata);
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        long[] written = {0};
        buf.putLong(header.length);
        int h = 0;
        while (h < header.length) {
            int n = Math.min(buf.remaining(), header.length - h);
            buf.put(header, h, n);
            h += n;
            if (!buf.hasRemaining()) flush(channel, buf, written, hook);
        }
        for (SafetensorsTensor t : tensors.values()) {
            switch (t.dtype()) {
                case F32 -> {
                    FloatBuffer src = ((FloatBuffer) t.data()).duplicate();
                    while (src.hasRemaining()) {
                        if (buf.remaining() < Float.BYTES) flush(channel, buf, written, hook);
                        int n = Math.min(buf.remaining() / Float.BYTES, src.remaining());
                        FloatBuffer dst = buf.asFloatBuffer();
                        dst.put(src.slice(src.position(), n));
                        src.position(src.position() + n);
                        buf.position(buf.position() + n * Float.BYTES);
                    }
                }
                case F64 -> {
                    DoubleBuffer src = ((DoubleBuffer) t.data()).duplicate();
                    while (src.hasRemaining()) {
                        if (buf.remaining() < Double.BYTES) flush(channel, buf, written, hook);
                        int n = Math.min(buf.remaining() / Double.BYTES, src.remaining());
                        buf.asDoubleBuffer().put(src.slice(src.position(), n));
                        src.position(src.position() + n);
                        buf.position(buf.position() + n * Double.BYTES);
                    }
                }
                case I64 -> {
                    LongBuffer src = ((LongBuffer) t.data()).duplicate();
                    while (src.hasRemaining()) {
                        if (buf.remaining() < Long.BYTES) flush(channel, buf, written, hook);
                        int n = Math.min(buf.remaining() / Long.BYTES, src.remaining());
                        buf.asLongBuffer().put(src.slice(src.position(), n));
                        src.position(src.position() + n);
                        buf.position(buf.position() + n * Long.BYTES);
                    }
                }
                case U8 -> {
                    ByteBuffer src = ((ByteBuffer) t.data()).duplicate();
                    while (src.hasRemaining()) {
                        if (!buf.hasRemaining()) flush(channel, buf, written, hook);
                        int n = Math.min(buf.remaining(), src.remaining());
                        buf.put(src.slice(src.position(), n));
                        src.position(src.position() + n);
                    }
                }
                default -> throw new IllegalArgumentException("cannot write dtype " + t.dtype());
            }
        }
        flush(channel, buf, written, hook);
        return written[0];
    }

    /**
     * The header bytes: JSON, then spaces up to a multiple of 8 (the 8-byte length prefix keeps the data
     * 8-byte aligned).
     */
    static byte[] header(Map<String, SafetensorsTensor> tensors, Map<String, String> metadata) {
        JsonObject root = new JsonObject();
        if (metadata != null && !metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach((k, v) -> meta.addProperty(k, v));
            root.add(METADATA_KEY, meta);
        }
        long offset = 0;
        for (Map.Entry<String, SafetensorsTensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name.isEmpty() || name.equals(METADATA_KEY)) throw new IllegalArgumentException("bad tensor name '" + name + "'");
            SafetensorsTensor t = e.getValue();
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", t.dtype().name());
            JsonArray shape = new JsonArray();
            for (long d : t.shape()) shape.add(d);
            entry.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offset += t.byteLength();
            offsets.add(offset);
            entry.add("data_offsets", offsets);
            root.add(name, entry);
        }
        byte[] json = GSON.toJson(root).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) out[i] = ' ';
        return out;
    }

    private static void flush(FileChannel channel, ByteBuffer buf, long[] written, WriteHook hook) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) written[0] += channel.write(buf);
        buf.clear();
        if (hook != null) hook.afterWrite(written[0]);
    }
}
