package org.pixelcnn.backend.cpu;

import java.nio.FloatBuffer;

import static org.pixelcnn.backend.cpu.Float32Math.expf;
import static org.pixelcnn.backend.cpu.Float32Math.expm1f;
import static org.pixelcnn.backend.cpu.Float32Math.log1pf;
import static org.pixelcnn.backend.cpu.Float32Math.logf;
import static org.pixelcnn.backend.cpu.Float32Math.tanhf;

/**
 * The per-pixel body of the discretized mixture of logistics: negative log-likelihood of one pixel
 * (C sub-pixels) and, optionally, its gradient with respect to that pixel's P network outputs. This is
 * the CPU twin of the per-thread body of {@code mix_logistic_loss_grad} in
 * {@code src/main/cuda/mix_logistic.cu}; the two are kept line for line the same.
 *
 * <p>Layout of one pixel's outputs l[0, P): C = 3, P = 10M: logits [0, M); channel c block at
 * M + 3Mc: means [0, M), log_scales [M, 2M), raw coeffs [2M, 3M). C = 1, P = 3M: logits, means,
 * log_scales. Mirrors {@code discretized_mix_logistic_loss} of openai/pixel-cnn {@code pixel_cnn_pp/nn.py}.
 *
 * <p>Arithmetic is float32, as on the GPU ({@link Float32Math} stands in for CUDA's expf, logf, ...).
 * It stays accurate because the log-likelihood of a sub-pixel never subtracts two sigmoids. With
 * p = plus_in, m = min_in, d = p - m = (2/255) exp(-log_scale):
 * <pre>
 *   sigmoid(p) - sigmoid(m) = sigmoid(p) * sigmoid(-m) * (1 - exp(-d))
 *   log cdf_delta = -softplus(-p) - softplus(m) + log(-expm1(-d))
 *   d/d mean      = -inv_stdv * (sigmoid(-p) - sigmoid(m))
 *   d/d log_scale = -p sigmoid(-p) + m sigmoid(m) - d / expm1(d)
 * </pre>
 * so that the bin probability keeps its relative precision however small it is, and the gradient has
 * no 1/cdf_delta factor. The naive float32 difference misses the gradient by up to 4e-3 relative
 * (golden README); this formulation stays within 1e-6 of max |grad| on the golden files. Components
 * are combined with online log-sum-exps (over the logits, and over log pi_k + sum_c log p(x_c | k)).
 *
 * <p>One instance per thread: it owns scratch arrays. Not thread-safe.
 */
final class MixLogisticPixel {
    /** Half the width of one 8-bit bin on the [-1, 1] scale. */
    static final float HALF_BIN = 1.0f / 255.0f;
    /** log(127.5): the bin-width correction of the pdf approximation. */
    static final float LOG_HALF_BINS = 4.848116364598481f;
    /** log(1e-5): below this log cdf_delta the pdf approximation is used. */
    static final float LOG_MIN_CDF_DELTA = -11.512925464970229f;
    /** Lower clamp of log_scales. */
    static final float MIN_LOG_SCALE = -7.0f;

    private final int channels;
    private final int mix;
    private final float[] lpk;   // per component: log pi_k + sum_c log p(x_c | k)
    private final float[] dmu;   // [c * M + k]: d log p(x_c | k) / d mean_c
    private final float[] dls;   // [c * M + k]: d log p(x_c | k) / d log_scale_c (0 when clamped)
    private final float[] tanhC; // [i * M + k]: tanh of raw coeff i (C = 3)
    private float subDmu;
    private float subDls;

    /** @param channels C, 1 or 3; @param mix M >= 1 */
    MixLogisticPixel(int channels, int mix) {
        this.channels = channels;
        this.mix = mix;
        this.lpk = new float[mix];
        this.dmu = new float[3 * mix];
        this.dls = new float[3 * mix];
        this.tanhC = new float[3 * mix];
    }

    /**
     * Negative log-likelihood of one pixel in nats; writes gradScale * d nats / d l into g when g is
     * not null.
     *
     * @param l    network output, the pixel's P values start at lOff
     * @param x    model input in [-1, 1], the pixel's C values start at xOff
     * @param g    gradient output (same layout as l, at gOff), or null for the loss alone
     */
    float run(FloatBuffer l, int lOff, FloatBuffer x, int xOff, FloatBuffer g, int gOff, float gradScale) {
        final int M = mix;
        final boolean grad = g != null;
        final float logitLse = logitLogSumExp(l, lOff); // log_softmax(logits) = logits - logitLse
        final float x0 = x.get(xOff);
        final float x1 = channels == 3 ? x.get(xOff + 1) : 0.0f;
        final float x2 = channels == 3 ? x.get(xOff + 2) : 0.0f;
        // per component: log pi_k + sum_c log p(x_c | k), combined by an online log-sum-exp
        float m = Float.NEGATIVE_INFINITY, s = 0.0f;
        for (int k = 0; k < M; k++) {
            float acc = l.get(lOff + k) - logitLse;
            acc += subpixel(x0, l.get(lOff + M + k), l.get(lOff + 2 * M + k));
            dmu[k] = subDmu; dls[k] = subDls;
            if (channels == 3) {
                float t0 = tanhf(l.get(lOff + 3 * M + k));
                float t1 = tanhf(l.get(lOff + 6 * M + k));
                float t2 = tanhf(l.get(lOff + 9 * M + k));
                float mu1 = l.get(lOff + 4 * M + k) + t0 * x0;
                acc += subpixel(x1, mu1, l.get(lOff + 5 * M + k));
                dmu[M + k] = subDmu; dls[M + k] = subDls;
                float mu2 = l.get(lOff + 7 * M + k) + t1 * x0 + t2 * x1;
                acc += subpixel(x2, mu2, l.get(lOff + 8 * M + k));
                dmu[2 * M + k] = subDmu; dls[2 * M + k] = subDls;
                tanhC[k] = t0; tanhC[M + k] = t1; tanhC[2 * M + k] = t2;
            }
            lpk[k] = acc;
            if (acc > m) { s = s * expf(m - acc) + 1.0f; m = acc; } else { s += expf(acc - m); }
        }
        final float lse = m + logf(s);
        if (grad) {
            for (int k = 0; k < M; k++) {
                float w = expf(lpk[k] - lse);                  // posterior of component k
                float pi = expf(l.get(lOff + k) - logitLse);   // prior of component k
                g.put(gOff + k, gradScale * (pi - w));
                float gs = -gradScale * w;                     // d nats / d log p(x_c | k)
                g.put(gOff + M + k, gs * dmu[k]);
                g.put(gOff + 2 * M + k, gs * dls[k]);
                if (channels == 3) {
                    float gm1 = gs * dmu[M + k];
                    float gm2 = gs * dmu[2 * M + k];
                    float t0 = tanhC[k], t1 = tanhC[M + k], t2 = tanhC[2 * M + k];
                    g.put(gOff + 3 * M + k, gm1 * (1.0f - t0 * t0) * x0);
                    g.put(gOff + 4 * M + k, gm1);
                    g.put(gOff + 5 * M + k, gs * dls[M + k]);
                    g.put(gOff + 6 * M + k, gm2 * (1.0f - t1 * t1) * x0);
                    g.put(gOff + 7 * M + k, gm2);
                    g.put(gOff + 8 * M + k, gs * dls[2 * M + k]);
                    g.put(gOff + 9 * M + k, gm2 * (1.0f - t2 * t2) * x1);
                }
            }
        }
        return -lse;
    }

    /**
     * The pixel's negative log-likelihood split over its sub-pixels along the autoregressive order of
     * the mixture: out[c] = -log p(x_c | x_0..x_{c-1}) in nats, with p(x_0..x_c) = sum_k pi_k
     * prod_{c' &lt;= c} p(x_c' | k). With L_c = log sum_k exp(log pi_k + sum_{c' &lt;= c} log p(x_c' | k))
     * (L_{-1} = 0): out[c] = L_{c-1} - L_c. The terms telescope to -L_{C-1}, the value {@link #run}
     * returns (computed from the same floats in the same order, so for C = 1 out[0] is bit for bit that
     * value). CPU twin of {@code mix_logistic_subpixel_nll} in {@code src/main/cuda/mix_logistic.cu}.
     *
     * @param l   network output, the pixel's P values start at lOff
     * @param x   model input in [-1, 1], the pixel's C values start at xOff
     * @param out receives C values at oOff
     */
    void subpixelNll(FloatBuffer l, int lOff, FloatBuffer x, int xOff, FloatBuffer out, int oOff) {
        final int M = mix;
        final float logitLse = logitLogSumExp(l, lOff);
        final float x0 = x.get(xOff);
        final float x1 = channels == 3 ? x.get(xOff + 1) : 0.0f;
        final float x2 = channels == 3 ? x.get(xOff + 2) : 0.0f;
        // online log-sum-exps of the cumulative per-component sums after sub-pixel 0, 1, 2
        float m0 = Float.NEGATIVE_INFINITY, s0 = 0.0f, m1 = Float.NEGATIVE_INFINITY, s1 = 0.0f, m2 = Float.NEGATIVE_INFINITY, s2 = 0.0f;
        for (int k = 0; k < M; k++) {
            float acc = l.get(lOff + k) - logitLse;
            acc += subpixel(x0, l.get(lOff + M + k), l.get(lOff + 2 * M + k));
            if (acc > m0) { s0 = s0 * expf(m0 - acc) + 1.0f; m0 = acc; } else { s0 += expf(acc - m0); }
            if (channels == 3) {
                float t0 = tanhf(l.get(lOff + 3 * M + k));
                float t1 = tanhf(l.get(lOff + 6 * M + k));
                float t2 = tanhf(l.get(lOff + 9 * M + k));
                float mu1 = l.get(lOff + 4 * M + k) + t0 * x0;
                acc += subpixel(x1, mu1, l.get(lOff + 5 * M + k));
                if (acc > m1) { s1 = s1 * expf(m1 - acc) + 1.0f; m1 = acc; } else { s1 += expf(acc - m1); }
                float mu2 = l.get(lOff + 7 * M + k) + t1 * x0 + t2 * x1;
                acc += subpixel(x2, mu2, l.get(lOff + 8 * M + k));
                if (acc > m2) { s2 = s2 * expf(m2 - acc) + 1.0f; m2 = acc; } else { s2 += expf(acc - m2); }
            }
        }
        final float lse0 = m0 + logf(s0);
        out.put(oOff, -lse0);
        if (channels == 3) {
            final float lse1 = m1 + logf(s1);
            final float lse2 = m2 + logf(s2);
            out.put(oOff + 1, lse0 - lse1);
            out.put(oOff + 2, lse1 - lse2);
        }
    }

    /**
     * log p(x | mean mu, log_scale lsRaw) of one sub-pixel, the branch chosen as in nn.py; leaves
     * d/d mu in subDmu and d/d lsRaw in subDls (zero below the clamp at -7).
     */
    private float subpixel(float xc, float mu, float lsRaw) {
        final float lsc = lsRaw < MIN_LOG_SCALE ? MIN_LOG_SCALE : lsRaw;     // NaN stays NaN
        final float inv = expf(-lsc);
        final float cx = xc - mu;
        float lp, gmu, gls;
        if (xc < -0.999f) {                              // left edge: log sigmoid(plus_in)
            float p = inv * (cx + HALF_BIN);
            float ep = expf(-Math.abs(p));
            float sNegP = p >= 0.0f ? ep / (1.0f + ep) : 1.0f / (1.0f + ep);
            lp = -(Math.max(-p, 0.0f) + log1pf(ep));
            gmu = -inv * sNegP;
            gls = -p * sNegP;
        } else if (xc > 0.999f) {                        // right edge: log(1 - sigmoid(min_in))
            float mn = inv * (cx - HALF_BIN);
            float em = expf(-Math.abs(mn));
            float sM = mn >= 0.0f ? 1.0f / (1.0f + em) : em / (1.0f + em);
            lp = -(Math.max(mn, 0.0f) + log1pf(em));
            gmu = inv * sM;
            gls = mn * sM;
        } else {
            float p = inv * (cx + HALF_BIN);
            float mn = inv * (cx - HALF_BIN);
            float d = 2.0f * HALF_BIN * inv;
            float ep = expf(-Math.abs(p));
            float em = expf(-Math.abs(mn));
            float emd = expm1f(-d);
            float logDelta = -(Math.max(-p, 0.0f) + log1pf(ep))
                    - (Math.max(mn, 0.0f) + log1pf(em)) + logf(-emd);
            if (logDelta > LOG_MIN_CDF_DELTA) {          // log(sigmoid(plus_in) - sigmoid(min_in))
                float sNegP = p >= 0.0f ? ep / (1.0f + ep) : 1.0f / (1.0f + ep);
                float sM = mn >= 0.0f ? 1.0f / (1.0f + em) : em / (1.0f + em);
                lp = logDelta;
                gmu = -inv * (sNegP - sM);
                gls = -p * sNegP + mn * sM - d * (1.0f + emd) / -emd;   // d / expm1(d)
            } else {                                     // log pdf at the bin centre - log(127.5)
                float mid = inv * cx;
                float e = expf(-Math.abs(mid));
                float oneMinus2Sig = (mid >= 0.0f ? -(1.0f - e) : (1.0f - e)) / (1.0f + e);
                lp = mid - lsc - 2.0f * (Math.max(mid, 0.0f) + log1pf(e)) - LOG_HALF_BINS;
                gmu = -inv * oneMinus2Sig;
                gls = -mid * oneMinus2Sig - 1.0f;
            }
        }
        subDmu = gmu;
        subDls = lsRaw >= MIN_LOG_SCALE ? gls : 0.0f;
        return lp;
    }

    /** log sum_k exp(logit_k) of the pixel's M logits at lOff, by an online log-sum-exp (as the CUDA twin). */
    private float logitLogSumExp(FloatBuffer l, int lOff) {
        float lm = Float.NEGATIVE_INFINITY, lsum = 0.0f;
        for (int k = 0; k < mix; k++) {
            float v = l.get(lOff + k);
            if (v > lm) { lsum = lsum * expf(lm - v) + 1.0f; lm = v; } else { lsum += expf(v - lm); }
        }
        return lm + logf(lsum);
    }
}
