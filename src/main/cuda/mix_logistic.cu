// Discretized mixture of logistics (PixelCNN++ likelihood, its gradient, and sampling).
// Mirrors discretized_mix_logistic_loss / sample_from_discretized_mix_logistic of openai/pixel-cnn
// pixel_cnn_pp/nn.py. CPU twins, kept line for line the same:
//   mix_logistic_loss_grad     <-> org.pixelcnn.backend.cpu.MixLogisticPixel#run (per pixel body)
//   mix_logistic_subpixel_nll  <-> org.pixelcnn.backend.cpu.MixLogisticPixel#subpixelNll
//   mix_logistic_image_sums    <-> org.pixelcnn.backend.cpu.DiscretizedMixLogistic (per-image sums)
//   mix_logistic_sample        <-> org.pixelcnn.backend.cpu.MixLogisticSampler
// Layouts (NHWC, float32): l [B,H,W,P], P = 10M (C = 3) or 3M (C = 1). C = 3: logits [0,M); channel
// c block at M+3Mc: means [0,M), log_scales [M,2M) (clamped below at -7, gradient passes when >= -7),
// raw coeffs [2M,3M) (tanh). C = 1: logits, means, log_scales. x [B,H,W,C] in [-1,1].
// The bin probability is never formed as a difference of sigmoids (it cancels in float32); with
// p = plus_in, m = min_in, d = p - m = (2/255) exp(-log_scale):
//   log cdf_delta = -softplus(-p) - softplus(m) + log(-expm1(-d))
//   d/d mean = -inv_stdv (sigmoid(-p) - sigmoid(m)),  d/d log_scale = -p sigmoid(-p) + m sigmoid(m) - d/expm1(d).
// nvcc may contract a*b+c into FMA where Java rounds twice: results agree to float32 rounding, not bits.
// Compared with its CPU twin by: selftest --backend cuda (selftest/OpCases: mixLogisticLoss, mixLogisticSubpixelNll, mixLogisticSample, at odd and default-model shapes);
// the twin itself by GoldenMixLogisticTest, MixLogisticGradientCheckTest, MixLogisticSubpixelNllTest.
#include <cuda_runtime.h>

static constexpr float mixlog_half_bin = 1.0f / 255.0f;
static constexpr float mixlog_log_half_bins = 4.848116364598481f;        // log(127.5)
static constexpr float mixlog_log_min_cdf_delta = -11.512925464970229f;  // log(1e-5)
static constexpr float mixlog_min_log_scale = -7.0f;

// log p(x | mean mu, log_scale ls_raw) of one sub-pixel, branch as in nn.py; *dmu = d/d mu,
// *dls = d/d ls_raw (zero below the clamp at -7).
static __device__ __forceinline__ float mixlog_subpixel(float xc, float mu, float ls_raw, float* dmu, float* dls) {
  const float lsc = ls_raw < mixlog_min_log_scale ? mixlog_min_log_scale : ls_raw;  // NaN stays NaN
  const float inv = expf(-lsc);
  const float cx = xc - mu;
  float lp, gmu, gls;
  if (xc < -0.999f) {  // left edge: log sigmoid(plus_in)
    float p = inv * (cx + mixlog_half_bin);
    float ep = expf(-fabsf(p));
    float s_neg_p = p >= 0.0f ? ep / (1.0f + ep) : 1.0f / (1.0f + ep);
    lp = -(fmaxf(-p, 0.0f) + log1pf(ep));
    gmu = -inv * s_neg_p;
    gls = -p * s_neg_p;
  } else if (xc > 0.999f) {  // right edge: log(1 - sigmoid(min_in))
    float mn = inv * (cx - mixlog_half_bin);
    float em = expf(-fabsf(mn));
    float s_m = mn >= 0.0f ? 1.0f / (1.0f + em) : em / (1.0f + em);
    lp = -(fmaxf(mn, 0.0f) + log1pf(em));
    gmu = inv * s_m;
    gls = mn * s_m;
  } else {
    float p = inv * (cx + mixlog_half_bin);
    float mn = inv * (cx - mixlog_half_bin);
    float d = 2.0f * mixlog_half_bin * inv;
    float ep = expf(-fabsf(p));
    float em = expf(-fabsf(mn));
    float emd = expm1f(-d);
    float log_delta = -(fmaxf(-p, 0.0f) + log1pf(ep))
                      - (fmaxf(mn, 0.0f) + log1pf(em)) + logf(-emd);
    if (log_delta > mixlog_log_min_cdf_delta) {  // log(sigmoid(plus_in) - sigmoid(min_in))
      float s_neg_p = p >= 0.0f ? ep / (1.0f + ep) : 1.0f / (1.0f + ep);
      float s_m = mn >= 0.0f ? 1.0f / (1.0f + em) : em / (1.0f + em);
      lp = log_delta;
      gmu = -inv * (s_neg_p - s_m);
      gls = -p * s_neg_p + mn * s_m - d * (1.0f + emd) / -emd;  // d / expm1(d)
    } else {  // log pdf at the bin centre - log(127.5)
      float mid = inv * cx;
      float e = expf(-fabsf(mid));
      float one_minus_2sig = (mid >= 0.0f ? -(1.0f - e) : (1.0f - e)) / (1.0f + e);
      lp = mid - lsc - 2.0f * (fmaxf(mid, 0.0f) + log1pf(e)) - mixlog_log_half_bins;
      gmu = -inv * one_minus_2sig;
      gls = -mid * one_minus_2sig - 1.0f;
    }
  }
  *dmu = gmu;
  *dls = ls_raw >= mixlog_min_log_scale ? gls : 0.0f;
  return lp;
}

// Fused forward + backward, one thread per pixel (grid-stride loop over `pixels` = B*H*W; launch
// e.g. 256 threads per block, ceil(pixels / 256) blocks). Writes nats[pixel] (the pixel's negative
// log-likelihood) and, when grad_l is not null, grad_l[pixel, :] = grad_scale * d nats / d l (every
// entry). While a pixel is in flight its own grad_l entries hold scratch: log pi_k + sum_c log p in
// the logit slots, d/d mean and d/d log_scale in theirs, tanh(coeff) in the coeff slots.
extern "C" __global__ void mix_logistic_loss_grad(const float* __restrict__ l, const float* __restrict__ x,
                                                  float* __restrict__ grad_l, float* __restrict__ nats,
                                                  float grad_scale, long long pixels, int C, int M) {
  const int P = C == 3 ? 10 * M : 3 * M;
  for (long long pix = blockIdx.x * (long long)blockDim.x + threadIdx.x; pix < pixels;
       pix += (long long)gridDim.x * blockDim.x) {
    const float* lp_ = l + pix * P;
    float* g = grad_l != nullptr ? grad_l + pix * P : nullptr;
    // log_softmax(logits): online log-sum-exp
    float lm = -INFINITY, lsum = 0.0f;
    for (int k = 0; k < M; k++) {
      float v = lp_[k];
      if (v > lm) { lsum = lsum * expf(lm - v) + 1.0f; lm = v; } else { lsum += expf(v - lm); }
    }
    const float logit_lse = lm + logf(lsum);
    const float x0 = x[pix * C];
    const float x1 = C == 3 ? x[pix * C + 1] : 0.0f;
    const float x2 = C == 3 ? x[pix * C + 2] : 0.0f;
    // per component: log pi_k + sum_c log p(x_c | k), combined by an online log-sum-exp
    float m = -INFINITY, s = 0.0f;
    for (int k = 0; k < M; k++) {
      float dmu, dls;
      float acc = lp_[k] - logit_lse;
      acc += mixlog_subpixel(x0, lp_[M + k], lp_[2 * M + k], &dmu, &dls);
      if (g != nullptr) { g[M + k] = dmu; g[2 * M + k] = dls; }
      if (C == 3) {
        float t0 = tanhf(lp_[3 * M + k]);
        float t1 = tanhf(lp_[6 * M + k]);
        float t2 = tanhf(lp_[9 * M + k]);
        float mu1 = lp_[4 * M + k] + t0 * x0;
        acc += mixlog_subpixel(x1, mu1, lp_[5 * M + k], &dmu, &dls);
        if (g != nullptr) { g[4 * M + k] = dmu; g[5 * M + k] = dls; }
        float mu2 = lp_[7 * M + k] + t1 * x0 + t2 * x1;
        acc += mixlog_subpixel(x2, mu2, lp_[8 * M + k], &dmu, &dls);
        if (g != nullptr) { g[7 * M + k] = dmu; g[8 * M + k] = dls; g[3 * M + k] = t0; g[6 * M + k] = t1; g[9 * M + k] = t2; }
      }
      if (g != nullptr) g[k] = acc;
      if (acc > m) { s = s * expf(m - acc) + 1.0f; m = acc; } else { s += expf(acc - m); }
    }
    const float lse = m + logf(s);
    if (g != nullptr) {
      for (int k = 0; k < M; k++) {
        float w = expf(g[k] - lse);             // posterior of component k
        float pi = expf(lp_[k] - logit_lse);    // prior of component k
        g[k] = grad_scale * (pi - w);
        float gs = -grad_scale * w;             // d nats / d log p(x_c | k)
        g[M + k] = gs * g[M + k];
        g[2 * M + k] = gs * g[2 * M + k];
        if (C == 3) {
          float gm1 = gs * g[4 * M + k];
          float gm2 = gs * g[7 * M + k];
          float t0 = g[3 * M + k], t1 = g[6 * M + k], t2 = g[9 * M + k];
          g[3 * M + k] = gm1 * (1.0f - t0 * t0) * x0;
          g[4 * M + k] = gm1;
          g[5 * M + k] = gs * g[5 * M + k];
          g[6 * M + k] = gm2 * (1.0f - t1 * t1) * x0;
          g[7 * M + k] = gm2;
          g[8 * M + k] = gs * g[8 * M + k];
          g[9 * M + k] = gm2 * (1.0f - t2 * t2) * x1;
        }
      }
    }
    nats[pix] = -lse;
  }
}

// Negative log-likelihood of every sub-pixel, no gradient, one thread per pixel (grid-stride over
// `pixels` = B*H*W): out[pixel, c] = -log p(x_c | x_0..x_{c-1}) = L_{c-1} - L_c with
// L_c = log sum_k exp(log pi_k + sum_{c' <= c} log p(x_c' | k)), L_{-1} = 0. The terms telescope to
// the pixel's nats of mix_logistic_loss_grad (same floats, same order: C = 1 gives that very value).
extern "C" __global__ void mix_logistic_subpixel_nll(const float* __restrict__ l, const float* __restrict__ x,
                                                     float* __restrict__ out, long long pixels, int C, int M) {
  const int P = C == 3 ? 10 * M : 3 * M;
  for (long long pix = blockIdx.x * (long long)blockDim.x + threadIdx.x; pix < pixels;
       pix += (long long)gridDim.x * blockDim.x) {
    const float* lp_ = l + pix * P;
    float lm = -INFINITY, lsum = 0.0f;
    for (int k = 0; k < M; k++) {
      float v = lp_[k];
      if (v > lm) { lsum = lsum * expf(lm - v) + 1.0f; lm = v; } else { lsum += expf(v - lm); }
    }
    const float logit_lse = lm + logf(lsum);
    const float x0 = x[pix * C];
    const float x1 = C == 3 ? x[pix * C + 1] : 0.0f;
    const float x2 = C == 3 ? x[pix * C + 2] : 0.0f;
    // online log-sum-exps of the cumulative per-component sums after sub-pixel 0, 1, 2
    float m0 = -INFINITY, s0 = 0.0f, m1 = -INFINITY, s1 = 0.0f, m2 = -INFINITY, s2 = 0.0f;
    for (int k = 0; k < M; k++) {
      float dmu, dls;
      float acc = lp_[k] - logit_lse;
      acc += mixlog_subpixel(x0, lp_[M + k], lp_[2 * M + k], &dmu, &dls);
      if (acc > m0) { s0 = s0 * expf(m0 - acc) + 1.0f; m0 = acc; } else { s0 += expf(acc - m0); }
      if (C == 3) {
        float t0 = tanhf(lp_[3 * M + k]);
        float t1 = tanhf(lp_[6 * M + k]);
        float t2 = tanhf(lp_[9 * M + k]);
        float mu1 = lp_[4 * M + k] + t0 * x0;
        acc += mixlog_subpixel(x1, mu1, lp_[5 * M + k], &dmu, &dls);
        if (acc > m1) { s1 = s1 * expf(m1 - acc) + 1.0f; m1 = acc; } else { s1 += expf(acc - m1); }
        float mu2 = lp_[7 * M + k] + t1 * x0 + t2 * x1;
        acc += mixlog_subpixel(x2, mu2, lp_[8 * M + k], &dmu, &dls);
        if (acc > m2) { s2 = s2 * expf(m2 - acc) + 1.0f; m2 = acc; } else { s2 += expf(acc - m2); }
      }
    }
    const float lse0 = m0 + logf(s0);
    out[pix * C] = -lse0;
    if (C == 3) {
      const float lse1 = m1 + logf(s1);
      const float lse2 = m2 + logf(s2);
      out[pix * C + 1] = lse0 - lse1;
      out[pix * C + 2] = lse1 - lse2;
    }
  }
}

// Per-image sums of the per-pixel nats, deterministic (no atomics): grid = B blocks (one per image),
// blockDim.x a power of two <= 1024 (e.g. 256). Thread t adds pixels t, t + blockDim.x, ... of its
// image in double, then a fixed shared-memory tree combines the partial sums; per_image[b] receives
// the image's nats. The total is the host's sum of per_image in image order.
extern "C" __global__ void mix_logistic_image_sums(const float* __restrict__ nats, double* __restrict__ per_image,
                                                   long long pixels_per_image) {
  __shared__ double partial[1024];
  const float* img = nats + blockIdx.x * pixels_per_image;
  double acc = 0.0;
  for (long long i = threadIdx.x; i < pixels_per_image; i += blockDim.x) acc += (double)img[i];
  partial[threadIdx.x] = acc;
  __syncthreads();
  for (unsigned int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) per_image[blockIdx.x] = partial[0];
}

static __device__ __forceinline__ float mixlog_clip(float v) {  // [-1, 1]; NaN stays NaN
  return v < -1.0f ? -1.0f : (v > 1.0f ? 1.0f : v);
}

// mean + exp(max(log_scale, -7)) * (log u - log(1 - u))
static __device__ __forceinline__ float mixlog_logistic(float mean, float ls_raw, float uc) {
  float lsc = ls_raw < mixlog_min_log_scale ? mixlog_min_log_scale : ls_raw;
  return mean + expf(lsc) * (logf(uc) - logf(1.0f - uc));
}

// Sampling from given uniforms (in [1e-5, 1 - 1e-5], used as given), one thread per sampled pixel
// (grid-stride; e.g. 128 threads per block). pos_h < 0: every pixel, u_mix [B,H,W,M], u [B,H,W,C],
// sel [B,H,W]; pos_h >= 0: only position (pos_h, pos_w) of each image, u_mix [B,M], u [B,C], sel [B].
// x [B,H,W,C] receives the pixels; sel (nullable) the chosen components (Gumbel-max, first on ties).
extern "C" __global__ void mix_logistic_sample(const float* __restrict__ l, const float* __restrict__ u_mix,
                                               const float* __restrict__ u, float* __restrict__ x,
                                               int* __restrict__ sel, int B, int H, int W, int C, int M,
                                               int pos_h, int pos_w) {
  const int P = C == 3 ? 10 * M : 3 * M;
  const long long n = pos_h < 0 ? (long long)B * H * W : (long long)B;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    const long long pix = pos_h < 0 ? i : (i * H + pos_h) * W + pos_w;
    const float* lp_ = l + pix * P;
    const float* um = u_mix + i * M;
    const float* uc = u + i * C;
    int best = 0;
    float best_v = -INFINITY;
    for (int k = 0; k < M; k++) {
      float v = lp_[k] - logf(-logf(um[k]));
      if (v > best_v) { best_v = v; best = k; }
    }
    const int k = best;
    float x0 = mixlog_clip(mixlog_logistic(lp_[M + k], lp_[2 * M + k], uc[0]));
    x[pix * C] = x0;
    if (C == 3) {
      float c0 = tanhf(lp_[3 * M + k]);
      float c1 = tanhf(lp_[6 * M + k]);
      float c2 = tanhf(lp_[9 * M + k]);
      float x1 = mixlog_clip(mixlog_logistic(lp_[4 * M + k], lp_[5 * M + k], uc[1]) + c0 * x0);
      float x2 = mixlog_clip(mixlog_logistic(lp_[7 * M + k], lp_[8 * M + k], uc[2]) + c1 * x0 + c2 * x1);
      x[pix * C + 1] = x1;
      x[pix * C + 2] = x2;
    }
    if (sel != nullptr) sel[i] = k;
  }
}
