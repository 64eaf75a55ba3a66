// Weight normalisation (Salimans & Kingma 2016), V viewed as [outer, channels, inner], the norm per
// channel over (outer, inner). CPU twins: CpuBackend.weightNormForward / weightNormBackward. The
// sums over outer come from colsum_partial (reductions.cu) on V viewed as [outer, channels*inner];
// the kernels here finish them (deterministic: fixed order, float64) and apply the scale.
// Compared with its CPU twin by: selftest --backend cuda (selftest/OpCases: weightNormForward, weightNormBackward, at odd and default-model shapes);
// the twin itself by LayerGradCheckTest.
#include "pcnn_common.cuh"

// norm[c] = (float) sqrt(max(sum_{k, i} part[k, c*inner + i], 1e-12)).
extern "C" __global__ void weight_norm_norms(const double* part, int chunks, int channels, int inner, float* norm) {
  PCNN_FOR(c, (long long)channels) {
    long long cols = (long long)channels * inner;
    double t = 0.0;
    for (int k = 0; k < chunks; k++)
      for (int i = 0; i < inner; i++) t += part[k * cols + c * inner + i];
    norm[c] = (float)sqrt(t > 1e-12 ? t : 1e-12);
  }
}

// w[a, c, i] = v[a, c, i] * (g[c] / norm[c]) (the scale rounded to float32 first, as the CPU).
extern "C" __global__ void weight_norm_scale(const float* v, const float* g, const float* norm, float* w,
                                             long long total, int channels, int inner) {
  PCNN_FOR(idx, total) {
    int c = (int)((idx / inner) % channels);
    w[idx] = __fmul_rn(v[idx], __fdiv_rn(g[c], norm[c]));
  }
}

// From dot[c] = sum dW*V (partials in part): dg[c] += dot/||V||, s1[c] = g/||V||,
// s2[c] = g*dot/||V||^3, all in float64 and rounded once.
extern "C" __global__ void weight_norm_grad_scalars(const double* part, int chunks, int channels, int inner,
                                                    const float* g, const float* norm, float* dg, float* s1, float* s2) {
  PCNN_FOR(c, (long long)channels) {
    long long cols = (long long)channels * inner;
    double dot = 0.0;
    for (int k = 0; k < chunks; k++)
      for (int i = 0; i < inner; i++) dot += part[k * cols + c * inner + i];
    double nrm = (double)norm[c], gg = (double)g[c];
    dg[c] = (float)((double)dg[c] + dot / nrm);
    s1[c] = (float)(gg / nrm);
    s2[c] = (float)(gg * dot / (nrm * nrm * nrm));
  }
}

// dv = (dv + s1[c] dw) - s2[c] v, left to right in float32 as the CPU.
extern "C" __global__ void weight_norm_grad_apply(const float* v, const float* dw, float* dv, const float* s1,
                                                  const float* s2, long long total, int channels, int inner) {
  PCNN_FOR(idx, total) {
    int c = (int)((idx / inner) % channels);
    dv[idx] = __fsub_rn(__fadd_rn(dv[idx], __fmul_rn(s1[c], dw[idx])), __fmul_rn(s2[c], v[idx]));
  }
}
