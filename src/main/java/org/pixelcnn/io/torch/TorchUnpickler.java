package org.pixelcnn.io.torch;

import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The pickle of a {@code torch.save} file read with the well-kept pickle reader (net.razorvine:pickle),
 * taught only the torch-specific part (torch/serialization.py, torch/_utils.py):
 * <ul>
 *   <li>persistent ids {@code ('storage', torch.FloatStorage, key, location, numel)} (zip format) and
 *       {@code ('storage', type, root_key, location, numel, view_metadata)} (legacy format) become
 *       {@link StorageRef}s, the bytes being read later by the caller;</li>
 *   <li>{@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[,
 *       metadata])} and {@code _rebuild_tensor(storage, offset, size, stride)} become {@link TensorRef}s;
 *       {@code _rebuild_parameter(data, requires_grad, hooks)} its data;</li>
 *   <li>{@code collections.OrderedDict} (the state_dict itself, with its {@code _metadata} attribute,
 *       which is dropped) a {@link TorchOrderedDict}; SETITEMS inserts in the pickle's order (the
 *       reader's own SETITEMS goes through a HashMap and would lose the order of the keys).</li>
 * </ul>
 * Any other global becomes the reader's generic ClassDict, which the caller reports by its class name.
 * One instance per pickle.
 */
final class TorchUnpickler extends Unpickler {

    /** A storage named by a persistent id: its element type, its key (a record name or id) and element count. */
    record StorageRef(TorchStorageType type, String key, long numel) {
    }

    /** A tensor of a pickle: a view (offset, sizes, strides, in elements) of a storage. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
    }

    static {
        for (TorchStorageType t : TorchStorageType.ALL) Unpickler.registerConstructor("torch", t.className(), t);
        Unpickler.registerConstructor("collections", "OrderedDict", args -> new TorchOrderedDict());
        IObjectConstructor v2 = args -> {
            if (args.length < 4) throw new PickleException("_rebuild_tensor_v2 takes at least 4 arguments, got " + args.length);
            return tensor(args);
        };
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor_v2", v2);
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor", v2);
        Unpickler.registerConstructor("torch._utils", "_rebuild_parameter", args -> {
            if (args.length < 1 || !(args[0] instanceof TensorRef t)) throw new PickleException("_rebuild_parameter without a tensor");
            return t;
        });
    }

    private final boolean legacy;

    /** @param legacy whether persistent ids carry the legacy format's view metadata */
    TorchUnpickler(boolean legacy) {
        this.legacy = legacy;
    }

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
        if (key != Opcodes.SETITEMS) return super.dispatch(key);
        List<Object> items = stack.pop_all_since_marker();
        if (!(stack.peek() instanceof Map<?, ?>)) throw new PickleException("SETITEMS on " + describe(stack.peek()));
        @SuppressWarnings("unchecked")
        Map<Object, Object> dict = (Map<Object, Object>) stack.peek();
        for (int i = 0; i + 1 < items.size(); i += 2) dict.put(items.get(i), items.get(i + 1));
        return NO_RETURN_VALUE;
    }

    private static TensorRef tensor(Object[] args) {
        if (!(args[0] instanceof StorageRef s)) throw new PickleException("a tensor whose storage is " + describe(args[0]));
        return new TensorRef(s, toLong(args[1]), longs(args[2]), longs(args[3]));
    }

    @Override
    protected Object persistentLoad(Object pid) {
        if (!(pid instanceof Object[] t) || t.length < 5 || !"storage".equals(t[0]))
            throw new PickleException("unknown persistent id " + describe(pid));
        if (!(t[1] instanceof TorchStorageType type)) throw new PickleException("a storage of unknown type " + describe(t[1]));
        if (legacy && t.length > 5 && t[5] != null) throw new PickleException("storage views (torch < 0.4) are not supported");
        return new StorageRef(type, String.valueOf(t[2]), toLong(t[4]));
    }

    static long toLong(Object o) {
        if (o instanceof Number n) return n.longValue();
        throw new PickleException("expected an integer, found " + describe(o));
    }

    private static long[] longs(Object o) {
        if (o instanceof Object[] a) {
            long[] r = new long[a.length];
            for (int i = 0; i < a.length; i++) r[i] = toLong(a[i]);
            return r;
        }
        if (o instanceof List<?> l) return longs(l.toArray());
        throw new PickleException("expected a tuple of integers, found " + describe(o));
    }

    /** A short description of a pickled object for messages: its Python class where known. */
    static String describe(Object o) {
        if (o == null) return "None";
        if (o instanceof net.razorvine.pickle.objects.ClassDict c) return "a pickled " + c.getClassName() + " object";
        if (o instanceof Map<?, ?>) return "a dict";
        if (o instanceof Object[]) return "a tuple";
        return "a " + o.getClass().getSimpleName();
    }
}
