package org.pixelcnn.selftest;

import java.util.ArrayList;
import java.util.List;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.cuda.CudaBackend;
import org.pixelcnn.backend.cuda.CudaException;

/**
 * Stops the self-test at the first sticky CUDA error. A check that fails is caught and reported, and the
 * self-test goes on to the next one; but after a sticky error (illegal address, launch failure...: see
 * {@link CudaException#isSticky}) the context is unusable and every later CUDA call in the process fails the
 * same way, so the later checks would only repeat it. After every caught failure {@link #failed} asks the
 * backends under test ({@link Probe}: on CUDA, {@link CudaBackend#stickyErrorAfterFailure}, which also clears
 * the runtime's last error so that a later library call does not report it); a sticky error stops the run.
 * The checks ({@link Parity#runAll}, {@link ModelParity}, {@link TrainingParity}) run nothing once it has.
 */
public final class StickyGuard {
    /** Asked after a caught failure. */
    @FunctionalInterface
    public interface Probe {
        /** Clears the device's last error; returns the sticky error's text, or null when the device still works. */
        String afterFailure();
    }

    private final Probe probe;
    private String reason;

    public StickyGuard(Probe probe) {
        this.probe = probe;
    }

    /** A guard over the given backends under test: the CUDA ones are probed, other backends never stop the run. */
    public static StickyGuard of(List<? extends Backend> duts) {
        List<CudaBackend> gpus = new ArrayList<>();
        for (Backend b : duts) if (b instanceof CudaBackend cb) gpus.add(cb);
        return new StickyGuard(() -> {
            String found = null;
            for (CudaBackend g : gpus) {
                String s = g.stickyErrorAfterFailure();
                if (found == null) found = s;
            }
            return found;
        });
    }

    /** A guard that never stops (reference runs, tests of the harness on two CPU backends). */
    public static StickyGuard never() {
        return new StickyGuard(() -> null);
    }

    /**
     * After a caught failure e of a check: probes the device (clearing its last error) and stops the run when
     * e is a sticky CudaException (in its cause chain) or the probe finds a sticky error.
     */
    public void failed(Throwable e) {
        String probed = probe.afterFailure();
        if (reason != null) return;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause())
            if (t instanceof CudaException ce && ce.sticky()) {
                reason = Parity.describe(ce);
                return;
            }
        if (probed != null) reason = probed;
    }

    /** One comparison of a self-test: its relative error (or a count) against its bound. */
    @FunctionalInterface
    public interface Check {
        double run();
    }

    /**
     * Runs one check and adds its line to out, unless a sticky error has stopped the run; a check that throws
     * becomes a failed line (and {@link #failed} decides whether the run goes on).
     */
    public void check(List<Parity.Result> out, String op, String shape, double bound, Check c) {
        if (stopped()) return;
        try {
            out.add(new Parity.Result(op, shape, c.run(), bound, null));
        } catch (RuntimeException | Error e) {
            failed(e);
            out.add(new Parity.Result(op, shape, Double.NaN, bound, Parity.describe(e)));
        }
    }

    /** Whether a sticky error has stopped the run. */
    public boolean stopped() {
        return reason != null;
    }

    /** The sticky error that stopped the run, or null. */
    public String reason() {
        return reason;
    }
}
