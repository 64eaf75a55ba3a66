package org.pixelcnn.backend.cpu;

/**
 * The float32 functions the CUDA twins call (expf, logf, log1pf, expm1f, tanhf), so that the Java code
 * reads line for line like the kernels. Each is evaluated in double and rounded once to float; log1p,
 * expm1 and tanh go through exp and log (fast intrinsics) rather than the slower StrictMath routines,
 * which keeps them within a few float32 ulps (absolute error ~1e-16 where the result is tiny).
 */
final class Float32Math {
    private Float32Math() {
    }

    static float expf(float v) {
        return (float) Math.exp(v);
    }

    static float logf(float v) {
        return (float) Math.log(v);
    }

    /** log(1 + v) for v in [0, 1] (the softplus tail); absolute error about 1e-16. */
    static float log1pf(float v) {
        return (float) Math.log(1.0 + v);
    }

    /**
     * exp(v) - 1; through double, exact to ~1e-16 absolute, which is float32-accurate for |v| &gt;= 1e-8
     * (the interior branch needs |v| &gt;= 4e-5).
     */
    static float expm1f(float v) {
        return Math.abs(v) < 1e-5f ? (float) (v + 0.5 * (double) v * v) : (float) (Math.exp(v) - 1.0);
    }

    /** tanh(v) = sign(v) (1 - 2 / (exp(2|v|) + 1)). */
    static float tanhf(float v) {
        double e = Math.exp(2.0 * Math.abs((double) v));
        double t = 1.0 - 2.0 / (e + 1.0);
        return (float) (v < 0 ? -t : t);
    }
}
