package org.pixelcnn.bench;

import org.pixelcnn.backend.Backend;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.TreeMap;

/**
 * Wraps a backend and accumulates wall time per operation (synchronising after each call so GPU work
 * is attributed to the operation that queued it): where a training step spends its time.
 */
public final class OpTimer {
    private final Map<String, long[]> nanos = new TreeMap<>();

    /** A backend that forwards every call to be and times it. */
    public Backend wrap(Backend be) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class}, (proxy, m, args) -> {
            long t0 = System.nanoTime();
            try {
                Object r = m.invoke(be, args);
                if (!m.getName().equals("synchronize")) be.synchronize();
                long[] acc = nanos.computeIfAbsent(m.getName(), k -> new long[2]);
                acc[0] += System.nanoTime() - t0;
                acc[1]++;
                return r;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    public void reset() {
        nanos.clear();
    }

    /** Operation name to {total nanoseconds, calls}, by name. */
    public Map<String, long[]> totals() {
        return nanos;
    }
}
