package org.pixelcnn.model;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * All parameters of a model in one flat block (and one flat gradient block of the same layout),
 * named as the reference's TensorFlow variables ({@code model/conv2d_3/V}, {@code model/dense_0/g},
 * {@code model/conditional_weights_0/hw}...), in creation order. Layers register their tensors while
 * the model is built; {@link #allocate} then lays out the blocks and hands out views, so optimiser,
 * averaging and all-reduce are single passes over {@link #values()} and {@link #grads()}.
 */
public final class ParamStore {
    private final List<Param> params = new ArrayList<>();
    private final Map<String, Param> byName = new HashMap<>();
    private final Map<String, Integer> counters = new HashMap<>();
    private long total;
    private Buf values, grads;
    private InitObserver initObserver;

    /**
     * Sees every weight-normalised layer's output right after its data-dependent init (the output
     * recomputed with the new g and b), in forward order; for tests and diagnostics.
     */
    @FunctionalInterface
    public interface InitObserver {
        void initialised(String layer, Buf y, long rows, int channels, float initScale);
    }

    /** Sets (or clears, with null) the observer of data-dependent init. */
    public void setInitObserver(InitObserver o) {
        this.initObserver = o;
    }

    public InitObserver initObserver() {
        return initObserver;
    }

    /** The next layer name of this kind, as nn.get_name: conv2d_0, conv2d_1, ... */
    public String nextName(String kind) {
        int k = counters.merge(kind, 1, Integer::sum) - 1;
        return "model/" + kind + "_" + k;
    }

    /** Registers a tensor; its buffers exist after {@link #allocate}. */
    public Param register(String name, Param.Init init, int... shape) {
        if (values != null) throw new IllegalStateException("parameters already allocated");
        if (byName.containsKey(name)) throw new IllegalArgumentException("duplicate parameter " + name);
        Param p = new Param(name, shape, total, init);
        total += p.size;
        params.add(p);
        byName.put(name, p);
        return p;
    }

    /** Allocates the flat blocks (values and, if withGrads, gradients) and binds every view. */
    public void allocate(Backend be, boolean withGrads) {
        values = be.alloc(total);
        grads = withGrads ? be.alloc(total) : null;
        for (Param p : params) {
            p.value = values.slice(p.offset, p.size);
            p.grad = withGrads ? grads.slice(p.offset, p.size) : null;
        }
    }

    /**
     * Binds every view to another store's value block instead of allocating one (no gradients): networks
     * of the same parameters at another image size (the sampler's top-rows networks) then read the same
     * memory, with nothing to copy. The layouts must be identical (same names, shapes and order), which
     * holds for the same nr_resnet, nr_filters, nr_logistic_mix, nonlinearity, channels and classes at any
     * image size.
     *
     * @throws IllegalStateException    if this store is already allocated, or {@code owner}'s is not
     * @throws IllegalArgumentException if the layouts differ (naming the first difference)
     */
    public void share(ParamStore owner) {
        if (values != null) throw new IllegalStateException("parameters already allocated");
        if (owner.values == null) throw new IllegalStateException("the owner's parameters are not allocated yet");
        if (owner.params.size() != params.size() || owner.total != total)
            throw new IllegalArgumentException("parameter layouts differ: " + params.size() + " tensors, " + total + " floats vs "
                    + owner.params.size() + ", " + owner.total);
        for (int i = 0; i < params.size(); i++) {
            Param a = params.get(i), b = owner.params.get(i);
            if (!a.name.equals(b.name) || !java.util.Arrays.equals(a.shape, b.shape) || a.offset != b.offset)
                throw new IllegalArgumentException("parameter layouts differ at " + a + " vs " + b);
        }
        values = owner.values;
        grads = null;
        for (Param p : params) {
            p.value = values.slice(p.offset, p.size);
            p.grad = null;
        }
    }

    /**
     * Initial values as nn.py's initialisers: V and hw ~ N(0, 0.05^2), g = 1, b = 0, from a seeded
     * generator (same seed, same parameters).
     */
    public float[] initialValues(long seed) {
        float[] out = new float[Math.toIntExact(total)];
        SplittableRandom rng = new SplittableRandom(seed);
        for (Param p : params) {
            for (long i = 0; i < p.size; i++) {
                int idx = (int) (p.offset + i);
                out[idx] = switch (p.init) {
                    case NORMAL_005 -> (float) (0.05 * gaussian(rng));
                    case ONES -> 1f;
                    case ZEROS -> 0f;
                };
            }
        }
        return out;
    }

    private static double gaussian(SplittableRandom rng) {
        // Box-Muller on the generator's doubles: reproducible on any JVM.
        double u1 = rng.nextDouble(), u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    public List<Param> params() {
        return Collections.unmodifiableList(params);
    }

    public Param get(String name) {
        Param p = byName.get(name);
        if (p == null) throw new IllegalArgumentException("no parameter " + name);
        return p;
    }

    /** Number of floats in the flat block. */
    public long total() {
        return total;
    }

    public Buf values() {
        return values;
    }

    public Buf grads() {
        return grads;
    }
}
