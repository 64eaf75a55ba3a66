package org.pixelcnn.bench;

import org.pixelcnn.backend.Backend;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Wraps a backend and accumulates wall time per operation (synchronising after each call so GPU work
 * is attributed to the operation that queued it): where a training step spends its time. While
 * {@link #setEnabled disabled} the wrapper only forwards (no synchronisation, no clock), so one model
 * built on the wrapped backend can be timed plainly first and profiled afterwards.
 */
public final class OpTimer {
    private final Map<String, long[]> nanos = new TreeMap<>();
    private volatile boolean enabled = true;

    /** A backend that forwards every call to be and, while enabled, times it. */
    public Backend wrap(Backend be) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class}, (proxy, m, args) -> {
            try {
                if (!enabled || m.getDeclaringClass() == Object.class) return m.invoke(be, args);
                long t0 = System.nanoTime();
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

    /** Turns timing (and the synchronisation after every call) on or off; on by default. */
    public void setEnabled(boolean on) {
        enabled = on;
    }

    public void reset() {
        nanos.clear();
    }

    /** Operation name to {total nanoseconds, calls}, by name. */
    public Map<String, long[]> totals() {
        return nanos;
    }

    /**
     * The totals divided over {@code steps} steps, largest time first: operation name to
     * {milliseconds per step, calls per step}.
     *
     * @throws IllegalArgumentException when steps &lt; 1
     */
    public Map<String, double[]> perStep(int steps) {
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, not " + steps);
        Map<String, double[]> out = new LinkedHashMap<>();
        nanos.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                .forEach(e -> out.put(e.getKey(), new double[]{e.getValue()[0] / 1e6 / steps, e.getValue()[1] / (double) steps}));
        return out;
    }
}
