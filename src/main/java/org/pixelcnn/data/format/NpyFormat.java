package org.pixelcnn.data.format;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The header of numpy's {@code .npy} format (what {@code np.save} / {@code np.savez} write):
 * the magic {@code \x93NUMPY}, a major and a minor version byte, the header length (uint16
 * little-endian in version 1, uint32 in versions 2 and 3), then a Python dict literal such as
 * {@code {'descr': '|u1', 'fortran_order': False, 'shape': (50000, 32, 32, 3), }} padded with
 * spaces and a newline so that the data starts at a multiple of 64 (16 in old files). The data
 * follows in C order (or Fortran order when {@code fortran_order} is True).
 *
 * @param descr   the dtype string, e.g. {@code |u1}
 * @param fortran whether the data is in Fortran (column-major) order
 * @param shape   the array shape
 */
public record NpyFormat(String descr, boolean fortran, long[] shape) {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");

    /**
     * Reads the header from the start of an .npy stream, leaving the stream at the first data byte.
     *
     * @throws IOException with a one-line reason: not an .npy, unknown version, truncated or unparsable header
     */
    public static NpyFormat read(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        byte[] magic = new byte[8];
        if (in.readNBytes(magic, 0, 8) < 8) throw new EOFException("truncated .npy header");
        for (int i = 0; i < MAGIC.length; i++) {
            if (magic[i] != MAGIC[i]) throw new IOException("not an .npy array (no \\x93NUMPY magic)");
        }
        int major = magic[6];
        long len;
        if (major == 1) {
            len = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
        } else if (major == 2 || major == 3) {
            len = Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
        } else {
            throw new IOException(".npy format version " + major + "." + magic[7] + " is not supported");
        }
        if (len > 1 << 20) throw new IOException(".npy header of " + len + " bytes");
        byte[] text = new byte[(int) len];
        if (in.readNBytes(text, 0, text.length) < text.length) throw new EOFException("truncated .npy header");
        return parse(new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1));
    }

    /**
     * Parses the dict literal of an .npy header.
     *
     * @throws IOException when a key is missing or the shape is not a tuple of non-negative integers
     */
    public static NpyFormat parse(String header) throws IOException {
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) throw new IOException("unparsable .npy header " + header.trim());
        List<Long> dims = new ArrayList<>();
        for (String part : s.group(1).split(",")) {
            String t = part.trim();
            if (t.endsWith("L")) t = t.substring(0, t.length() - 1);
            if (t.isEmpty()) continue;
            try {
                long v = Long.parseLong(t);
                if (v < 0) throw new NumberFormatException();
                dims.add(v);
            } catch (NumberFormatException e) {
                throw new IOException("bad .npy shape (" + s.group(1) + ")", e);
            }
        }
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = dims.get(i);
        return new NpyFormat(d.group(1), f.group(1).equals("True"), shape);
    }

    /** Whether the dtype is uint8 ({@code |u1}; also {@code u1}, {@code <u1}, {@code >u1}, {@code =u1}). */
    public boolean isUint8() {
        return descr.equals("|u1") || descr.equals("u1") || descr.equals("<u1") || descr.equals(">u1") || descr.equals("=u1");
    }

    /** Number of elements, the product of the shape. */
    public long elements() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    /**
     * A version-1 header for a C-ordered array, padded so the data starts at a multiple of 64 bytes.
     *
     * @return magic, version, length and dict, ready to be followed by the data
     */
    public static byte[] header(String descr, long[] shape) {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) dims.append(d).append(", ");
        String tuple = shape.length == 1 ? "(" + shape[0] + ",)" : "(" + (dims.length() > 0 ? dims.substring(0, dims.length() - 2) : "") + ")";
        StringBuilder dict = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + tuple + ", }");
        while ((MAGIC.length + 4 + dict.length() + 1) % 64 != 0) dict.append(' ');
        dict.append('\n');
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(MAGIC);
        out.write(1);
        out.write(0);
        out.write(dict.length() & 0xff);
        out.write(dict.length() >>> 8);
        out.writeBytes(dict.toString().getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }
}
