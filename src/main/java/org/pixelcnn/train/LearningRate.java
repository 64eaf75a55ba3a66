package org.pixelcnn.train;

import org.pixelcnn.backend.AdamPolyak;

/**
 * The learning-rate schedule of the original {@code train.py}: the rate is multiplied by
 * {@code --lr_decay} before every optimiser step, so step t (t = 1, 2, ...) runs with
 * {@code lr_t = learning_rate * lr_decay^t}.
 *
 * <p><b>Closed form instead of a running product.</b> The original keeps a Python float and does
 * {@code lr *= lr_decay} once per step; after t steps that product carries up to about t roundings
 * of float64 (relative error below {@code t * 2^-53}, i.e. below 1e-10 after a million steps, far under
 * the float32 precision the value is fed to the graph with). We compute {@code base * decay^t} from
 * the base rate and the step number every time instead, with {@link StrictMath#pow} (fdlibm: the same
 * bits on every JVM and platform). The value for step t is then a pure function of (base, decay, t),
 * so a run resumed from a checkpoint at step t continues with bit-for-bit the rates a straight run
 * would have used; a running product would need its exact float64 state saved and restored.
 * For t = 1 both forms are the same double ({@code base * decay}); afterwards they agree to within
 * float64 rounding (checked by {@code LearningRateTest}).
 */
public final class LearningRate {
    private final double base;
    private final double decay;

    /**
     * @param base  {@code --learning_rate} (default 0.001), finite and &gt; 0
     * @param decay {@code --lr_decay} (default 0.999995), in (0, 1]
     * @throws IllegalArgumentException when a value is outside those ranges
     */
    public LearningRate(double base, double decay) {
        if (!(base > 0) || Double.isInfinite(base)) throw new IllegalArgumentException("learning rate must be finite and > 0, got " + base);
        if (!(decay > 0 && decay <= 1)) throw new IllegalArgumentException("lr_decay must be in (0, 1], got " + decay);
        this.base = base;
        this.decay = decay;
    }

    /** @return the base rate ({@code --learning_rate}) */
    public double base() {
        return base;
    }

    /** @return the per-step decay factor ({@code --lr_decay}) */
    public double decay() {
        return decay;
    }

    /**
     * The rate used by optimiser step {@code step}: {@code base * decay^step}.
     *
     * @param step 1 for the first update, 2 for the second, ...
     * @return the rate in float64
     * @throws IllegalArgumentException when {@code step < 1}
     */
    public double at(long step) {
        if (step < 1) throw new IllegalArgumentException("optimiser steps count from 1, got " + step);
        return base * StrictMath.pow(decay, (double) step);
    }

    /**
     * The rate of step {@code step} rounded to float32, as the original feeds it to its float32
     * {@code tf_lr} placeholder and as {@link AdamPolyak} uses it.
     *
     * @param step 1 for the first update
     * @return {@code (float) at(step)}
     */
    public float floatAt(long step) {
        return (float) at(step);
    }
}
