package org.pixelcnn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * An open safetensors file whose header has been read and validated ({@link SafetensorsHeader}); tensor data
 * is read on demand, one tensor at a time, so a large checkpoint can be copied straight into a flat
 * parameter block without a second copy in memory. Reads are synchronized (one at a time). Close it when done.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Header size limit, as in the reference implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final SafetensorsHeader header;
    private ByteBuffer chunk; // reused read buffer

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, SafetensorsHeader header) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.header = header;
    }

    /**
     * Opens and validates a file.
     *
     * @param path the file
     * @return the open file
     * @throws BadInputException "PATH: problem" when the file is missing, unreadable, or not valid safetensors
     */
    public static SafetensorsFile open(Path path) {
        if (Files.isDirectory(path)) throw SafetensorsHeader.bad(path, "is a directory, not a safetensors file");
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw SafetensorsHeader.bad(path, "no such file");
        } catch (IOException e) {
            throw SafetensorsHeader.bad(path, "cannot open (" + e + ")");
        }
        try {
            long size = size(ch, path);
            if (size < 8) throw SafetensorsHeader.bad(path, "too short (" + size + " bytes) for a safetensors file");
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0, path);
            long n = len.getLong(0);
            if (n < 0 || n > size - 8) { // a file of another kind, or a truncated one: the JSON header's first byte tells
                ByteBuffer first = ByteBuffer.allocate(1);
                if (size > 8) readFully(ch, first, 8, path);
                if (size > 8 && first.get(0) != '{') throw SafetensorsHeader.bad(path, "not safetensors: no JSON header after the first 8 bytes");
                throw SafetensorsHeader.bad(path, "header length " + Long.toUnsignedString(n) + " exceeds the file size " + size + " (truncated?)");
            }
            if (n > MAX_HEADER_BYTES) throw SafetensorsHeader.bad(path, "header length " + n + " is over the " + MAX_HEADER_BYTES + "-byte limit");
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8, path);
            SafetensorsHeader header = SafetensorsHeader.parse(path, hb.array(), size - 8 - n);
            return new SafetensorsFile(path, ch, 8 + n, header);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** @return the file */
    public Path path() {
        return path;
    }

    /** @return the header's {@code __metadata__} (empty when absent), in file order */
    public Map<String, String> metadata() {
        return header.metadata;
    }

    /** @return the tensor names in header order */
    public Set<String> names() {
        return header.entries.keySet();
    }

    /** @return whether the file has a tensor of this name */
    public boolean contains(String name) {
        return header.entries.containsKey(name);
    }

    /** @return the dtype of tensor {@code name}. @throws BadInputException when the file has no such tensor */
    public SafetensorsDtype dtype(String name) {
        return entry(name).dtype();
    }

    /** @return a copy of the shape of tensor {@code name}. @throws BadInputException when the file has no such tensor */
    public long[] shape(String name) {
        return entry(name).shape().clone();
    }

    /**
     * Reads an F32 tensor into {@code dst} at absolute index {@code dstOffset} (dst's position is untouched).
     *
     * @throws BadInputException        when the tensor is missing or not F32, or the file cannot be read
     * @throws IndexOutOfBoundsException when dst is too short
     */
    public synchronized void readFloats(String name, FloatBuffer dst, int dstOffset) {
        SafetensorsHeader.Entry e = typed(name, SafetensorsDtype.F32);
        long count = e.elementCount();
        if (dstOffset < 0 || dstOffset + count > dst.limit())
            throw new IndexOutOfBoundsException("tensor '" + name + "' (" + count + " floats) does not fit at " + dstOffset + " in a buffer of limit " + dst.limit());
        if (chunk == null) chunk = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer buf = chunk;
        long pos = dataStart + e.begin();
        int at = dstOffset;
        long left = e.end() - e.begin();
        while (left > 0) {
            buf.clear().limit((int) Math.min(buf.capacity(), left));
            readFully(channel, buf, pos, path);
            buf.flip();
            FloatBuffer f = buf.asFloatBuffer();
            int n = f.remaining();
            dst.put(at, f, 0, n);
            at += n;
            pos += (long) n * Float.BYTES;
            left -= (long) n * Float.BYTES;
        }
    }

    /** @return the elements of an F32 tensor. @throws BadInputException when missing, of another dtype, or too large for an array */
    public float[] readFloats(String name) {
        float[] out = new float[arrayLength(name, SafetensorsDtype.F32)];
        readFloats(name, FloatBuffer.wrap(out), 0);
        return out;
    }

    /** @return the elements of an F64 tensor. @throws BadInputException when missing, of another dtype, or too large */
    public double[] readDoubles(String name) {
        double[] out = new double[arrayLength(name, SafetensorsDtype.F64)];
        raw(name).asDoubleBuffer().get(out);
        return out;
    }

    /** @return the elements of an I64 tensor. @throws BadInputException when missing, of another dtype, or too large */
    public long[] readLongs(String name) {
        long[] out = new long[arrayLength(name, SafetensorsDtype.I64)];
        raw(name).asLongBuffer().get(out);
        return out;
    }

    /** @return the elements of a U8 tensor. @throws BadInputException when missing, of another dtype, or too large */
    public byte[] readBytes(String name) {
        byte[] out = new byte[arrayLength(name, SafetensorsDtype.U8)];
        raw(name).get(out);
        return out;
    }

    /** @return the tensor as a {@link SafetensorsTensor} (F32, F64, I64 or U8). @throws BadInputException otherwise */
    public SafetensorsTensor read(String name) {
        SafetensorsHeader.Entry e = entry(name);
        return switch (e.dtype()) {
            case F32 -> SafetensorsTensor.f32(e.shape(), readFloats(name));
            case F64 -> SafetensorsTensor.f64(e.shape(), readDoubles(name));
            case I64 -> SafetensorsTensor.i64(e.shape(), readLongs(name));
            case U8 -> SafetensorsTensor.u8(e.shape(), readBytes(name));
            default -> throw SafetensorsHeader.bad(path, "tensor '" + name + "' has dtype " + e.dtype() + ", which this engine does not read");
        };
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private ByteBuffer raw(String name) {
        SafetensorsHeader.Entry e = entry(name);
        ByteBuffer buf = ByteBuffer.allocate((int) (e.end() - e.begin())).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, buf, dataStart + e.begin(), path);
        buf.flip();
        return buf;
    }

    private int arrayLength(String name, SafetensorsDtype dtype) {
        SafetensorsHeader.Entry e = typed(name, dtype);
        long bytes = e.end() - e.begin();
        if (bytes > Integer.MAX_VALUE - 16)
            throw SafetensorsHeader.bad(path, "tensor '" + name + "' (" + bytes + " bytes) is too large to read into one array");
        return (int) e.elementCount();
    }

    private SafetensorsHeader.Entry typed(String name, SafetensorsDtype dtype) {
        SafetensorsHeader.Entry e = entry(name);
        if (e.dtype() != dtype) throw SafetensorsHeader.bad(path, "tensor '" + name + "' is " + e.dtype() + ", expected " + dtype);
        return e;
    }

    private SafetensorsHeader.Entry entry(String name) {
        SafetensorsHeader.Entry e = header.entries.get(name);
        if (e == null) throw SafetensorsHeader.bad(path, "no tensor named '" + name + "'");
        return e;
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position, Path path) {
        try {
            long pos = position;
            while (dst.hasRemaining()) {
                int n = ch.read(dst, pos);
                if (n < 0) throw SafetensorsHeader.bad(path, "unexpected end of file at byte " + pos + " (file changed or truncated while reading)");
                pos += n;
            }
        } catch (IOException e) {
            throw SafetensorsHeader.bad(path, "read error at byte " + position + " (" + e + ")");
        }
    }

    private static long size(FileChannel ch, Path path) {
        try {
            return ch.size();
        } catch (IOException e) {
            throw SafetensorsHeader.bad(path, "cannot read the size (" + e + ")");
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing useful to do for a read-only channel
        }
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + header.entries.size() + " tensors, metadata keys " + Arrays.toString(header.metadata.keySet().toArray()) + "]";
    }
}
