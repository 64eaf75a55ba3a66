package org.pixelcnn.backend.cuda;

import org.pixelcnn.backend.ConvGeom;

/**
 * How a {@link ConvGeom} (top/left padding, bottom/right implied by the output size, so possibly
 * asymmetric) runs on cuDNN, whose 2-D convolutions pad symmetrically. Per axis (rows shown):
 * <ul>
 *   <li>padTop &ge; padBottom (every convolution of the model: causal padding is on top and left): cuDNN
 *       pads {@code padH = padTop} on both sides. Its output grid, {@code hoC = (h + 2 padTop - fh) / s + 1}
 *       rows, starts at the same place as ours and has at least {@code ho} rows; we use its first ho
 *       rows ({@link #cropsOutput}).</li>
 *   <li>padTop &lt; padBottom: the input is padded explicitly into a scratch tensor of
 *       {@code he = extraTop + h + extraBottom} rows ({@code extraTop = padTop, extraBottom = padBottom},
 *       {@link #padsInput}) and cuDNN pads nothing on this axis.</li>
 * </ul>
 * Either way {@code padH + extraTop = padTop}, so cuDNN output row i reads input rows
 * {@code i*s + di - padTop}, exactly the rows of y[i]. The three operations then are:
 * <pre>
 *   forward:          xE = pad(x); yC = cudnnForward(xE, W); y = yC[:, :ho, :wo]                (overwrite)
 *   backward data:    dyC = zero-extend(dy to hoC x woC); dxE = cudnnBackwardData(dyC, W); dx += dxE[:, extraTop:+h, extraLeft:+w]
 *   backward filter:  dW += cudnnBackwardFilter(pad(x), zero-extend(dy))
 * </pre>
 * where pad, extend and crop are no-ops when not needed (then cuDNN reads and writes the caller's
 * tensors directly, and backward data accumulates with beta = 1). The extra output rows of the
 * extension carry zero gradient, so they add nothing to dx or dW.
 *
 * @param g           the convolution
 * @param padH        symmetric row padding cuDNN applies
 * @param padW        symmetric column padding cuDNN applies
 * @param extraTop    zero rows added explicitly above x
 * @param extraBottom zero rows added explicitly below x
 * @param extraLeft   zero columns added explicitly left of x
 * @param extraRight  zero columns added explicitly right of x
 * @param he          rows of the input cuDNN sees (h + extraTop + extraBottom)
 * @param we          columns of the input cuDNN sees
 * @param hoC         rows of cuDNN's output grid (&ge; ho)
 * @param woC         columns of cuDNN's output grid (&ge; wo)
 */
public record ConvPlan(ConvGeom g, int padH, int padW, int extraTop, int extraBottom, int extraLeft, int extraRight,
                       int he, int we, int hoC, int woC) {

    /** The plan for g. */
    public static ConvPlan of(ConvGeom g) {
        int pt = g.padTop(), pb = g.padBottom(), pl = g.padLeft(), pr = g.padRight();
        boolean rowsSym = pt >= pb, colsSym = pl >= pr;
        int padH = rowsSym ? pt : 0, padW = colsSym ? pl : 0;
        int eT = rowsSym ? 0 : pt, eB = rowsSym ? 0 : pb, eL = colsSym ? 0 : pl, eR = colsSym ? 0 : pr;
        int he = g.h() + eT + eB, we = g.w() + eL + eR;
        int hoC = (he + 2 * padH - g.fh()) / g.stride() + 1;
        int woC = (we + 2 * padW - g.fw()) / g.stride() + 1;
        if (hoC < g.ho() || woC < g.wo())
            throw new IllegalStateException("convolution plan covers " + hoC + "x" + woC + " < " + g.ho() + "x" + g.wo() + " for " + g);
        return new ConvPlan(g, padH, padW, eT, eB, eL, eR, he, we, hoC, woC);
    }

    /** Whether x is padded explicitly into a scratch tensor [n, he, we, cin]. */
    public boolean padsInput() {
        return he != g.h() || we != g.w();
    }

    /** Whether cuDNN's output grid [n, hoC, woC, cout] is larger than y (forward crops, backward extends). */
    public boolean cropsOutput() {
        return hoC != g.ho() || woC != g.wo();
    }

    /** Floats of the padded input n*he*we*cin. */
    public long paddedInSize() {
        return (long) g.n() * he * we * g.cin();
    }

    /** Floats of cuDNN's output grid n*hoC*woC*cout. */
    public long gridOutSize() {
        return (long) g.n() * hoC * woC * g.cout();
    }
}
