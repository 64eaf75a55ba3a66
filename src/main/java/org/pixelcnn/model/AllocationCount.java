package org.pixelcnn.model;

import java.lang.reflect.Proxy;
import java.util.function.Consumer;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.cuda.DeviceArena;

/**
 * What some set-up code allocates on a backend, found by running it on a planning backend that records
 * allocations and computes nothing (no GPU, no native memory): the networks of {@code eval}, {@code sample}
 * or a training replica counted exactly, so that a CUDA arena can be sized from the model itself.
 *
 * @param floats     floats allocated (sum of {@link Backend#alloc} sizes)
 * @param blocks     number of allocations
 * @param arenaBytes bytes the same allocations take in a {@link DeviceArena} (each block rounded up to its
 *                   256-byte alignment, {@link DeviceArena#blockBytes})
 */
public record AllocationCount(long floats, long blocks, long arenaBytes) {

    /**
     * Runs {@code build} on a planning backend and counts what it allocates. The planning backend accepts
     * {@code alloc}, and {@code upload}, {@code fill} and {@code synchronize} as no-ops (set-up code fills its
     * buffers); any other operation throws UnsupportedOperationException, so set-up code that computes is
     * found out.
     *
     * @param build the set-up code, given the planning backend
     */
    public static AllocationCount of(Consumer<Backend> build) {
        long[] c = {0, 0, 0};
        Backend plan = (Backend) Proxy.newProxyInstance(AllocationCount.class.getClassLoader(), new Class<?>[]{Backend.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "alloc" -> {
                        long n = (Long) args[0];
                        c[0] += n;
                        c[1]++;
                        c[2] += DeviceArena.blockBytes(4L * n);
                        yield sizeOnly(n);
                    }
                    case "upload", "fill", "synchronize", "close" -> null;
                    case "name" -> "plan";
                    case "toString" -> "planning backend";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException("the planning backend does not compute (" + method.getName() + ")");
                });
        build.accept(plan);
        return new AllocationCount(c[0], c[1], c[2]);
    }

    /** The sum of two counts (two sets of networks on one backend). */
    public AllocationCount plus(AllocationCount o) {
        return new AllocationCount(floats + o.floats, blocks + o.blocks, arenaBytes + o.arenaBytes);
    }

    /**
     * A buffer of n floats with no storage (size and slices only), as the planning backend hands out; for other
     * backends that record calls and compute nothing.
     */
    public static Buf sizeOnly(long n) {
        return new Buf() {
            @Override
            public long size() {
                return n;
            }

            @Override
            public Buf slice(long offset, long length) {
                if (offset < 0 || length < 0 || offset + length > n) throw new IndexOutOfBoundsException();
                return sizeOnly(length);
            }
        };
    }
}
