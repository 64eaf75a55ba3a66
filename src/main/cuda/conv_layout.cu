// Layout helpers around cuDNN for the convolutions of org.pixelcnn.backend.ConvGeom (see
// org.pixelcnn.backend.cuda.ConvPlan): explicit zero padding / zero extension, cropping, and the
// weight transposes between the engine's HWIO [fh, fw, cin, cout] and cuDNN's NHWC filter layout
// KRSC [cout, fh, fw, cin]. CPU twin: none directly; together with cuDNN they compute
// CpuConv.forward / backwardData / backwardFilter.
// Compared with its CPU twin by: selftest --backend cuda (selftest/OpCases: convForward, convBackwardData, convBackwardFilter, at odd and default-model shapes);
// the twin itself by LayerGradCheckTest (CpuConv).
#include "pcnn_common.cuh"

// xe[b, r, q, k] = x[b, r - top, q - left, k] inside x, else 0; x [n,h,w,c], xe [n,he,we,c].
extern "C" __global__ void pad_nhwc(const float* x, float* xe, int n, int h, int w, int c, int he, int we, int top, int left) {
  long long total = (long long)n * he * we * c;
  PCNN_FOR(i, total) {
    long long t = i / c;
    int k = (int)(i - t * c);
    int q = (int)(t % we);
    t /= we;
    int r = (int)(t % he);
    long long b = t / he;
    int ri = r - top, qi = q - left;
    xe[i] = (ri >= 0 && ri < h && qi >= 0 && qi < w) ? x[((b * h + ri) * w + qi) * c + k] : 0.f;
  }
}

// x[b, i, j, k] (= or +=) xe[b, i + top, j + left, k]; overwrite when accumulate == 0 (never reads x).
extern "C" __global__ void crop_nhwc(const float* xe, float* x, int n, int h, int w, int c, int he, int we, int top, int left,
                                     int accumulate) {
  long long total = (long long)n * h * w * c;
  PCNN_FOR(i, total) {
    long long t = i / c;
    int k = (int)(i - t * c);
    int j = (int)(t % w);
    t /= w;
    int r = (int)(t % h);
    long long b = t / h;
    float v = xe[((b * he + r + top) * we + j + left) * c + k];
    x[i] = accumulate ? __fadd_rn(x[i], v) : v;
  }
}

// wk[co, di, dj, ci] = w[di, dj, ci, co] (HWIO to KRSC).
extern "C" __global__ void hwio_to_krsc(const float* w, float* wk, int fh, int fw, int cin, int cout) {
  long long rsc = (long long)fh * fw * cin, total = rsc * cout;
  PCNN_FOR(i, total) {
    long long co = i / rsc, rest = i - co * rsc;
    wk[i] = w[rest * cout + co];
  }
}

// w[di, dj, ci, co] += wk[co, di, dj, ci] (KRSC gradient accumulated into HWIO).
extern "C" __global__ void krsc_add_to_hwio(const float* wk, float* w, int fh, int fw, int cin, int cout) {
  long long rsc = (long long)fh * fw * cin, total = rsc * cout;
  PCNN_FOR(i, total) {
    long long rest = i / cout, co = i - rest * cout;
    w[i] = __fadd_rn(w[i], wk[co * rsc + rest]);
  }
}
