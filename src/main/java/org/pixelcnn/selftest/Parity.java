package org.pixelcnn.selftest;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.backend.cuda.CudaBackend;

/**
 * Runs one operation on a reference backend (the CPU oracle) and a backend under test with the same
 * fresh random inputs, and compares every output by relative error ||dut - ref|| / ||ref|| (float64; NaN
 * anywhere fails). Outputs that the operation overwrites are poisoned with NaN on both backends first, so
 * an element the operation forgets to write fails; accumulated outputs start from the same random values.
 * Device memory a case allocates is given back after it (arena mark / release). A failure is reported as a
 * failed result and the next case runs, unless the {@link StickyGuard} says it left a sticky CUDA error:
 * {@link #runAll} then stops.
 */
public final class Parity {
    /**
     * One comparison: the operation, its shape, the error, the bound, and a problem (exception) if the
     * operation could not run.
     */
    public record Result(String op, String shape, double error, double bound, String problem) {
        /** Error within the bound (NaN fails) and no problem. */
        public boolean ok() {
            return problem == null && error <= bound;
        }

        /** One line: op, shape, error, bound, ok/FAIL (and the problem). */
        public String line() {
            String err = problem != null ? "       -" : String.format("%8.2e", error);
            return String.format("%-28s %-46s err %s  bound %.0e  %s%s", op, shape, err, bound, ok() ? "ok" : "FAIL",
                    problem == null ? "" : "  " + problem);
        }
    }

    /** A case: operation name, shape text, and a body that makes its tensors and returns the operation to run on each backend. */
    public record OpCase(String op, String shape, Function<Case, Consumer<Backend>> body) {
    }

    private final Backend ref, dut;
    private final long seed;
    private final StickyGuard guard;
    private long counter;

    /** A comparison whose failures never stop the run (two CPU backends: the harness's own tests). */
    public Parity(Backend ref, Backend dut, long seed) {
        this(ref, dut, seed, StickyGuard.never());
    }

    /** @param guard told about every failure; stops {@link #runAll} at a sticky CUDA error */
    public Parity(Backend ref, Backend dut, long seed, StickyGuard guard) {
        this.ref = ref;
        this.dut = dut;
        this.seed = seed;
        this.guard = guard;
    }

    /** The guard this comparison reports failures to. */
    public StickyGuard guard() {
        return guard;
    }

    public Backend ref() {
        return ref;
    }

    public Backend dut() {
        return dut;
    }

    /** A tensor on both backends. */
    public final class T {
        private final Buf r, d;

        T(long n) {
            r = ref.alloc(n);
            d = dut.alloc(n);
        }

        /** This tensor's buffer on backend be (one of the two). */
        public Buf on(Backend be) {
            if (be == ref) return r;
            if (be == dut) return d;
            throw new IllegalArgumentException("backend " + be.name() + " is not part of this comparison");
        }

        public long size() {
            return r.size();
        }
    }

    /** The tensors and recorded scalars of one case. */
    public final class Case {
        private final SplittableRandom rng;
        private final List<T> compared = new ArrayList<>();
        private final List<double[]> refScalars = new ArrayList<>(), dutScalars = new ArrayList<>();

        Case(SplittableRandom rng) {
            this.rng = rng;
        }

        /** An input, uniform in [-1, 1). */
        public T in(long n) {
            return in(n, -1, 1);
        }

        /** An input, uniform in [lo, hi). */
        public T in(long n, double lo, double hi) {
            return filled(n, () -> lo + (hi - lo) * rng.nextDouble());
        }

        /** An input with values from gen (gets this case's generator). */
        public T in(long n, ToDoubleFunction<SplittableRandom> gen) {
            return filled(n, () -> gen.applyAsDouble(rng));
        }

        /** An output the operation overwrites: NaN on both backends before it runs; compared. */
        public T out(long n) {
            T t = new T(n);
            ref.fill(t.r, Float.NaN);
            dut.fill(t.d, Float.NaN);
            compared.add(t);
            return t;
        }

        /** An output the operation accumulates into: the same random values on both before; compared. */
        public T acc(long n) {
            T t = in(n);
            compared.add(t);
            return t;
        }

        /** Also compares this tensor after the operation (an input the operation updates in place). */
        public void compare(T t) {
            if (!compared.contains(t)) compared.add(t);
        }

        /** The same random host values every backend will use (e.g. for upload). */
        public float[] host(int n) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) v[i] = (float) (2 * rng.nextDouble() - 1);
            return v;
        }

        /** Records values an operation returned to the host on backend be; compared like a tensor. */
        public void scalars(Backend be, double... values) {
            (be == ref ? refScalars : dutScalars).add(values.clone());
        }

        private T filled(long n, DoubleSupplier gen) {
            T t = new T(n);
            float[] v = new float[Math.toIntExact(n)];
            for (int i = 0; i < v.length; i++) v[i] = (float) gen.getAsDouble();
            ref.upload(v, 0, t.r, 0, v.length);
            dut.upload(v, 0, t.d, 0, v.length);
            return t;
        }
    }

    /** Runs one case on both backends and compares; exceptions become a failed result naming them. */
    public Result run(OpCase oc, double bound) {
        long refMark = mark(ref), dutMark = mark(dut);
        try {
            Case c = new Case(new SplittableRandom(seed * 1_000_003L + counter++));
            Consumer<Backend> op = oc.body().apply(c);
            op.accept(ref);
            op.accept(dut);
            dut.synchronize();
            return new Result(oc.op(), oc.shape(), worst(c), bound, null);
        } catch (RuntimeException | Error e) {
            guard.failed(e);
            return new Result(oc.op(), oc.shape(), Double.NaN, bound, describe(e));
        } finally {
            release(ref, refMark);
            release(dut, dutMark);
        }
    }

    /**
     * Runs the cases in order, giving each result to {@code report} as it comes, and stops after the case that
     * left a sticky CUDA error ({@link StickyGuard}); the cases after it do not run.
     *
     * @return the number of cases run
     */
    public int runAll(List<OpCase> cases, double bound, Consumer<Result> report) {
        int run = 0;
        for (OpCase c : cases) {
            if (guard.stopped()) break;
            report.accept(run(c, bound));
            run++;
        }
        return run;
    }

    /** "ExceptionClass: first line of the message". */
    public static String describe(Throwable e) {
        String m = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        return e.getClass().getSimpleName() + ": " + m;
    }

    private double worst(Case c) {
        double worst = 0;
        for (T t : c.compared) {
            int n = Math.toIntExact(t.size());
            float[] a = new float[n], b = new float[n];
            ref.download(t.r, 0, a, 0, n);
            dut.download(t.d, 0, b, 0, n);
            worst = max(worst, relativeError(a, b));
        }
        if (c.refScalars.size() != c.dutScalars.size()) return Double.NaN;
        for (int i = 0; i < c.refScalars.size(); i++) worst = max(worst, relativeError(c.refScalars.get(i), c.dutScalars.get(i)));
        return worst;
    }

    private static double max(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b);
    }

    /** ||b - a|| / ||a|| in float64 (0 when both are zero; NaN when any element is NaN or the sizes differ). */
    public static double relativeError(float[] a, float[] b) {
        if (a.length != b.length) return Double.NaN;
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) b[i] - a[i];
            num += d * d;
            den += (double) a[i] * a[i];
        }
        return ratio(num, den);
    }

    /** The same for float64 values. */
    public static double relativeError(double[] a, double[] b) {
        if (a.length != b.length) return Double.NaN;
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = b[i] - a[i];
            num += d * d;
            den += a[i] * a[i];
        }
        return ratio(num, den);
    }

    private static double ratio(double num, double den) {
        if (Double.isNaN(num) || Double.isNaN(den) || Double.isInfinite(num) || Double.isInfinite(den)) return Double.NaN;
        if (num == 0) return 0;
        return Math.sqrt(num) / Math.sqrt(Math.max(den, Double.MIN_NORMAL));
    }

    static long mark(Backend be) {
        if (be instanceof CpuBackend c) return c.mark();
        return be instanceof CudaBackend cb ? cb.arena().mark() : 0;
    }

    static void release(Backend be, long mark) {
        if (be instanceof CpuBackend c) c.release((int) mark);
        if (be instanceof CudaBackend cb) {
            try {
                cb.synchronize();
            } catch (RuntimeException e) { // already reported by the case that caused it
                return;
            }
            cb.arena().release(mark);
        }
    }
}
