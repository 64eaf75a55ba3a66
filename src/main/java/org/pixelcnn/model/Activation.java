package org.pixelcnn.model;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;

/**
 * A tensor of the network, NHWC [n, h, w, c], with its value and (when training) its gradient
 * buffer. Gradients accumulate from every consumer; the model zeroes them before backward.
 */
public final class Activation {
    public final int n, h, w, c;
    public final Buf value;
    public final Buf grad;

    /** Allocates value (and grad when withGrad) on the backend. */
    public Activation(Backend be, int n, int h, int w, int c, boolean withGrad) {
        this.n = n;
        this.h = h;
        this.w = w;
        this.c = c;
        this.value = be.alloc(size());
        this.grad = withGrad ? be.alloc(size()) : null;
    }

    /** n*h*w*c. */
    public long size() {
        return (long) n * h * w * c;
    }

    /** n*h*w: the number of channel vectors. */
    public long rows() {
        return (long) n * h * w;
    }

    @Override
    public String toString() {
        return "[" + n + "," + h + "," + w + "," + c + "]";
    }
}
