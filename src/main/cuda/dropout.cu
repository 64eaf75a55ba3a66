// Inverted dropout with the counter-based mask of org.pixelcnn.backend.DropoutMask: the same 64-bit
// SplitMix64 finaliser of (key + index * 0x9E3779B97F4A7C15), its top 24 bits as a uniform in [0, 1),
// kept when uniform >= p. CPU twins: CpuBackend.dropoutForward / dropoutBackward (tf.nn.dropout).
// Compared with its CPU twin by: selftest --backend cuda (selftest/OpCases: dropoutForward, dropoutBackward, at odd and default-model shapes);
// the twin itself by LayerGradCheckTest, ModelGradCheckTest.
#include "pcnn_common.cuh"

// DropoutMask.mix, on unsigned 64-bit integers (Java's long arithmetic wraps the same way, >>> is
// the logical shift).
static __device__ __forceinline__ unsigned long long pcnn_splitmix64(unsigned long long z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// DropoutMask.keep(key, i, p).
static __device__ __forceinline__ bool pcnn_keep(unsigned long long key, long long i, float p) {
  unsigned long long z = pcnn_splitmix64(key + (unsigned long long)i * 0x9E3779B97F4A7C15ull);
  float u = (float)(z >> 40) * 5.9604644775390625e-8f;  // 2^-24, exact
  return u >= p;
}

// y = keep ? x * scale : 0 with scale = 1 / (1 - p) computed by the host in float32.
extern "C" __global__ void dropout_forward(const float* x, float* y, long long n, float p, float scale, long long key) {
  PCNN_FOR(i, n) y[i] = pcnn_keep((unsigned long long)key, i, p) ? __fmul_rn(x[i], scale) : 0.f;
}

// dx += keep ? dy * scale : 0.
extern "C" __global__ void dropout_backward(const float* dy, float* dx, long long n, float p, float scale, long long key) {
  PCNN_FOR(i, n) if (pcnn_keep((unsigned long long)key, i, p)) dx[i] = __fadd_rn(dx[i], __fmul_rn(dy[i], scale));
}
