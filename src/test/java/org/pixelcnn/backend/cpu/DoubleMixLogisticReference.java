package org.pixelcnn.backend.cpu;

/**
 * Test oracle: the per-pixel negative log-likelihood of nn.py's {@code discretized_mix_logistic_loss}
 * evaluated in float64, written the naive way (the bin probability as a difference of two sigmoids,
 * taken in the tail where it does not cancel), independent of the stable formulation of
 * {@link MixLogisticPixel}. Forward only: gradients come from finite differences of it.
 */
final class DoubleMixLogisticReference {
    static final int EDGE_LOW = 0, EDGE_HIGH = 1, INTERIOR = 2, TINY = 3;

    private DoubleMixLogisticReference() {
    }

    /**
     * Nats of one pixel.
     *
     * @param l         the pixel's P outputs (layout of {@link DiscretizedMixLogistic})
     * @param x         the pixel's C inputs in [-1, 1]
     * @param branch    receives the branch of sub-pixel c under component k at [c * M + k], or null
     * @param posterior receives the posterior weight of each component [M], or null
     */
    static double pixelNats(double[] l, double[] x, int C, int M, int[] branch, double[] posterior) {
        double[] logPi = logSoftmax(l, M);
        double[] lpk = new double[M];
        for (int k = 0; k < M; k++) {
            double mu0 = l[M + k];
            double lp = logProb(x[0], mu0, l[2 * M + k], branch, k);
            if (C == 3) {
                double c0 = Math.tanh(l[3 * M + k]), c1 = Math.tanh(l[6 * M + k]), c2 = Math.tanh(l[9 * M + k]);
                double mu1 = l[4 * M + k] + c0 * x[0];
                double mu2 = l[7 * M + k] + c1 * x[0] + c2 * x[1];
                lp += logProb(x[1], mu1, l[5 * M + k], branch, M + k);
                lp += logProb(x[2], mu2, l[8 * M + k], branch, 2 * M + k);
            }
            lpk[k] = lp + logPi[k];
        }
        double lse = logSumExp(lpk);
        if (posterior != null) for (int k = 0; k < M; k++) posterior[k] = Math.exp(lpk[k] - lse);
        return -lse;
    }

    /**
     * Nats of the first {@code upTo} sub-pixels of one C = 3 pixel, -log sum_k pi_k prod_{c &lt; upTo}
     * p(x_c | k): the mixture's marginal of those sub-pixels (upTo = 3 is {@link #pixelNats}).
     */
    static double prefixNats(double[] l, double[] x, int M, int upTo) {
        double[] logPi = logSoftmax(l, M);
        double[] lpk = new double[M];
        for (int k = 0; k < M; k++) {
            double c0 = Math.tanh(l[3 * M + k]), c1 = Math.tanh(l[6 * M + k]), c2 = Math.tanh(l[9 * M + k]);
            double[] mu = {l[M + k], l[4 * M + k] + c0 * x[0], l[7 * M + k] + c1 * x[0] + c2 * x[1]};
            double lp = 0;
            for (int c = 0; c < upTo; c++) lp += logProb(x[c], mu[c], l[M + 3 * M * c + M + k], null, 0);
            lpk[k] = lp + logPi[k];
        }
        return -logSumExp(lpk);
    }

    private static double logProb(double x, double mean, double logScaleRaw, int[] branch, int idx) {
        double logScale = Math.max(logScaleRaw, -7.0);
        double centered = x - mean;
        double invStdv = Math.exp(-logScale);
        double plusIn = invStdv * (centered + 1.0 / 255.0);
        double minIn = invStdv * (centered - 1.0 / 255.0);
        double midIn = invStdv * centered;
        double cdfDelta = midIn > 0 ? sigmoid(-minIn) - sigmoid(-plusIn) : sigmoid(plusIn) - sigmoid(minIn);
        int b;
        double lp;
        if (x < -0.999) { b = EDGE_LOW; lp = plusIn - softplus(plusIn); }
        else if (x > 0.999) { b = EDGE_HIGH; lp = -softplus(minIn); }
        else if (cdfDelta > 1e-5) { b = INTERIOR; lp = Math.log(cdfDelta); }
        else { b = TINY; lp = midIn - logScale - 2.0 * softplus(midIn) - Math.log(127.5); }
        if (branch != null) branch[idx] = b;
        return lp;
    }

    static double sigmoid(double z) {
        return z >= 0 ? 1.0 / (1.0 + Math.exp(-z)) : Math.exp(z) / (1.0 + Math.exp(z));
    }

    static double softplus(double z) {
        return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    }

    static double[] logSoftmax(double[] logits, int M) {
        double[] a = new double[M];
        System.arraycopy(logits, 0, a, 0, M);
        double lse = logSumExp(a);
        for (int k = 0; k < M; k++) a[k] -= lse;
        return a;
    }

    static double logSumExp(double[] a) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : a) m = Math.max(m, v);
        double s = 0;
        for (double v : a) s += Math.exp(v - m);
        return m + Math.log(s);
    }
}
