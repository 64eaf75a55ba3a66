package org.pixelcnn.backend;

/**
 * The operations PixelCNN++ needs, on buffers the backend owns. The model, the trainer and the
 * sampler are written once against this interface; {@code backend/cpu} is the reference
 * implementation (the oracle every other backend is tested against) and {@code backend/cuda} the fast one.
 *
 * <p>Conventions: all tensors are float32, flat, row-major NHWC; "rows" means N*H*W (the channel axis
 * is innermost). Unless a method says it overwrites, gradient outputs ACCUMULATE (+=) so that a
 * tensor used by several consumers gets the sum of their gradients; the caller zeroes gradient
 * buffers before a backward pass. Operations may run asynchronously (CUDA stream order); methods
 * that return values to the host ({@link #download}, {@link #mixLogisticLoss}) synchronise.
 * Arguments are not validated beyond buffer sizes: callers pass consistent shapes.
 */
public interface Backend extends AutoCloseable {

    /** A short name: "cpu" or "cuda:0". */
    String name();

    // ---------------------------------------------------------------- memory

    /** A new zero-filled buffer of n floats. Allocation happens at set-up, never inside a step. */
    Buf alloc(long n);

    /** dst[dstOff + i] = src[srcOff + i] for i in [0, n): host to backend. */
    void upload(float[] src, int srcOff, Buf dst, long dstOff, int n);

    /** dst[dstOff + i] = src[srcOff + i] for i in [0, n): backend to host (synchronises). */
    void download(Buf src, long srcOff, float[] dst, int dstOff, int n);

    /** Every element of b set to v. */
    void fill(Buf b, float v);

    /** dst = src (overwrite), same sizes. */
    void copy(Buf src, Buf dst);

    /** dst += alpha * src, same sizes. */
    void axpy(float alpha, Buf src, Buf dst);

    /** Waits for all queued work (no-op on the CPU). */
    void synchronize();

    /**
     * Memory of a backend's tensors, in bytes.
     *
     * @param peakBytes     the most in use at once so far (CPU: everything {@link #alloc} has handed out,
     *                      which is never freed before {@link #close}; CUDA: the device arena's high-water mark)
     * @param capacityBytes what the backend may use at most (CUDA: the arena, allocated once up front), or
     *                      -1 where only the machine bounds it (the CPU's native memory)
     * @param device        where the memory is: "host memory" or the GPU's name
     */
    record Memory(long peakBytes, long capacityBytes, String device) {
    }

    /** This backend's memory use so far (see {@link Memory}). */
    Memory memory();

    // ---------------------------------------------------------------- dense algebra

    /**
     * Row-major GEMM: C[m,n] = alpha * op(A) op(B) + beta * C, op(X) = X or X^T, with leading
     * dimensions given by the row-major storage (A is [m,k] or [k,m] when transposed; B is [k,n] or [n,k]).
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Buf a, Buf b, float beta, Buf c);

    /** Convolution forward, overwrite: y = conv(x, W) + bias (bias [cout] may be null). Shapes in {@link ConvGeom}. */
    void convForward(ConvGeom g, Buf x, Buf w, Buf bias, Buf y);

    /** Convolution backward data, accumulate: dx += conv^T(dy, W). Also the forward of a transposed convolution. */
    void convBackwardData(ConvGeom g, Buf dy, Buf w, Buf dx);

    /** Convolution backward filter, accumulate: dW += sum over n,i,j of x-patch (x) dy. */
    void convBackwardFilter(ConvGeom g, Buf x, Buf dy, Buf dw);

    /** y[r, c] += bias[c] for r in [0, rows). */
    void addBias(Buf y, Buf bias, long rows, int channels);

    /** db[c] += sum_r dy[r, c] (bias gradient). */
    void biasBackward(Buf dy, long rows, int channels, Buf db);

    // ---------------------------------------------------------------- position-major windows (the cached sampler)

    /**
     * The receptive windows of a run of output positions of the convolution g, gathered from a
     * position-major cache (im2col restricted to a few positions; Ramachandran et al. 2017, "Fast
     * Generation for Convolutional Autoregressive Models"). x [g.h, g.w, g.n, g.cin]: the g.n images of a
     * position are contiguous. Output positions p0 .. p0+count-1 of the [g.ho, g.wo] grid in raster order;
     * col [count, g.n, fh*fw*cin] (overwrite): {@code col[q, b, (di*fw + dj)*cin + ci] = x[i*s+di-padTop,
     * j*s+dj-padLeft, b, ci]}, 0 outside the image, with (i, j) = (p / wo, p % wo), p = p0 + q. Then col
     * times the HWIO weight W [fh*fw*cin, cout] ({@link #gemm}) gives conv(x, W) at those positions, rows
     * (q, b), exactly as {@link #convForward} defines it.
     */
    void gatherWindows(ConvGeom g, Buf x, int p0, int count, Buf col);

    /**
     * The same for the transposed convolution of g (its forward is g's {@link #convBackwardData}: from x
     * [g.ho, g.wo, g.n, g.cout] to [g.h, g.w, g.n, g.cin]): output positions p0 .. p0+count-1 of the [g.h, g.w]
     * grid, col [count, g.n, fh*fw*cout] (overwrite): {@code col[q, b, (di*fw + dj)*cout + co] =
     * x[(yi+padTop-di)/s, (xj+padLeft-dj)/s, b, co]} when both divisions are exact and land inside x, else 0,
     * with (yi, xj) = (p / g.w, p % g.w). Times W' [fh*fw*cout, cin] (the per-tap transpose of the HWIO W,
     * {@link #transposeTaps}) gives the transposed convolution at those positions (nn.deconv2d before the
     * reference's crop, which g's padding expresses).
     */
    void gatherWindowsTransposed(ConvGeom g, Buf x, int p0, int count, Buf col);

    /**
     * {@code wt[t, c, r] = w[t, r, c]} for t &lt; taps: each of taps row-major [rows, cols] matrices
     * transposed (a transposed convolution's HWIO weight [fh, fw, cin, cout] to [fh, fw, cout, cin]). Overwrite.
     */
    void transposeTaps(Buf w, Buf wt, int taps, int rows, int cols);

    // ---------------------------------------------------------------- weight norm (Salimans & Kingma 2016)

    /**
     * W = g * V / ||V||: V viewed as [outer, channels, inner], the L2 norm taken over (outer, inner) per
     * channel (conv V [fh,fw,cin,cout]: outer = fh*fw*cin, inner = 1; deconv V [fh,fw,cout,cin]: outer =
     * fh*fw, inner = cin; dense V [cin,cout]: outer = cin, inner = 1). Writes W and norm[c] = ||V[.,c,.]||.
     * Mirrors {@code tf.nn.l2_normalize} in nn.conv2d / nn.deconv2d / nn.dense.
     */
    void weightNormForward(Buf v, Buf g, Buf w, Buf norm, int outer, int channels, int inner);

    /**
     * Given dW, accumulates dg[c] += sum(dW*V)/||V|| and dV += (g/||V||) (dW - (sum(dW*V)/||V||^2) V).
     */
    void weightNormBackward(Buf v, Buf g, Buf norm, Buf dw, Buf dv, Buf dg, int outer, int channels, int inner);

    /**
     * Per-channel mean and (biased) variance over rows, written as mean[c], var[c] (data-dependent
     * init; mirrors tf.nn.moments over axes [0,1,2]).
     */
    void channelMoments(Buf y, long rows, int channels, Buf mean, Buf var);

    // ---------------------------------------------------------------- nonlinearities (x [rows, c])

    /** y[r, 0:c] = elu(x[r, :]), y[r, c:2c] = elu(-x[r, :]) (nn.concat_elu); y is [rows, 2c]. */
    void concatEluForward(Buf x, Buf y, long rows, int c);

    /**
     * From the forward output y [rows, 2c] (no exp needed, as TF's EluGrad): dx[r, j] += dy[r, j] g(y[r, j])
     * - dy[r, c+j] g(y[r, c+j]) with g(y) = 1 for y &gt; 0, y + 1 otherwise (= elu' at the input).
     */
    void concatEluBackward(Buf y, Buf dy, Buf dx, long rows, int c);

    /** y = elu(x) (alpha 1). */
    void eluForward(Buf x, Buf y);

    /** From the forward output y: dx += dy * (y &gt; 0 ? 1 : y + 1) (tf EluGrad). */
    void eluBackward(Buf y, Buf dy, Buf dx);

    /** y = max(x, 0). */
    void reluForward(Buf x, Buf y);

    /** From the forward output y: dx += dy where y &gt; 0. */
    void reluBackward(Buf y, Buf dy, Buf dx);

    // ---------------------------------------------------------------- shifts, concat, sums

    /** nn.down_shift: y[:, 0] = 0, y[:, i] = x[:, i-1] on x [n,h,w,c]. */
    void downShiftForward(Buf x, Buf y, int n, int h, int w, int c);

    /** dx[:, i] += dy[:, i+1] for i < h-1. */
    void downShiftBackward(Buf dy, Buf dx, int n, int h, int w, int c);

    /** nn.right_shift: y[:, :, 0] = 0, y[:, :, j] = x[:, :, j-1]. */
    void rightShiftForward(Buf x, Buf y, int n, int h, int w, int c);

    /** dx[:, :, j] += dy[:, :, j+1] for j < w-1. */
    void rightShiftBackward(Buf dy, Buf dx, int n, int h, int w, int c);

    /** y[r] = concat(a[r] (ca channels), b[r] (cb channels)); b may be null with cb = 1 meaning a channel of ones. */
    void concatChannelsForward(Buf a, int ca, Buf b, int cb, Buf y, long rows);

    /** da += dy[:, :ca]; db += dy[:, ca:] (db may be null: gradient discarded). */
    void concatChannelsBackward(Buf dy, Buf da, int ca, Buf db, int cb, long rows);

    /** y = a + b (elementwise, overwrite). */
    void add(Buf a, Buf b, Buf y);

    /** y[n, p, c] += v[n, c] for p in [0, pixels): the class-conditional projection h*hw added per image. */
    void addPerImage(Buf y, Buf v, int n, long pixels, int c);

    /** s[n, c] = sum_p dy[n, p, c] (overwrite). */
    void sumPerImage(Buf dy, Buf s, int n, long pixels, int c);

    // ---------------------------------------------------------------- gated resnet pieces

    /** out = x + A * sigmoid(B) with (A, B) = split(c2) on channels: x, out [rows, f], c2 [rows, 2f]. */
    void gateForward(Buf x, Buf c2, Buf out, long rows, int f);

    /** dx += dout; dc2[:, :f] = dout * sigmoid(B); dc2[:, f:] = dout * A * s(1-s) (dc2 overwritten). */
    void gateBackward(Buf c2, Buf dout, Buf dx, Buf dc2, long rows, int f);

    /**
     * Inverted dropout (tf.nn.dropout with keep_prob = 1-p): y = x * mask / (1-p), the mask drawn from
     * the counter-based generator {@link DropoutMask} at (key, element index). Same key, same mask, on
     * every backend.
     */
    void dropoutForward(Buf x, Buf y, float p, long key);

    /** dx += dy * mask / (1-p) with the mask of the same key. */
    void dropoutBackward(Buf dy, Buf dx, float p, long key);

    // ---------------------------------------------------------------- likelihood and sampling

    /**
     * Discretized mixture of logistics (nn.discretized_mix_logistic_loss): returns the negative
     * log-likelihood in nats summed over the batch, writes d nats / d l times gradScale into dl (if
     * not null) and per-image nats into perImage (if not null). x [n,h,w,c] in [-1,1], l [n,h,w,P]
     * with P = 10M (c = 3) or 3M (c = 1). Synchronises.
     */
    double mixLogisticLoss(Buf l, Buf x, Buf dl, float gradScale, double[] perImage, int n, int h, int w, int c, int nrMix);

    /**
     * Negative log-likelihood of every sub-pixel in nats, overwrite: out [n,h,w,c] with out[.., c] =
     * -log p(x_c | x_0..x_{c-1} of the pixel), the mixture's own autoregressive split of the pixel's
     * likelihood p(x_R) p(x_G | x_R) p(x_B | x_R, x_G) (Salimans et al. 2017, section 2.2); summed over
     * c, the pixel's nats that {@link #mixLogisticLoss} adds up (C = 1: the same values). l and x as
     * in {@link #mixLogisticLoss}. For per-pixel scores; no gradient.
     */
    void mixLogisticSubpixelNll(Buf l, Buf x, Buf out, int n, int h, int w, int c, int nrMix);

    /**
     * Samples pixel (row, col) of every image from the mixture (nn.sample_from_discretized_mix_logistic)
     * with the given uniforms: uMix [n, M], u [n, c] (already in [1e-5, 1-1e-5]); writes the sampled
     * values into x[:, row, col, :] of x [n,h,w,c].
     */
    void mixLogisticSample(Buf l, Buf uMix, Buf u, Buf x, int n, int h, int w, int c, int nrMix, int row, int col);

    // ---------------------------------------------------------------- optimiser

    /** Sum of squares of all elements, accumulated in double (synchronises): a non-finite result flags NaN/Inf gradients. */
    double sumSquares(Buf b);

    /**
     * One Adam step with the original's constants and Polyak averaging over flat buffers of equal size
     * (nn.adam_updates with mom1 = 0.95, mom2 = 0.9995, epsilon inside the root, then the moving
     * average of train.py), element by element exactly as {@link org.pixelcnn.backend.cpu.CpuAdamPolyak#update}.
     */
    void adamPolyak(AdamPolyak.Scalars s, Buf p, Buf grad, Buf m, Buf v, Buf ema);

    @Override
    void close();
}
