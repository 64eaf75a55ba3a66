// Shifts and channel concatenation on NHWC tensors. CPU twins: CpuBackend.downShift*, rightShift*,
// concatChannels* (nn.down_shift, nn.right_shift, tf.concat on axis 3).
// Compared with its CPU twin by: selftest --backend cuda (selftest/OpCases: downShift*, rightShift*, concatChannels*, at odd and default-model shapes);
// the twin itself by LayerGradCheckTest, ShiftPaddingTest.
#include "pcnn_common.cuh"

// y[:, 0] = 0, y[:, i] = x[:, i-1] on [n,h,w,c]. CPU twin: CpuBackend.downShiftForward.
extern "C" __global__ void down_shift_forward(float* y, const float* x, int n, int h, int w, int c) {
  long long row = (long long)w * c, total = (long long)n * h * row;
  PCNN_FOR(i, total) {
    int ih = (int)((i / row) % h);
    y[i] = ih == 0 ? 0.f : x[i - row];
  }
}

// dx[:, i] += dy[:, i+1] for i < h-1. CPU twin: CpuBackend.downShiftBackward.
extern "C" __global__ void down_shift_backward(float* dx, const float* dy, int n, int h, int w, int c) {
  long long row = (long long)w * c, total = (long long)n * h * row;
  PCNN_FOR(i, total) {
    int ih = (int)((i / row) % h);
    if (ih < h - 1) dx[i] = __fadd_rn(dx[i], dy[i + row]);
  }
}

// y[:, :, 0] = 0, y[:, :, j] = x[:, :, j-1]. CPU twin: CpuBackend.rightShiftForward.
extern "C" __global__ void right_shift_forward(float* y, const float* x, int n, int h, int w, int c) {
  long long total = (long long)n * h * w * c;
  PCNN_FOR(i, total) {
    int j = (int)((i / c) % w);
    y[i] = j == 0 ? 0.f : x[i - c];
  }
}

// dx[:, :, j] += dy[:, :, j+1] for j < w-1. CPU twin: CpuBackend.rightShiftBackward.
extern "C" __global__ void right_shift_backward(float* dx, const float* dy, int n, int h, int w, int c) {
  long long total = (long long)n * h * w * c;
  PCNN_FOR(i, total) {
    int j = (int)((i / c) % w);
    if (j < w - 1) dx[i] = __fadd_rn(dx[i], dy[i + c]);
  }
}

// y[r] = concat(a[r] (ca channels), b[r] (cb channels)); b == NULL means cb channels of ones.
// CPU twin: CpuBackend.concatChannelsForward.
extern "C" __global__ void concat_channels_forward(float* y, const float* a, int ca, const float* b, int cb, long long rows) {
  int cy = ca + cb;
  long long total = rows * cy;
  PCNN_FOR(i, total) {
    long long r = i / cy;
    int k = (int)(i - r * cy);
    y[i] = k < ca ? a[r * ca + k] : (b != nullptr ? b[r * cb + (k - ca)] : 1.f);
  }
}

// da += dy[:, :ca], db += dy[:, ca:]; either may be NULL (gradient discarded).
// CPU twin: CpuBackend.concatChannelsBackward.
extern "C" __global__ void concat_channels_backward(const float* dy, float* da, int ca, float* db, int cb, long long rows) {
  int cy = ca + cb;
  long long total = rows * cy;
  PCNN_FOR(i, total) {
    long long r = i / cy;
    int k = (int)(i - r * cy);
    if (k < ca) {
      if (da != nullptr) da[r * ca + k] = __fadd_rn(da[r * ca + k], dy[i]);
    } else if (db != nullptr) {
      long long o = r * cb + (k - ca);
      db[o] = __fadd_rn(db[o], dy[i]);
    }
  }
}
