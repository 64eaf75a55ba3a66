// Broadcast adds and deterministic per-column reductions. CPU twins: CpuBackend.addBias,
// addPerImage, biasBackward, channelMoments, sumPerImage (and the sums of weight norm).
//
// Reductions never use atomics: colsum_partial writes one float64 partial sum per (segment, chunk
// of rows, column), summing its rows in a fixed order and combining its 8 row-lanes in a fixed
// order; a *_finish kernel then adds the partials of each column in chunk order. So a result
// depends only on the inputs and the launch shape (chosen by the host from the tensor shape), never
// on scheduling: the same inputs give the same bits on every run.
// Compared with its CPU twin by: selftest --backend cuda (selftest/OpCases: addBias, addPerImage, biasBackward, channelMoments, sumPerImage, sumSquares, at odd and default-model shapes);
// the twin itself by LayerGradCheckTest, DataInitTest.
#include "pcnn_common.cuh"

// y[r, c] += bias[c]. CPU twin: CpuBackend.addBias.
extern "C" __global__ void add_bias(float* y, const float* bias, long long rows, int C) {
  long long total = rows * C;
  PCNN_FOR(i, total) y[i] = __fadd_rn(y[i], bias[i % C]);
}

// y[img, p, c] += v[img, c]. CPU twin: CpuBackend.addPerImage.
extern "C" __global__ void add_per_image(float* y, const float* v, int n, long long pixels, int C) {
  long long per = pixels * C, total = (long long)n * per;
  PCNN_FOR(i, total) {
    long long img = i / per;
    y[i] = __fadd_rn(y[i], v[img * C + (i % C)]);
  }
}

// Partial column sums of x viewed as [segments, rows_per_seg, cols] (segments = gridDim.z), rows
// split in chunks of chunk_rows (chunks = gridDim.y), 32 columns per block (block 32 x 8).
// value = y == NULL ? x : (double)x * y. part[(seg * chunks + chunk) * cols + col] = sum of value;
// part_sq (if not NULL) the same for value^2.
extern "C" __global__ void colsum_partial(const float* x, const float* y, double* part, double* part_sq,
                                          long long rows_per_seg, int cols, int chunk_rows) {
  __shared__ double s[8][33];
  __shared__ double q[8][33];
  int tx = threadIdx.x, ty = threadIdx.y;
  int col = blockIdx.x * 32 + tx;
  long long seg = blockIdx.z;
  long long r0 = (long long)blockIdx.y * chunk_rows;
  long long r1 = r0 + chunk_rows < rows_per_seg ? r0 + chunk_rows : rows_per_seg;
  double acc = 0.0, acc2 = 0.0;
  if (col < cols) {
    const long long base = seg * rows_per_seg * cols;
    for (long long r = r0 + ty; r < r1; r += 8) {
      long long idx = base + r * cols + col;
      double v = y == nullptr ? (double)x[idx] : (double)x[idx] * (double)y[idx];
      acc += v;
      acc2 += v * v;
    }
  }
  s[ty][tx] = acc;
  q[ty][tx] = acc2;
  __syncthreads();
  if (ty == 0 && col < cols) {
    double t = 0.0, t2 = 0.0;
    for (int k = 0; k < 8; k++) {
      t += s[k][tx];
      t2 += q[k][tx];
    }
    long long o = (seg * gridDim.y + blockIdx.y) * cols + col;
    part[o] = t;
    if (part_sq != nullptr) part_sq[o] = t2;
  }
}

// db[c] += sum over chunks of part[k, c]. CPU twin: CpuBackend.biasBackward.
extern "C" __global__ void bias_backward_finish(const double* part, int chunks, int C, float* db) {
  PCNN_FOR(c, (long long)C) {
    double t = 0.0;
    for (int k = 0; k < chunks; k++) t += part[(long long)k * C + c];
    db[c] = (float)((double)db[c] + t);
  }
}

// mean[c] = sum / rows, var[c] = max(0, sumsq / rows - mean^2) in float64. CPU twin:
// CpuBackend.channelMoments (tf.nn.moments over axes [0,1,2]).
extern "C" __global__ void moments_finish(const double* part, const double* part_sq, int chunks, int C,
                                          long long rows, float* mean, float* var) {
  PCNN_FOR(c, (long long)C) {
    double t = 0.0, t2 = 0.0;
    for (int k = 0; k < chunks; k++) {
      t += part[(long long)k * C + c];
      t2 += part_sq[(long long)k * C + c];
    }
    double mu = t / (double)rows;
    double v = __dsub_rn(t2 / (double)rows, __dmul_rn(mu, mu));  // no FMA contraction: as the CPU twin
    mean[c] = (float)mu;
    var[c] = (float)(v > 0.0 ? v : 0.0);
  }
}

// s[seg, c] = sum over chunks of part[seg, k, c] (overwrite). CPU twin: CpuBackend.sumPerImage.
extern "C" __global__ void per_image_finish(const double* part, int segments, int chunks, int C, float* s) {
  long long total = (long long)segments * C;
  PCNN_FOR(i, total) {
    long long seg = i / C;
    int c = (int)(i - seg * C);
    double t = 0.0;
    for (int k = 0; k < chunks; k++) t += part[(seg * chunks + k) * C + c];
    s[i] = (float)t;
  }
}
