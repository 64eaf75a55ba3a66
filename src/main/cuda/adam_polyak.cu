// Adam + Polyak averaging over the flat parameter block, one launch per step.
// CPU twin: org.pixelcnn.backend.cpu.CpuAdamPolyak#update (same formulas, same order, one rounding per
// operation: the __f*_rn intrinsics keep nvcc from fusing multiply-adds, so both give the same bits).
// Mirrors nn.adam_updates(mom1=0.95, mom2=0.9995) and tf.train.ExponentialMovingAverage of openai/pixel-cnn.
// Compared with its CPU twin by: selftest --backend cuda (selftest/OpCases: adamPolyak, at odd and default-model shapes);
// the twin itself by AdamPolyakTest (float64, 3 steps).
#include <cuda_runtime.h>

// For i in [0, n), with the scalars of AdamPolyak.Scalars in the same order:
//   m = beta1*m + (1-beta1)*g;  v = beta2*v + (1-beta2)*g*g
//   p -= lr * ((m/bc1) / sqrt(v/bc2 + eps));  ema -= (ema - p)*(1-d)   (p after its update; TF's form)
extern "C" __global__ void adam_polyak_update(float* __restrict__ param, const float* __restrict__ grad,
                                              float* __restrict__ m, float* __restrict__ v,
                                              float* __restrict__ ema, long long n,
                                              float lr, float beta1, float one_minus_beta1,
                                              float beta2, float one_minus_beta2,
                                              float bias_correction1, float bias_correction2,
                                              float epsilon, float polyak, float one_minus_polyak) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    float g = grad[i];
    float mi = __fadd_rn(__fmul_rn(beta1, m[i]), __fmul_rn(one_minus_beta1, g));
    float vi = __fadd_rn(__fmul_rn(beta2, v[i]), __fmul_rn(one_minus_beta2, __fmul_rn(g, g)));
    float m_hat = __fdiv_rn(mi, bias_correction1);
    float v_hat = __fdiv_rn(vi, bias_correction2);
    float step = __fmul_rn(lr, __fdiv_rn(m_hat, __fsqrt_rn(__fadd_rn(v_hat, epsilon))));
    float p = __fsub_rn(param[i], step);
    m[i] = mi;
    v[i] = vi;
    param[i] = p;
    float e = ema[i];
    ema[i] = __fsub_rn(e, __fmul_rn(__fsub_rn(e, p), one_minus_polyak));  // TF's form: shadow -= (shadow - var)(1 - d)
  }
}
