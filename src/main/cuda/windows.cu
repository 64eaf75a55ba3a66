// Position-major window gathers of the cached sampler (org.pixelcnn.sample.CachedSampler): im2col for a
// run of output positions read from a cache laid out [h, w, n, c] (the n images of a position contiguous),
// and the per-tap weight transpose of a transposed convolution. CPU twins: CpuWindows.gather,
// CpuWindows.gatherTransposed, CpuWindows.transposeTaps (org.pixelcnn.backend.cpu, behind
// CpuBackend.gatherWindows / gatherWindowsTransposed / transposeTaps); compared by `selftest --backend cuda`
// (org.pixelcnn.selftest.OpCases: "gatherWindows", "gatherWindowsTransposed", "transposeTaps"); the CPU
// twins are checked against the convolutions' definition by CpuWindowsTest. Pure copies: results are exact.
#include "pcnn_common.cuh"

// col[q, b, (di*fw + dj)*cin + ci] = x[i*s + di - pt, j*s + dj - pl, b, ci], 0 outside [h, w], with
// (i, j) = ((p0 + q) / wo, (p0 + q) % wo); x [h, w, n, cin], col [count, n, fh*fw*cin].
// CPU twin: CpuWindows.gather.
extern "C" __global__ void gather_windows(const float* x, float* col, int n, int h, int w, int cin, int wo, int fh, int fw,
                                          int stride, int pt, int pl, int p0, int count) {
  long long k = (long long)fh * fw * cin, total = (long long)count * n * k;
  PCNN_FOR(idx, total) {
    long long r = idx / k;
    int e = (int)(idx - r * k);
    int q = (int)(r / n), b = (int)(r - (long long)q * n);
    int ci = e % cin, tap = e / cin;
    int dj = tap % fw, di = tap / fw;
    int p = p0 + q, i = p / wo, j = p - i * wo;
    int yi = i * stride + di - pt, xj = j * stride + dj - pl;
    col[idx] = (yi >= 0 && yi < h && xj >= 0 && xj < w) ? x[(((long long)yi * w + xj) * n + b) * cin + ci] : 0.f;
  }
}

// The transposed convolution's windows: col[q, b, (di*fw + dj)*cout + co] = x[(yi+pt-di)/s, (xj+pl-dj)/s, b, co]
// when both divisions are exact and inside [ho, wo], else 0, with (yi, xj) = ((p0 + q) / w, (p0 + q) % w);
// x [ho, wo, n, cout], col [count, n, fh*fw*cout]. CPU twin: CpuWindows.gatherTransposed.
extern "C" __global__ void gather_windows_transposed(const float* x, float* col, int n, int w, int ho, int wo, int cout, int fh,
                                                     int fw, int stride, int pt, int pl, int p0, int count) {
  long long k = (long long)fh * fw * cout, total = (long long)count * n * k;
  PCNN_FOR(idx, total) {
    long long r = idx / k;
    int e = (int)(idx - r * k);
    int q = (int)(r / n), b = (int)(r - (long long)q * n);
    int co = e % cout, tap = e / cout;
    int dj = tap % fw, di = tap / fw;
    int p = p0 + q, yi = p / w, xj = p - yi * w;
    int ti = yi + pt - di, tj = xj + pl - dj;
    bool inside = ti >= 0 && tj >= 0 && ti % stride == 0 && tj % stride == 0 && ti / stride < ho && tj / stride < wo;
    col[idx] = inside ? x[(((long long)(ti / stride) * wo + tj / stride) * n + b) * cout + co] : 0.f;
  }
}

// wt[t, c, r] = w[t, r, c] for t < taps (each [rows, cols] matrix transposed). CPU twin: CpuWindows.transposeTaps.
extern "C" __global__ void transpose_taps(const float* w, float* wt, int taps, int rows, int cols) {
  long long per = (long long)rows * cols, total = per * taps;
  PCNN_FOR(idx, total) {
    long long t = idx / per;
    long long rest = idx - t * per;
    int c = (int)(rest / rows), r = (int)(rest - (long long)c * rows);
    wt[idx] = w[t * per + (long long)r * cols + c];
  }
}
