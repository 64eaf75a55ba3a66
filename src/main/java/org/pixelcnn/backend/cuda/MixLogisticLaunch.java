package org.pixelcnn.backend.cuda;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;

/**
 * Launches the discretized mixture-of-logistics kernels of src/main/cuda/mix_logistic.cu (written with
 * the loss package; CPU twins org.pixelcnn.backend.cpu.DiscretizedMixLogistic and MixLogisticSampler), with the
 * parameters that file declares (KernelTableTest checks the signatures against it):
 * <pre>
 * // grid-stride over pixels = B*H*W: nats[pixel] and (grad_l != NULL) grad_scale * d nats / d l
 * mix_logistic_loss_grad(const float* l, const float* x, float* grad_l, float* nats, float grad_scale,
 *                        long long pixels, int C, int M)
 * // grid-stride over pixels: out[pixel, c] = nats of sub-pixel c given the earlier ones (no gradient)
 * mix_logistic_subpixel_nll(const float* l, const float* x, float* out, long long pixels, int C, int M)
 * // one block per image, a power-of-two block (256): per_image[b] = sum of the image's nats in float64
 * mix_logistic_image_sums(const float* nats, double* per_image, long long pixels_per_image)
 * // grid-stride over B with pos_h >= 0: samples pixel (pos_h, pos_w) of every image; sel may be NULL
 * mix_logistic_sample(const float* l, const float* u_mix, const float* u, float* x, int* sel,
 *                     int B, int H, int W, int C, int M, int pos_h, int pos_w)
 * </pre>
 * The total is the host's sum of the per-image nats in image order, as on the CPU.
 */
final class MixLogisticLaunch {
    private static final int SUM_BLOCK = 256;

    private final Kernels k;
    private final CUstream_st stream;
    private final Scratch nats, perImage;
    private DoublePointer host = new DoublePointer(0);

    MixLogisticLaunch(Kernels k, CUstream_st stream, DeviceArena arena) {
        this.k = k;
        this.stream = stream;
        this.nats = new Scratch(arena);
        this.perImage = new Scratch(arena);
    }

    /** See {@link org.pixelcnn.backend.Backend#mixLogisticLoss}; synchronises. */
    double loss(CudaBuf l, CudaBuf x, CudaBuf dl, float gradScale, double[] perImageOut, int n, int h, int w, int c, int nrMix) {
        long pixelsPerImage = (long) h * w, pixels = n * pixelsPerImage;
        long natsDev = nats.floats(pixels), sums = perImage.bytes(8L * n);
        k.grid1d(Kernel.MIX_LOGISTIC_LOSS_GRAD, pixels).p(l.address()).p(x.address()).p(CudaBuf.addr(dl)).p(natsDev)
                .f(gradScale).l(pixels).i(c).i(nrMix).go();
        k.grid(Kernel.MIX_LOGISTIC_IMAGE_SUMS, n, 1, 1, SUM_BLOCK, 1, 1).p(natsDev).p(sums).l(pixelsPerImage).go();
        if (host.capacity() < n) {
            host.close();
            host = new DoublePointer(n);
        }
        CudaException.runtime(cudart.cudaMemcpyAsync(host, new DevicePtr(sums), 8L * n, cudart.cudaMemcpyDeviceToHost, stream),
                "cudaMemcpyAsync(per-image nats, device to host)");
        CudaException.runtime(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize(after mix_logistic_image_sums)");
        double total = 0;
        for (int b = 0; b < n; b++) {
            double img = host.get(b);
            if (perImageOut != null) perImageOut[b] = img;
            total += img;
        }
        return total;
    }

    /** See {@link org.pixelcnn.backend.Backend#mixLogisticSubpixelNll}: out [n,h,w,c], overwritten. */
    void subpixelNll(CudaBuf l, CudaBuf x, CudaBuf out, int n, int h, int w, int c, int nrMix) {
        long pixels = (long) n * h * w;
        k.grid1d(Kernel.MIX_LOGISTIC_SUBPIXEL_NLL, pixels).p(l.address()).p(x.address()).p(out.address())
                .l(pixels).i(c).i(nrMix).go();
    }

    /** See {@link org.pixelcnn.backend.Backend#mixLogisticSample}: pixel (row, col) of every image. */
    void sample(CudaBuf l, CudaBuf uMix, CudaBuf u, CudaBuf x, int n, int h, int w, int c, int nrMix, int row, int col) {
        k.grid1d(Kernel.MIX_LOGISTIC_SAMPLE, n).p(l.address()).p(uMix.address()).p(u.address()).p(x.address()).p(0L)
                .i(n).i(h).i(w).i(c).i(nrMix).i(row).i(col).go();
    }

    void close() {
        host.close();
    }
}
