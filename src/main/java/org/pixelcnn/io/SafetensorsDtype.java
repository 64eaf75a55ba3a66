package org.pixelcnn.io;

/**
 * The element types of the safetensors format (huggingface/safetensors, {@code Dtype}), with their
 * sizes in bytes. The reader accepts all of them; {@link SafetensorsTensor} holds data of
 * {@link #F32}, {@link #F64}, {@link #I64} and {@link #U8} only.
 */
public enum SafetensorsDtype {
    BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1),
    I16(2), U16(2), F16(2), BF16(2),
    I32(4), U32(4), F32(4),
    F64(8), I64(8), U64(8);

    private final int size;

    SafetensorsDtype(int size) {
        this.size = size;
    }

    /** @return bytes per element */
    public int size() {
        return size;
    }

    /**
     * @param name the header's {@code dtype} string, e.g. "F32"
     * @return the dtype, or null when the name is not one of the format's dtypes
     */
    public static SafetensorsDtype byName(String name) {
        for (SafetensorsDtype d : values()) if (d.name().equals(name)) return d;
        return null;
    }
}
