// Shared device helpers of the engine's kernels (included by several .cu files of the unity build,
// hence #pragma once and static). Transcendentals are evaluated in float64 and rounded once to
// float32, as the CPU twins do with Math.expm1 / Math.exp, so both backends agree to the last bit
// in almost every element; arithmetic that the CPU does in float32 uses the __f*_rn intrinsics so
// that nvcc cannot fuse a multiply and an add into one rounding.
#pragma once
#include <cuda_runtime.h>
#include <stdint.h>

// A grid-stride loop over [0, n).
#define PCNN_FOR(i, n) \
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < (n); i += (long long)gridDim.x * blockDim.x)

// elu with alpha 1: x > 0 ? x : expm1(x). CPU twin: CpuBackend.elu.
static __device__ __forceinline__ float pcnn_elu(float x) { return x > 0.f ? x : (float)expm1((double)x); }

// elu' at the input from the output y = elu(input): 1 for y > 0, else y + 1 (tf EluGrad).
static __device__ __forceinline__ float pcnn_elu_grad_from_output(float y) { return y > 0.f ? 1.f : __fadd_rn(y, 1.f); }

// sigmoid in float64, rounded once. CPU twin: CpuBackend.sigmoid.
static __device__ __forceinline__ float pcnn_sigmoid(float x) { return (float)(1.0 / (1.0 + exp(-(double)x))); }
