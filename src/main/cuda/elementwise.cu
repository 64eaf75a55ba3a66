// Elementwise kernels. CPU twins: org.pixelcnn.backend.cpu.CpuBackend (concatElu*).
#include <cuda_runtime.h>

// concat_elu forward, NHWC with C channels in, 2C out: y[..., c] = elu(x[..., c]),
// y[..., C + c] = elu(-x[..., c]). Mirrors nn.concat_elu of openai/pixel-cnn.
extern "C" __global__ void concat_elu_forward(float* __restrict__ y, const float* __restrict__ x,
                                              long long rows, int C) {
  long long n = rows * (long long)C;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    long long r = i / C;
    int c = (int)(i - r * C);
    float v = x[i];
    float* out = y + r * 2 * C;
    out[c] = v > 0.f ? v : expm1f(v);
    out[C + c] = v < 0.f ? -v : expm1f(-v);
  }
}
