package org.pixelcnn.backend;

/**
 * Geometry of a 2-D convolution in NHWC with HWIO weights [fh, fw, cin, cout] and implicit zero
 * padding: {@code y[n,i,j,co] = sum_{di,dj,ci} x[n, i*stride+di-padTop, j*stride+dj-padLeft, ci] * W[di,dj,ci,co]},
 * x taken as zero outside [0,h) x [0,w). The bottom and right padding are implied by (ho, wo).
 * This one form covers TF's VALID convolutions on the reference's padded inputs
 * ({@code down_shifted_conv2d}, {@code down_right_shifted_conv2d}) and, read backwards, the cropped
 * transposed convolutions ({@code down_shifted_deconv2d}: deconv forward = backward-data of this conv).
 *
 * @param n      batch size
 * @param h      input height
 * @param w      input width
 * @param cin    input channels
 * @param ho     output height
 * @param wo     output width
 * @param cout   output channels
 * @param fh     filter height
 * @param fw     filter width
 * @param stride stride (both axes)
 * @param padTop zero rows above the input
 * @param padLeft zero columns left of the input
 */
public record ConvGeom(int n, int h, int w, int cin, int ho, int wo, int cout,
                       int fh, int fw, int stride, int padTop, int padLeft) {

    public ConvGeom {
        if (n <= 0 || h <= 0 || w <= 0 || cin <= 0 || ho <= 0 || wo <= 0 || cout <= 0 || fh <= 0 || fw <= 0 || stride <= 0)
            throw new IllegalArgumentException("bad convolution geometry " + this);
        if (padTop < 0 || padLeft < 0 || padTop >= fh || padLeft >= fw)
            throw new IllegalArgumentException("bad padding in " + this);
        if ((ho - 1) * stride + fh > padTop + h + fh - 1 || (wo - 1) * stride + fw > padLeft + w + fw - 1)
            throw new IllegalArgumentException("output larger than padded input in " + this);
    }

    /** The same geometry for a batch of n images. */
    public ConvGeom withBatch(int batch) {
        return new ConvGeom(batch, h, w, cin, ho, wo, cout, fh, fw, stride, padTop, padLeft);
    }

    /** Zero rows below the input that the output reaches (TF VALID on a padded input). */
    public int padBottom() { return Math.max(0, (ho - 1) * stride + fh - padTop - h); }

    /** Zero columns right of the input that the output reaches. */
    public int padRight() { return Math.max(0, (wo - 1) * stride + fw - padLeft - w); }

    /** Elements of the input x: n*h*w*cin. */
    public long inSize() { return (long) n * h * w * cin; }

    /** Elements of the output y: n*ho*wo*cout. */
    public long outSize() { return (long) n * ho * wo * cout; }

    /** Elements of the weight W: fh*fw*cin*cout. */
    public long weightSize() { return (long) fh * fw * cin * cout; }

    /** Multiply-adds of one forward pass (backward data and backward filter cost the same each). */
    public long macs() { return (long) n * ho * wo * cout * fh * fw * cin; }

    /** True for a 1x1, stride-1, unpadded convolution (a matrix product on the channel axis). */
    public boolean isPointwise() { return fh == 1 && fw == 1 && stride == 1 && padTop == 0 && padLeft == 0 && ho == h && wo == w; }
}
