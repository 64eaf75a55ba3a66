package org.pixelcnn.backend.cpu;

import org.pixelcnn.backend.ConvGeom;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which convolutions of the CPU backend run on oneDNN's primitives ({@link OneDnnConv}) rather than im2col +
 * SGEMM ({@link CpuConv}), and those primitives, one set per geometry, made on first use and kept (the least
 * recently used dropped past {@value #KEEP} geometries: a training step has at most about 25, a sampler or an
 * evaluation with a partial last batch a few more).
 *
 * <p>The rule, from the JMH class {@code ConvVsOneDnn} on every convolution of S, M and D (README Performance):
 * oneDNN wherever its natives are in the jar and the convolution is not 1x1 (a 1x1 layer is a plain product);
 * its backward-filter only where each thread gets at least two images (at one image per thread, D at batch 2 on
 * 2 threads, oneDNN's backward-weights won as often as it lost). Off with {@code PCE_CPU_CONV=im2col} (or
 * {@code -Dpixelcnn.cpu.conv=im2col}), and wherever the products run on OpenBLAS ({@code PCE_CPU_GEMM=openblas},
 * a {@code -Plean} jar): then every convolution is im2col + SGEMM, the path the tests also check.
 */
final class OneDnnConvs implements AutoCloseable {
    /** Geometries whose primitives are kept. */
    static final int KEEP = 64;

    /** Whether convolutions may run on oneDNN at all in this process. */
    static final boolean ENABLED = CpuConv.Blas.ENGINE.equals("oneDNN")
            && !System.getProperty("pixelcnn.cpu.conv", System.getenv().getOrDefault("PCE_CPU_CONV", "auto")).equalsIgnoreCase("im2col");

    private final Parallel par;
    private final boolean on, split;
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(OneDnnConvs.class.getName());
    private final java.util.Set<ConvGeom> refused = new java.util.HashSet<>();
    private final Map<ConvGeom, OneDnnConv> made = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ConvGeom, OneDnnConv> eldest) {
            if (size() <= KEEP) return false;
            eldest.getValue().close();
            return true;
        }
    };

    /**
     * @param par the backend's threads: one chunk of images per thread, each oneDNN call on one thread
     * @param wanted false: im2col + SGEMM for every convolution of this backend (tests compare the two paths)
     */
    OneDnnConvs(Parallel par, boolean wanted) {
        this.par = par;
        this.on = ENABLED && wanted;
        this.split = CpuConv.Blas.oneDnnOnCallingThread();
    }

    /** The library running the convolutions: "oneDNN primitives, 1x1 layers as products" or "im2col + ... SGEMM". */
    static String engine() {
        return ENABLED ? "oneDNN primitives, 1x1 layers as products" : "im2col + " + CpuConv.Blas.ENGINE + " SGEMM";
    }

    /**
     * The primitives for g's forward and backward-data, or null where im2col + SGEMM runs them (also where
     * oneDNN refuses the geometry: logged once at FINE).
     */
    OneDnnConv data(ConvGeom g) {
        return on && !g.isPointwise() ? of(g) : null;
    }

    /** The primitives for g's backward-filter, or null where im2col + SGEMM runs it. */
    OneDnnConv filter(ConvGeom g) {
        return on && !g.isPointwise() && filterOnOneDnn(g.n(), par.threads()) ? of(g) : null;
    }

    /** Whether g's convolutions have run on oneDNN's primitives in this backend (for tests and logs). */
    boolean ranOnOneDnn(ConvGeom g) {
        return made.containsKey(g);
    }

    /** The rule for backward-filter: at least two images for each of the threads (or one chunk of an OpenMP team). */
    static boolean filterOnOneDnn(int images, int threads) {
        return images >= 2 * threads;
    }

    /** g's primitives, made on first use; null (im2col + SGEMM) for a geometry oneDNN refused. */
    private OneDnnConv of(ConvGeom g) {
        OneDnnConv c = made.get(g);
        if (c == null && !refused.contains(g)) {
            try {
                c = new OneDnnConv(g, par, split);
                made.put(g, c);
            } catch (IllegalStateException refusal) { // e.g. a padding its implementations do not take
                refused.add(g);
                LOG.fine(() -> "convolution " + g + " on im2col + SGEMM: " + refusal.getMessage());
            }
        }
        return c;
    }

    @Override
    public void close() {
        for (OneDnnConv c : made.values()) c.close();
        made.clear();
    }
}
