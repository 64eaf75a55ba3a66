// The gate of nn.gated_resnet: out = x + A * sigmoid(B), (A, B) = split(c2) on channels.
// CPU twins: CpuBackend.gateForward / gateBackward.
// Compared with its CPU twin by: selftest --backend cuda (selftest/OpCases: gateForward, gateBackward, at odd and default-model shapes);
// the twin itself by LayerGradCheckTest.
#include "pcnn_common.cuh"

// out[r, k] = x[r, k] + c2[r, k] * sigmoid(c2[r, f + k]); x, out [rows, f], c2 [rows, 2f].
extern "C" __global__ void gate_forward(const float* x, const float* c2, float* out, long long rows, int f) {
  long long total = rows * f;
  PCNN_FOR(i, total) {
    long long r = i / f;
    int k = (int)(i - r * f);
    const float* c = c2 + r * 2 * f;
    out[i] = __fadd_rn(x[i], __fmul_rn(c[k], pcnn_sigmoid(c[f + k])));
  }
}

// dx += dout; dc2[:, :f] = dout * s; dc2[:, f:] = ((dout * A) * s) * (1 - s) (dc2 overwritten).
extern "C" __global__ void gate_backward(const float* c2, const float* dout, float* dx, float* dc2, long long rows, int f) {
  long long total = rows * f;
  PCNN_FOR(i, total) {
    long long r = i / f;
    int k = (int)(i - r * f);
    const float* c = c2 + r * 2 * f;
    float* dc = dc2 + r * 2 * f;
    float g = dout[i], a = c[k], s = pcnn_sigmoid(c[f + k]);
    dx[i] = __fadd_rn(dx[i], g);
    dc[k] = __fmul_rn(g, s);
    dc[f + k] = __fmul_rn(__fmul_rn(__fmul_rn(g, a), s), __fsub_rn(1.f, s));
  }
}
