package org.pixelcnn.io.torch;

import net.razorvine.pickle.PickleException;
import org.pixelcnn.io.BadInputException;
import org.pixelcnn.io.torch.TorchUnpickler.StorageRef;
import org.pixelcnn.io.torch.TorchUnpickler.TensorRef;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads a PyTorch state_dict file as {@code torch.save(model.state_dict(), path)} writes it
 * (torch/serialization.py), into its tensors by name in the file's order. Two formats:
 * <ul>
 *   <li><b>zip</b> (torch &ge; 1.6): {@code <archive>/data.pkl}, the pickle, whose persistent ids
 *       name storages stored as {@code <archive>/data/<key>} (raw elements, little-endian unless
 *       {@code <archive>/byteorder} says otherwise);</li>
 *   <li><b>legacy</b> (torch 0.4 to 1.5, and {@code _use_new_zipfile_serialization=False}): in one
 *       stream, the pickles of a magic number, the protocol version 1001 and the system info, then the
 *       object's pickle, then the pickled list of storage keys, then each storage in that order as an
 *       int64 element count followed by its elements.</li>
 * </ul>
 * The pickles are read by net.razorvine:pickle ({@link TorchUnpickler} adds torch's persistent ids and
 * tensor rebuild functions). Float32 tensors get their values, gathered through offset and strides;
 * tensors of other dtypes keep only their dtype and shape (the caller refuses them by name). The tar
 * format of torch &lt; 0.1.10 is refused.
 */
public final class TorchStateDict {
    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final int LEGACY_PROTOCOL = 1001;

    private TorchStateDict() {
    }

    /**
     * Reads every tensor of a state_dict file.
     *
     * @param file a torch.save file of a dict of tensors
     * @return tensor name to tensor, in the file's order
     * @throws BadInputException naming the file (and the key, where one is at fault) when the file is
     *                           missing, not a torch.save file, holds something else than a dict of
     *                           tensors (a whole pickled model, ...), or is truncated
     */
    public static Map<String, TorchTensor> read(Path file) {
        if (!Files.isRegularFile(file)) throw new BadInputException(file + ": no such file");
        byte[] head = new byte[512];
        int got;
        try (InputStream in = Files.newInputStream(file)) {
            got = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        try {
            if (got >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return readZip(file);
            if (got >= 262 && new String(head, 257, 5, java.nio.charset.StandardCharsets.ISO_8859_1).equals("ustar"))
                throw new BadInputException(file + ": a tar archive (torch < 0.1.10 format), which is not supported: load it with torch and save it again");
            if (got >= 2 && (head[0] & 0xff) == 0x80) return readLegacy(file);
            throw new BadInputException(file + ": not a PyTorch file written by torch.save (neither a zip archive nor a pickle)");
        } catch (IOException | PickleException | ArithmeticException e) {
            throw new BadInputException(file + ": not a readable torch.save file (" + e.getMessage() + ")", e);
        }
    }

    // ------------------------------------------------------------------ zip format

    private static Map<String, TorchTensor> readZip(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String prefix = null;
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                String name = en.nextElement().getName();
                if (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - "/data.pkl".length()) {
                    prefix = name.substring(0, name.length() - "data.pkl".length());
                    break;
                }
            }
            if (prefix == null) throw new BadInputException(file + ": a zip archive without <archive>/data.pkl: not a torch.save file");
            ByteOrder order = ByteOrder.LITTLE_ENDIAN;
            ZipEntry bo = zip.getEntry(prefix + "byteorder");
            if (bo != null) {
                try (InputStream in = zip.getInputStream(bo)) {
                    String s = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim();
                    if (s.equals("big")) order = ByteOrder.BIG_ENDIAN;
                    else if (!s.equals("little")) throw new BadInputException(file + ": unknown byteorder record '" + s + "'");
                }
            }
            Object root;
            try (InputStream in = new BufferedInputStream(zip.getInputStream(zip.getEntry(prefix + "data.pkl")))) {
                root = new TorchUnpickler(false).load(in);
            }
            final String dataPrefix = prefix + "data/";
            final ByteOrder byteOrder = order;
            Map<String, float[]> cache = new HashMap<>();
            return tensors(file, root, s -> cache.computeIfAbsent(s.key(), k -> zipStorage(file, zip, dataPrefix + k, s, byteOrder)));
        }
    }

    private static float[] zipStorage(Path file, ZipFile zip, String entry, StorageRef s, ByteOrder order) {
        ZipEntry e = zip.getEntry(entry);
        if (e == null) throw new BadInputException(file + ": the storage record " + entry + " is missing");
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readAllBytes();
            if (b.length < s.numel() * 4)
                throw new BadInputException(file + ": the storage record " + entry + " holds " + b.length + " bytes, need " + s.numel() * 4);
            return floats(b, Math.toIntExact(s.numel()), order);
        } catch (IOException ex) {
            throw new BadInputException(file + ": cannot read the storage record " + entry + " (" + ex.getMessage() + ")", ex);
        }
    }

    // ------------------------------------------------------------------ legacy format

    private static Map<String, TorchTensor> readLegacy(Path file) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            Object magic = new TorchUnpickler(true).load(raw);
            if (!(magic instanceof Number m) || !new BigInteger(m.toString()).equals(LEGACY_MAGIC))
                throw new BadInputException(file + ": a pickle, but not a torch.save file (no torch magic number); torch.load cannot read it either");
            Object protocol = new TorchUnpickler(true).load(raw);
            if (!(protocol instanceof Number p) || p.intValue() != LEGACY_PROTOCOL)
                throw new BadInputException(file + ": torch legacy protocol " + protocol + ", expected " + LEGACY_PROTOCOL);
            Object sysInfo = new TorchUnpickler(true).load(raw);
            if (sysInfo instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian")))
                throw new BadInputException(file + ": written on a big-endian machine, which is not supported");
            Object root = new TorchUnpickler(true).load(raw);
            Object keys = new TorchUnpickler(true).load(raw);
            if (!(keys instanceof List<?> keyList)) throw new BadInputException(file + ": the list of storage keys is missing");
            // the storages follow in the order of the key list; read them all (every kind, to stay in step)
            Map<String, StorageRef> refs = new HashMap<>();
            collectStorages(root, refs);
            Map<String, float[]> data = new HashMap<>();
            DataInputStream in = new DataInputStream(raw);
            for (Object k : keyList) {
                String key = String.valueOf(k);
                StorageRef s = refs.get(key);
                if (s == null) throw new BadInputException(file + ": storage " + key + " is listed but no tensor uses it");
                long count = Long.reverseBytes(in.readLong());
                long bytes = Math.multiplyExact(count, s.type().elementSize());
                if (s.type().elementSize() == 4 && "float32".equals(s.type().dtype())) {
                    byte[] b = new byte[Math.toIntExact(bytes)];
                    in.readFully(b);
                    data.put(key, floats(b, Math.toIntExact(count), ByteOrder.LITTLE_ENDIAN));
                } else {
                    in.skipNBytes(bytes); // EOFException when the file ends first
                }
            }
            return tensors(file, root, s -> {
                float[] f = data.get(s.key());
                if (f == null) throw new BadInputException(file + ": storage " + s.key() + " is not in the file");
                return f;
            });
        } catch (EOFException e) {
            throw new BadInputException(file + ": truncated (the file ends inside a storage)", e);
        }
    }

    private static void collectStorages(Object root, Map<String, StorageRef> out) {
        if (root instanceof Map<?, ?> m) for (Object v : m.values()) if (v instanceof TensorRef t) out.put(t.storage().key(), t.storage());
    }

    // ------------------------------------------------------------------ tensors

    private interface Storages {
        float[] floats(StorageRef s);
    }

    private static Map<String, TorchTensor> tensors(Path file, Object root, Storages storages) {
        if (!(root instanceof Map<?, ?> dict) || root instanceof net.razorvine.pickle.objects.ClassDict)
            throw new BadInputException(file + ": holds " + TorchUnpickler.describe(root)
                    + ", not a state_dict (a dict of tensors); in Python: torch.save(model.state_dict(), path)");
        Map<String, TorchTensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (!(e.getValue() instanceof TensorRef t))
                throw new BadInputException(file + ": key " + key + " holds " + TorchUnpickler.describe(e.getValue()) + ", not a tensor");
            long n = 1;
            for (long d : t.size()) n = Math.multiplyExact(n, d);
            if (t.stride().length != t.size().length)
                throw new BadInputException(file + ": key " + key + " has " + t.size().length + " sizes but " + t.stride().length + " strides");
            if (!"float32".equals(t.storage().type().dtype())) {
                out.put(key, new TorchTensor(t.storage().type().dtype(), t.size(), null));
                continue;
            }
            float[] storage = storages.floats(t.storage());
            out.put(key, new TorchTensor("float32", t.size(), gather(file, key, storage, t, Math.toIntExact(n))));
        }
        return out;
    }

    /** The tensor's elements in row-major order: element (i0, i1, ...) is storage[offset + sum i_k stride_k]. */
    private static float[] gather(Path file, String key, float[] storage, TensorRef t, int n) {
        float[] v = new float[n];
        if (n == 0) return v;
        long last = t.offset();
        for (int d = 0; d < t.size().length; d++) last += (t.size()[d] - 1) * t.stride()[d];
        if (t.offset() < 0 || last >= storage.length || last < 0)
            throw new BadInputException(file + ": key " + key + " reaches past its storage of " + storage.length + " elements");
        int dims = t.size().length;
        long[] idx = new long[dims];
        long at = t.offset();
        for (int i = 0; i < n; i++) {
            v[i] = storage[(int) at];
            for (int d = dims - 1; d >= 0; d--) {
                if (++idx[d] < t.size()[d]) {
                    at += t.stride()[d];
                    break;
                }
                at -= (t.size()[d] - 1) * t.stride()[d];
                idx[d] = 0;
            }
        }
        return v;
    }

    private static float[] floats(byte[] b, int count, ByteOrder order) {
        float[] f = new float[count];
        ByteBuffer.wrap(b, 0, count * 4).order(order).asFloatBuffer().get(f);
        return f;
    }
}
