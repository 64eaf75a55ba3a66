package org.pixelcnn.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.pixelcnn.io.BadInputException;

/**
 * What a CUDA fat binary holds: its size and its code targets in file order, "sm_XY" for SASS (a cubin
 * that runs as is) and "compute_XY" for PTX (compiled by the driver at load time). Read from the
 * container headers only; the payloads (possibly compressed) are not touched.
 *
 * <p>Layout (little endian): a 16-byte header {u32 magic 0xBA55ED50, u16 version, u16 header size,
 * u64 size of the entries that follow}, then entries, each {u16 kind (1 PTX, 2 ELF), u16 flags,
 * u32 entry header size, u64 payload size, ..., u32 arch at offset 28 (e.g. 90)} followed by its payload.
 */
public record FatbinInfo(long bytes, List<String> targets) {

    /** Where the build (tools/build-kernels.sh via Maven) puts our kernels inside the jar. */
    public static final String RESOURCE = "/org/pixelcnn/backend/cuda/pixelcnn_kernels.fatbin";

    static final int MAGIC = 0xBA55ED50;
    static final int KIND_PTX = 1;
    static final int KIND_ELF = 2;

    public FatbinInfo {
        targets = List.copyOf(targets);
    }

    /**
     * The kernels carried in the jar ({@link #RESOURCE}), if the build had nvcc.
     *
     * @return empty when the jar was built without GPU kernels
     * @throws BadInputException if the resource is there but is not a fat binary
     */
    public static Optional<FatbinInfo> fromJar() {
        try (InputStream in = FatbinInfo.class.getResourceAsStream(RESOURCE)) {
            if (in == null) return Optional.empty();
            return Optional.of(parse(in.readAllBytes(), RESOURCE));
        } catch (IOException e) {
            throw new BadInputException(RESOURCE + ": cannot read the kernel resource: " + e.getMessage(), e);
        }
    }

    /**
     * Reads the entry headers of a fat binary.
     *
     * @param data the whole file
     * @param name file or resource name, for the error message
     * @throws BadInputException if the magic number is wrong or an entry runs past the end
     */
    public static FatbinInfo parse(byte[] data, String name) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if (data.length < 16 || b.getInt(0) != MAGIC) {
            throw new BadInputException(name + ": not a CUDA fat binary (magic number 0xBA55ED50 missing)");
        }
        int headerSize = Short.toUnsignedInt(b.getShort(6));
        long end = headerSize + b.getLong(8);
        if (end > data.length) throw new BadInputException(name + ": truncated fat binary (" + data.length + " of " + end + " bytes)");
        List<String> targets = new ArrayList<>();
        long off = headerSize;
        while (off + 32 <= end) {
            int at = (int) off;
            int kind = Short.toUnsignedInt(b.getShort(at));
            long entrySize = Integer.toUnsignedLong(b.getInt(at + 4));
            long payload = b.getLong(at + 8);
            int arch = b.getInt(at + 28);
            if (entrySize < 32 || payload < 0 || off + entrySize + payload > end) {
                throw new BadInputException(name + ": fat binary entry at byte " + off + " runs past the end");
            }
            if (kind == KIND_ELF) targets.add("sm_" + arch);
            else if (kind == KIND_PTX) targets.add("compute_" + arch);
            off += entrySize + payload;
        }
        return new FatbinInfo(data.length, targets);
    }

    /**
     * Whether a device of compute capability major.minor can run these kernels: a cubin sm_XY runs on X.Z
     * with Z &ge; Y; PTX compute_XY is compiled by the driver for any device of capability &ge; X.Y.
     */
    public boolean runsOn(int major, int minor) {
        int cc = major * 10 + minor;
        for (String t : targets) {
            int arch = Integer.parseInt(t.substring(t.indexOf('_') + 1));
            if (t.startsWith("sm_") && arch / 10 == major && arch <= cc) return true;
            if (t.startsWith("compute_") && arch <= cc) return true;
        }
        return false;
    }
}
