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
 * built on the wrapped backend can be timed plainly first and profiled afterwards. With a
 * {@link #setPhase phase} set ("forward", "backward", ...) an operation is counted under "phase op", so the
 * same operation in the forward and the backward pass has two rows. The matrix products also count their
 * FLOPs ({@link #flops}: 2 per multiply-add), from which {@link #perStep} gives GFLOP/s.
 */
public final class OpTimer {
    private final Map<String, long[]> nanos = new TreeMap<>();
    private volatile boolean enabled = true;
    private volatile String phase;

    /** Counts the following operations under "phase op" (null: under the operation's name alone). */
    public void setPhase(String phase) {
        this.phase = phase;
    }

    /**
     * FLOPs of one call (a multiply-add counts 2): gemm 2mnk, a convolution's forward, backward-data and
     * backward-filter 2 x its multiply-adds ({@link org.pixelcnn.backend.ConvGeom#macs}); 0 for every other
     * operation (elementwise work is memory-bound: its GFLOP/s says nothing).
     */
    static long flops(String op, Object[] args) {
        return switch (op) {
            case "gemm" -> 2L * (int) args[2] * (int) args[3] * (int) args[4];
            case "convForward", "convBackwardData", "convBackwardFilter" -> 2L * ((org.pixelcnn.backend.ConvGeom) args[0]).macs();
            default -> 0L;
        };
    }

    /** A backend that forwards every call to be and, while enabled, times it. */
    public Backend wrap(Backend be) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class}, (proxy, m, args) -> {
            try {
                if (!enabled || m.getDeclaringClass() == Object.class) return m.invoke(be, args);
                long t0 = System.nanoTime();
                Object r = m.invoke(be, args);
                if (!m.getName().equals("synchronize")) be.synchronize();
                String ph = phase;
                long[] acc = nanos.computeIfAbsent(ph == null ? m.getName() : ph + " " + m.getName(), k -> new long[3]);
                acc[0] += System.nanoTime() - t0;
                acc[1]++;
                acc[2] += flops(m.getName(), args);
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

    /** Operation name (or "phase op") to {total nanoseconds, calls, FLOPs}, by name. */
    public Map<String, long[]> totals() {
        return nanos;
    }

    /**
     * The totals divided over {@code steps} steps, largest time first: operation name to
     * {milliseconds per step, calls per step, GFLOP per step}.
     *
     * @throws IllegalArgumentException when steps &lt; 1
     */
    public Map<String, double[]> perStep(int steps) {
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, not " + steps);
        Map<String, double[]> out = new LinkedHashMap<>();
        nanos.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                .forEach(e -> out.put(e.getKey(), new double[]{e.getValue()[0] / 1e6 / steps, e.getValue()[1] / (double) steps,
                        e.getValue()[2] / 1e9 / steps}));
        return out;
    }
}
