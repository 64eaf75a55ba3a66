package org.pixelcnn.backend.cuda;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;

/**
 * Launches the discretized mixture-of-logistics kernels of src/main/cuda/mix_logistic.cu (written
 * separately; CPU twins org.pixelcnn.loss.DiscretizedMixLogistic and MixLogisticSampler). What this
 * side expects of that file, checked against its source by KernelTableTest once it is merged:
 * <pre>
 * // One thread per pixel row (b, h) in a grid-stride loop over B*H rows: sums the row's W pixels in
 * // column order in float64 into row_nats[b*H + h] (nats, negative log-likelihood), and, when dl is not
 * // NULL, writes grad_scale * d nats / d l for every entry of the row's pixels.
 * extern "C" __global__ void mix_logistic_loss_grad(const float* l, const float* x, float* dl, float grad_scale,
 *                                                   double* row_nats, int B, int H, int W, int C, int M);
 * // One thread per image b in a grid-stride loop over B: samples pixel (row, col) of image b from
 * // l[b, row, col, :] with u_mix[b, 0:M] and u[b, 0:C], writes x[b, row, col, 0:C].
 * extern "C" __global__ void mix_logistic_sample(const float* l, const float* u_mix, const float* u, float* x,
 *                                                int B, int H, int W, int C, int M, int row, int col);
 * </pre>
 * The per-image and total sums are then done on the host in the CPU twin's order (rows of an image in
 * order, then images in order), so both backends sum identically.
 */
final class MixLogisticLaunch {
    private final Kernels k;
    private final CUstream_st stream;
    private final Scratch rowNats;
    private DoublePointer host = new DoublePointer(0);

    MixLogisticLaunch(Kernels k, CUstream_st stream, DeviceArena arena) {
        this.k = k;
        this.stream = stream;
        this.rowNats = new Scratch(arena);
    }

    /** See {@link org.pixelcnn.backend.Backend#mixLogisticLoss}; synchronises. */
    double loss(CudaBuf l, CudaBuf x, CudaBuf dl, float gradScale, double[] perImage, int n, int h, int w, int c, int nrMix) {
        int rows = n * h;
        long dev = rowNats.bytes(8L * rows);
        k.grid1d(Kernel.MIX_LOGISTIC_LOSS_GRAD, rows).p(l.address()).p(x.address()).p(CudaBuf.addr(dl)).f(gradScale)
                .p(dev).i(n).i(h).i(w).i(c).i(nrMix).go();
        if (host.capacity() < rows) {
            host.close();
            host = new DoublePointer(rows);
        }
        CudaException.runtime(cudart.cudaMemcpyAsync(host, new DevicePtr(dev), 8L * rows, cudart.cudaMemcpyDeviceToHost, stream),
                "cudaMemcpyAsync(mixture row nats, device to host)");
        CudaException.runtime(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize(after mix_logistic_loss_grad)");
        double total = 0;
        for (int b = 0; b < n; b++) {
            double img = 0;
            for (int r = 0; r < h; r++) img += host.get((long) b * h + r);
            if (perImage != null) perImage[b] = img;
            total += img;
        }
        return total;
    }

    /** See {@link org.pixelcnn.backend.Backend#mixLogisticSample}. */
    void sample(CudaBuf l, CudaBuf uMix, CudaBuf u, CudaBuf x, int n, int h, int w, int c, int nrMix, int row, int col) {
        k.grid1d(Kernel.MIX_LOGISTIC_SAMPLE, n).p(l.address()).p(uMix.address()).p(u.address()).p(x.address())
                .i(n).i(h).i(w).i(c).i(nrMix).i(row).i(col).go();
    }

    void close() {
        host.close();
    }
}
