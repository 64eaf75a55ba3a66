package org.pixelcnn.backend;

/**
 * The scalars of Adam followed by Polyak averaging, in one pass over the flat parameter block; mirrors
 * {@code nn.adam_updates(params, grads, lr, mom1=0.95, mom2=0.9995)} and the
 * {@code tf.train.ExponentialMovingAverage(decay=--polyak_decay)} of the original {@code train.py}.
 *
 * <p>For every element i of the range, with g the summed gradient (nats, summed over replicas) and
 * step t = 1, 2, ...:
 * <pre>
 *   m   = beta1 * m + (1 - beta1) * g            beta1 = 0.95
 *   v   = beta2 * v + (1 - beta2) * g * g        beta2 = 0.9995
 *   p  -= lr * ((m / bc1) / sqrt(v / bc2 + 1e-8))   bc1 = 1 - beta1^t, bc2 = 1 - beta2^t
 *   ema = ema - (ema - p) (1 - d)              d = --polyak_decay (0.9995), p after its update (TF's form)
 * </pre>
 * Epsilon sits <em>inside</em> the square root, as in the original (not Kingma and Ba's
 * {@code sqrt(v_hat) + eps}). All state is float32; each line above is evaluated in float32 with one
 * rounding per operation and no fused multiply-add, in the order written, so that the CUDA twin
 * ({@code src/main/cuda/adam_polyak.cu}, kernel {@code adam_polyak_update}, which uses the
 * {@code __f*_rn} intrinsics) and its CPU twin {@link org.pixelcnn.backend.cpu.CpuAdamPolyak} give the same bits. The bias corrections are computed in float64 from t
 * and rounded once to float32 ({@link #scalars}); the original computed {@code tf.pow(mom, t)} in float32.
 *
 * <p>The Polyak average is of the parameters after this step's update. In the original the averaging op
 * and the Adam op sit in one {@code tf.group} with no ordering between them; the engine fixes the order.
 * The average must be started by the caller (the trainer copies the parameters after data-dependent
 * init into it).
 *
 * <p>Buffers are accessed with absolute indices only (their positions are ignored and left alone), so
 * heap and direct buffers both work and several threads may update disjoint ranges of the same buffers
 * concurrently.
 */
public final class AdamPolyak {
    /** Adam's first-moment decay, {@code mom1} in {@code train.py}. */
    public static final double BETA1 = 0.95;
    /** Adam's second-moment decay, {@code mom2} in {@code train.py}. */
    public static final double BETA2 = 0.9995;
    /** Added to the bias-corrected second moment inside the square root. */
    public static final double EPSILON = 1e-8;
    /** Default {@code --polyak_decay}. */
    public static final double DEFAULT_POLYAK_DECAY = 0.9995;

    /**
     * The float32 scalars of one optimiser step, shared by every element and by the CUDA kernel (passed in
     * this order after the pointers and the length).
     *
     * @param lr             learning rate of this step
     * @param beta1          0.95f
     * @param oneMinusBeta1  (float) (1 - 0.95) computed in float64
     * @param beta2          0.9995f
     * @param oneMinusBeta2  (float) (1 - 0.9995)
     * @param biasCorrection1 (float) (1 - 0.95^t)
     * @param biasCorrection2 (float) (1 - 0.9995^t)
     * @param epsilon        1e-8f
     * @param polyak         d, the Polyak decay
     * @param oneMinusPolyak 1 - (float) d in float32, as TensorFlow's ExponentialMovingAverage computes it
     */
    public record Scalars(float lr, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                          float biasCorrection1, float biasCorrection2, float epsilon,
                          float polyak, float oneMinusPolyak) {
    }

    private final double polyakDecay;

    /**
     * @param polyakDecay {@code --polyak_decay}, in [0, 1)
     * @throws IllegalArgumentException when outside [0, 1)
     */
    public AdamPolyak(double polyakDecay) {
        if (!(polyakDecay >= 0 && polyakDecay < 1)) throw new IllegalArgumentException("polyak_decay must be in [0, 1), got " + polyakDecay);
        this.polyakDecay = polyakDecay;
    }

    /** @return the Polyak decay d */
    public double polyakDecay() {
        return polyakDecay;
    }

    /**
     * The scalars for optimiser step {@code step}.
     *
     * @param step         1 for the first update (bias correction counts from 1, like the original's {@code adam_t})
     * @param learningRate the rate of this step (the trainer's schedule, train/LearningRate); rounded to float32 here
     * @return the scalars to pass to {@link org.pixelcnn.backend.Backend#adamPolyak}
     * @throws IllegalArgumentException when {@code step < 1}
     */
    public Scalars scalars(long step, double learningRate) {
        if (step < 1) throw new IllegalArgumentException("optimiser steps count from 1, got " + step);
        double bc1 = 1.0 - StrictMath.pow(BETA1, (double) step);
        double bc2 = 1.0 - StrictMath.pow(BETA2, (double) step);
        return new Scalars((float) learningRate, (float) BETA1, (float) (1.0 - BETA1), (float) BETA2, (float) (1.0 - BETA2),
                (float) bc1, (float) bc2, (float) EPSILON, (float) polyakDecay, 1f - (float) polyakDecay);
    }
}
