package org.pixelcnn.data.format;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A numpy {@code ndarray} read from a pickle or an .npy file: dtype, shape, and its raw bytes in C
 * (row-major) order.
 *
 * <p>From a pickle it is made by {@code numpy.core.multiarray._reconstruct(ndarray, (0,), b'b')}
 * (REDUCE) and then filled by BUILD with the state {@code (1, shape, dtype, is_fortran, rawdata)};
 * rawdata is a Python 2 {@code str} (the pickle library hands it over as a String of chars 0..255)
 * or Python 3 {@code bytes}. Fortran-ordered data is reordered to C order here. Public with a public
 * {@code __setstate__} because the pickle library calls it by reflection.
 */
public final class NumpyArray {
    private NumpyDtype dtype;
    private int[] shape = new int[0];
    private byte[] data = new byte[0];

    /** An empty array, filled in by {@link #__setstate__}. */
    public NumpyArray() {
    }

    /**
     * An array over given bytes.
     *
     * @param data    raw element bytes
     * @param fortran whether {@code data} is in Fortran (column-major) order
     * @throws IllegalArgumentException when the byte count does not match shape and dtype
     */
    public NumpyArray(NumpyDtype dtype, int[] shape, byte[] data, boolean fortran) {
        set(dtype, shape, data, fortran);
    }

    /**
     * Pickle BUILD of an ndarray: {@code state = (version, shape, dtype, is_fortran, rawdata)}, or the
     * old 4-tuple without the version.
     *
     * @throws IllegalArgumentException when the state is not that of a numeric array
     */
    public void __setstate__(Object[] state) {
        Object[] s = state.length == 5 ? Arrays.copyOfRange(state, 1, 5) : state;
        if (s.length != 4) throw new IllegalArgumentException("ndarray state of " + state.length + " items");
        if (!(s[1] instanceof NumpyDtype dt)) throw new IllegalArgumentException("ndarray dtype is " + describe(s[1]));
        boolean fortran = s[2] instanceof Boolean b ? b : s[2] instanceof Number n && n.intValue() != 0;
        set(dt, toShape(s[0]), toBytes(s[3]), fortran);
    }

    private void set(NumpyDtype dt, int[] shp, byte[] raw, boolean fortran) {
        int size = dt.itemSize();
        if (size <= 0) throw new IllegalArgumentException("dtype " + dt + " has no fixed item size");
        long elements = 1;
        for (int d : shp) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shp));
            elements *= d;
        }
        if (elements * size != raw.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shp) + " of " + dt + " needs " + elements * size + " bytes but has " + raw.length);
        }
        this.dtype = dt;
        this.shape = shp.clone();
        this.data = fortran && shp.length > 1 ? fortranToC(raw, shp, size) : raw;
    }

    /** Tuple or list of ints to a shape. */
    static int[] toShape(Object o) {
        List<?> items = o instanceof Object[] arr ? Arrays.asList(arr) : o instanceof List<?> l ? l : null;
        if (items == null) throw new IllegalArgumentException("ndarray shape is " + describe(o));
        int[] shp = new int[items.size()];
        for (int i = 0; i < shp.length; i++) {
            if (!(items.get(i) instanceof Number n)) throw new IllegalArgumentException("ndarray shape holds " + describe(items.get(i)));
            long v = n.longValue();
            if (v < 0 || v > Integer.MAX_VALUE) throw new IllegalArgumentException("ndarray dimension " + v);
            shp[i] = (int) v;
        }
        return shp;
    }

    /** Python 2 str (String of chars 0..255) or Python 3 bytes/bytearray (byte[]) to bytes. */
    static byte[] toBytes(Object o) {
        if (o instanceof byte[] b) return b;
        if (o instanceof String s) return s.getBytes(StandardCharsets.ISO_8859_1);
        throw new IllegalArgumentException("ndarray data is " + describe(o) + ", not raw bytes (an object array?)");
    }

    static String describe(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    private static byte[] fortranToC(byte[] raw, int[] shp, int size) {
        int nd = shp.length;
        long[] fStride = new long[nd];
        long st = 1;
        for (int d = 0; d < nd; d++) {
            fStride[d] = st;
            st *= shp[d];
        }
        byte[] out = new byte[raw.length];
        int[] idx = new int[nd];
        long elements = st;
        for (long c = 0; c < elements; c++) {
            long f = 0;
            for (int d = 0; d < nd; d++) f += idx[d] * fStride[d];
            System.arraycopy(raw, (int) (f * size), out, (int) (c * size), size);
            for (int d = nd - 1; d >= 0; d--) {
                if (++idx[d] < shp[d]) break;
                idx[d] = 0;
            }
        }
        return out;
    }

    /** The dtype; null before {@link #__setstate__} ran. */
    public NumpyDtype dtype() { return dtype; }
    /** The shape (a copy). */
    public int[] shape() { return shape.clone(); }
    /** The raw element bytes in C order (the array itself). */
    public byte[] data() { return data; }

    /**
     * The elements of a 1-D integer array as ints.
     *
     * @throws IllegalArgumentException when the array is not 1-D of an integer dtype, or a value does not fit an int
     */
    public int[] toIntArray() {
        if (dtype == null || !dtype.isInteger() || shape.length != 1) {
            throw new IllegalArgumentException("not a 1-D integer array (dtype " + dtype + ", shape " + Arrays.toString(shape) + ")");
        }
        int size = dtype.itemSize();
        int[] out = new int[shape[0]];
        for (int i = 0; i < out.length; i++) {
            long v = 0;
            for (int b = 0; b < size; b++) {
                int at = i * size + (dtype.bigEndian() ? b : size - 1 - b);
                v = (v << 8) | (data[at] & 0xff);
            }
            if (dtype.kind() == 'i' && size < 8 && (v & (1L << (8 * size - 1))) != 0) v -= 1L << (8 * size);
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw new IllegalArgumentException("value " + v + " does not fit an int");
            out[i] = (int) v;
        }
        return out;
    }
}
