package org.pixelcnn.data;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes pickles opcode by opcode, as Python does, for test fixtures: a CIFAR-10 batch as Python 2
 * cPickle protocol 2 writes it (str keys as SHORT_BINSTRING, the numpy array through GLOBAL
 * 'numpy.core.multiarray _reconstruct', REDUCE, BUILD with (1, shape, dtype('u1'), False, str data)),
 * and as Python 3 protocol 3 writes it (str keys as BINUNICODE or bytes keys as SHORT_BINBYTES, the
 * data as BINBYTES, dtype args as booleans).
 */
public final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final boolean py2;
    private int memo;

    /** @param py2 write Python 2 strings (else Python 3 protocol 3 unicode / bytes) */
    public PickleWriter(boolean py2) {
        this.py2 = py2;
        out.write(0x80);
        out.write(py2 ? 2 : 3);
    }

    public byte[] finish() {
        out.write('.');
        return out.toByteArray();
    }

    public PickleWriter op(int code) {
        out.write(code);
        return this;
    }

    public PickleWriter put() {
        out.write('q');
        out.write(memo++ & 0xff);
        return this;
    }

    public PickleWriter mark() {
        return op('(');
    }

    public PickleWriter int4(int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
        return this;
    }

    /** An int with the smallest opcode Python picks: BININT1, BININT2 or BININT. */
    public PickleWriter integer(int v) {
        if (v >= 0 && v < 256) {
            out.write('K');
            out.write(v);
        } else if (v >= 0 && v < 65536) {
            out.write('M');
            out.write(v);
            out.write(v >>> 8);
        } else {
            out.write('J');
            int4(v);
        }
        return this;
    }

    /** A text key/value: Python 2 str (SHORT_BINSTRING / BINSTRING) or Python 3 str (BINUNICODE). */
    public PickleWriter str(String s) {
        byte[] b = s.getBytes(py2 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        if (py2) return rawString(b);
        out.write('X');
        int4(b.length);
        out.writeBytes(b);
        return put();
    }

    /** Raw bytes: Python 2 str, or Python 3 bytes (SHORT_BINBYTES / BINBYTES). */
    public PickleWriter bytes(byte[] b) {
        if (py2) return rawString(b);
        if (b.length < 256) {
            out.write('C');
            out.write(b.length);
        } else {
            out.write('B');
            int4(b.length);
        }
        out.writeBytes(b);
        return put();
    }

    private PickleWriter rawString(byte[] b) {
        if (b.length < 256) {
            out.write('U');
            out.write(b.length);
        } else {
            out.write('T');
            int4(b.length);
        }
        out.writeBytes(b);
        return put();
    }

    public PickleWriter global(String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        return put();
    }

    /** A numpy uint8 array of the given shape, pickled by ndarray.__reduce__ (protocol 2/3). */
    public PickleWriter uint8Array(int[] shape, byte[] data) {
        global("numpy.core.multiarray", "_reconstruct");
        global("numpy", "ndarray");
        integer(0).op(0x85).put();
        bytes(new byte[] {'b'});
        op(0x87).put().op('R').put();
        mark().integer(1);
        if (shape.length > 3) mark();
        for (int d : shape) integer(d);
        op(shape.length == 1 ? 0x85 : shape.length == 2 ? 0x86 : shape.length == 3 ? 0x87 : 't').put();
        global("numpy", "dtype");
        str("u1");
        if (py2) integer(0).integer(1);
        else op(0x89).op(0x88);
        op(0x87).put().op('R').put();
        mark().integer(3).str("|").op('N').op('N').op('N').op('J').int4(-1).op('J').int4(-1).integer(0).op('t').put().op('b');
        op(0x89);
        bytes(data);
        op('t').put().op('b');
        return this;
    }

    /** A list of ints (EMPTY_LIST, then APPENDS in groups of 1000 as cPickle does). */
    public PickleWriter intList(int[] values) {
        op(']').put();
        for (int start = 0; start < values.length; start += 1000) {
            mark();
            for (int i = start; i < Math.min(values.length, start + 1000); i++) integer(values[i]);
            op('e');
        }
        return this;
    }

    /**
     * A whole CIFAR-10 batch dict: batch_label, labels, data (N x 3072 uint8, CHW rows), filenames.
     *
     * @param bytesKeys Python 3 only: write the keys as bytes (b'data'), as re-pickled Python 2 dicts have
     */
    public static byte[] cifarBatch(boolean py2, boolean bytesKeys, byte[] chw, int n, int[] labels) {
        PickleWriter w = new PickleWriter(py2);
        w.op('}').put().mark();
        w.key("batch_label", bytesKeys).str("training batch 1 of 5");
        w.key("labels", bytesKeys).intList(labels);
        w.key("data", bytesKeys).uint8Array(new int[] {n, 3072}, chw);
        w.key("filenames", bytesKeys).op(']').put().mark();
        for (int i = 0; i < n; i++) w.str("image_" + i + ".png");
        w.op('e');
        w.op('u');
        return w.finish();
    }

    private PickleWriter key(String k, boolean asBytes) {
        return asBytes ? bytes(k.getBytes(StandardCharsets.US_ASCII)) : str(k);
    }
}
