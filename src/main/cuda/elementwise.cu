// Elementwise kernels over flat float32 buffers. CPU twins: org.pixelcnn.backend.cpu.CpuBackend
// (fill, axpy, add, eluForward/Backward, reluForward/Backward, concatEluForward/Backward).
// No __restrict__: callers may alias (the model calls add(c1, na, c1)).
// Compared with its CPU twin by: selftest --backend cuda (selftest/OpCases: fill, axpy, add, eluForward/Backward, reluForward/Backward, concatEluForward/Backward, at odd and default-model shapes);
// the twin itself by LayerGradCheckTest.
#include "pcnn_common.cuh"

// x[i] = v. CPU twin: CpuBackend.fill.
extern "C" __global__ void fill_f32(float* x, long long n, float v) {
  PCNN_FOR(i, n) x[i] = v;
}

// dst[i] = dst[i] + alpha * src[i]. CPU twin: CpuBackend.axpy.
extern "C" __global__ void axpy_f32(float* dst, const float* src, long long n, float alpha) {
  PCNN_FOR(i, n) dst[i] = __fadd_rn(dst[i], __fmul_rn(alpha, src[i]));
}

// y[i] = a[i] + b[i]. CPU twin: CpuBackend.add.
extern "C" __global__ void add_f32(float* y, const float* a, const float* b, long long n) {
  PCNN_FOR(i, n) y[i] = __fadd_rn(a[i], b[i]);
}

// y = elu(x). CPU twin: CpuBackend.eluForward (tf.nn.elu).
extern "C" __global__ void elu_forward(float* y, const float* x, long long n) {
  PCNN_FOR(i, n) y[i] = pcnn_elu(x[i]);
}

// dx += dy * (y > 0 ? 1 : y + 1), from the forward output y (tf EluGrad). CPU twin: CpuBackend.eluBackward.
extern "C" __global__ void elu_backward(float* dx, const float* y, const float* dy, long long n) {
  PCNN_FOR(i, n) dx[i] = __fadd_rn(dx[i], __fmul_rn(dy[i], pcnn_elu_grad_from_output(y[i])));
}

// y = max(x, 0). CPU twin: CpuBackend.reluForward (tf.nn.relu).
extern "C" __global__ void relu_forward(float* y, const float* x, long long n) {
  PCNN_FOR(i, n) {
    float v = x[i];
    y[i] = (v > 0.f || v != v) ? v : 0.f;  // keeps NaN, as Java's Math.max (fmaxf would turn it into 0)
  }
}

// dx += dy where y > 0 (y the forward output). CPU twin: CpuBackend.reluBackward.
extern "C" __global__ void relu_backward(float* dx, const float* y, const float* dy, long long n) {
  PCNN_FOR(i, n) if (y[i] > 0.f) dx[i] = __fadd_rn(dx[i], dy[i]);
}

// concat_elu forward, NHWC with C channels in, 2C out: y[..., c] = elu(x[..., c]),
// y[..., C + c] = elu(-x[..., c]). Mirrors nn.concat_elu. CPU twin: CpuBackend.concatEluForward.
extern "C" __global__ void concat_elu_forward(float* y, const float* x, long long rows, int C) {
  long long n = rows * (long long)C;
  PCNN_FOR(i, n) {
    long long r = i / C;
    int c = (int)(i - r * C);
    float v = x[i];
    float* out = y + r * 2 * C;
    out[c] = pcnn_elu(v);
    out[C + c] = pcnn_elu(-v);
  }
}

// dx[r, j] += dy[r, j] g(y[r, j]) - dy[r, C + j] g(y[r, C + j]), g(y) = y > 0 ? 1 : y + 1, from the
// forward output y [rows, 2C] (tf EluGrad). CPU twin: CpuBackend.concatEluBackward.
extern "C" __global__ void concat_elu_backward(float* dx, const float* y, const float* dy, long long rows, int C) {
  long long n = rows * (long long)C;
  PCNN_FOR(i, n) {
    long long r = i / C;
    int c = (int)(i - r * C);
    const float* yr = y + r * 2 * C;
    const float* d = dy + r * 2 * C;
    float g = __fsub_rn(__fmul_rn(d[c], pcnn_elu_grad_from_output(yr[c])), __fmul_rn(d[C + c], pcnn_elu_grad_from_output(yr[C + c])));
    dx[i] = __fadd_rn(dx[i], g);
  }
}
