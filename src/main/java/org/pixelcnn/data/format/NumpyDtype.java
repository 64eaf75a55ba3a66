package org.pixelcnn.data.format;

/**
 * A {@code numpy.dtype} as it comes out of a pickle: {@code numpy.dtype(code, align, copy)} followed
 * by BUILD with the state tuple {@code (version, byteorder, subarray, names, fields, elsize, alignment,
 * flags)}. Only plain numeric dtypes are described: {@link #kind()} 'u', 'i', 'f', 'b' or other,
 * {@link #itemSize()} in bytes, and {@link #bigEndian()}.
 *
 * <p>Public with a public {@code __setstate__} because the pickle library calls it by reflection.
 */
public final class NumpyDtype {
    private String code;
    private char byteOrder = '=';

    /** @param code a dtype string such as {@code u1}, {@code <i8}, {@code |u1}, {@code uint8} */
    public NumpyDtype(String code) {
        this.code = code.trim();
        char first = this.code.isEmpty() ? '=' : this.code.charAt(0);
        if (first == '<' || first == '>' || first == '|' || first == '=') {
            byteOrder = first;
            this.code = this.code.substring(1);
        }
        this.code = normalise(this.code);
    }

    /** Numpy names and one-character codes to the kind+size form ('uint8' and 'B' to 'u1', '?' to 'b1'). */
    private static String normalise(String c) {
        switch (c) {
            case "uint8": case "B": return "u1";
            case "int8": case "b": return "i1";
            case "uint16": case "H": return "u2";
            case "int16": case "h": return "i2";
            case "uint32": case "I": return "u4";
            case "int32": case "i": return "i4";
            case "uint64": case "Q": case "L": return "u8";
            case "int64": case "q": case "l": return "i8";
            case "float32": case "f": return "f4";
            case "float64": case "d": return "f8";
            case "bool": case "?": return "b1";
            default: return c;
        }
    }

    /** Pickle BUILD: takes the byte order from {@code state[1]} ('<', '>', '|' or '='). */
    public void __setstate__(Object[] state) {
        if (state.length > 1 && state[1] instanceof String order && order.length() == 1) byteOrder = order.charAt(0);
    }

    /** 'u' unsigned int, 'i' signed int, 'f' float, 'b' bool, or another numpy kind character. */
    public char kind() {
        return code.isEmpty() ? '?' : code.charAt(0);
    }

    /** Bytes per element, or -1 when the code carries no size. */
    public int itemSize() {
        try {
            return Integer.parseInt(code.substring(1));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Whether multi-byte elements are big-endian ('>'); '=' means the writer's native order, little-endian on every numpy platform we meet. */
    public boolean bigEndian() {
        return byteOrder == '>';
    }

    /** Whether this is an integer dtype (u1..u8, i1..i8, b1). */
    public boolean isInteger() {
        int size = itemSize();
        return (kind() == 'u' || kind() == 'i' || kind() == 'b') && (size == 1 || size == 2 || size == 4 || size == 8);
    }

    /** Whether this is uint8 (or bool, stored the same way). */
    public boolean isUint8() {
        return (kind() == 'u' || kind() == 'b') && itemSize() == 1;
    }

    @Override
    public String toString() {
        return (byteOrder == '=' ? "" : String.valueOf(byteOrder)) + code;
    }
}
