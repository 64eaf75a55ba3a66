// Ring all-reduce helper: the reduce-scatter add. CPU twin: the reduce-scatter step of
// org.pixelcnn.backend.cpu.RingAllReduce (own chunk += left neighbour's chunk); the all-gather step is a
// plain device-to-device copy.
// Compared with its CPU twin by: selftest TrainingParity "allreduce" (bits vs the CPU ring); the twin itself by RingAllReduceTest.
#include <cuda_runtime.h>

// dst[i] = dst[i] + src[i] for i in [0, n), one IEEE rounding per element (no fusion possible: the
// intrinsic pins round-to-nearest-even, the same as Java's float +).
extern "C" __global__ void allreduce_add(float* __restrict__ dst, const float* __restrict__ src, long long n) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    dst[i] = __fadd_rn(dst[i], src[i]);
  }
}
