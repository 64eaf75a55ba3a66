package org.pixelcnn.model;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.model.layers.Conv2d;
import org.pixelcnn.model.layers.Deconv2d;
import org.pixelcnn.model.layers.Dense;
import org.pixelcnn.model.layers.GatedResnet;

import java.util.List;

/**
 * One operation of the network graph of model.py, with the activations it reads and the one it writes
 * (all NHWC [n, h, w, c] of the model's batch), its forward and its backward side by side.
 * {@link PixelCnnPP#graph()} lists the nodes in forward order; the full forward pass runs them in that
 * order, the backward pass in reverse, and the cached sampler ({@code sample.CachedSampler}) reads the
 * same list to learn which layer reads which activation, and with which weights.
 *
 * <p>Backward passes accumulate into the inputs' gradients (an activation read by several nodes gets the
 * sum); parameter gradients accumulate into the model's gradient block.
 */
public sealed interface Node {
    /** The activations this node reads, in the order of its arguments. */
    List<Activation> inputs();

    /** The activation this node writes. */
    Activation output();

    /** Computes {@link #output()} from {@link #inputs()} (init mode: data-dependent init of the node's layer). */
    void forward(Backend be, Pass pass);

    /** Adds the node's share of the gradient to the inputs' gradients (and its parameters' gradients). */
    void backward(Backend be, Pass pass);

    /** x_pad = concat(x, ones) on the channel axis (model.py: the channel that tells image from padding). */
    record ConcatOnes(Activation in, Activation out) implements Node {
        public List<Activation> inputs() { return List.of(in); }

        public Activation output() { return out; }

        public void forward(Backend be, Pass p) { be.concatChannelsForward(in.value, in.c, null, 1, out.value, in.rows()); }

        public void backward(Backend be, Pass p) { be.concatChannelsBackward(out.grad, in.grad, in.c, null, 1, in.rows()); }
    }

    /** A weight-normalised shifted convolution (nn.down_shifted_conv2d, nn.down_right_shifted_conv2d); its geometry is {@code layer.geom}. */
    record Conv(Activation in, Activation out, Conv2d layer) implements Node {
        public List<Activation> inputs() { return List.of(in); }

        public Activation output() { return out; }

        public void forward(Backend be, Pass p) { layer.forward(be, in.value, out.value, p.init()); }

        public void backward(Backend be, Pass p) { layer.backward(be, in.value, out.grad, in.grad); }
    }

    /** A weight-normalised stride-2 transposed convolution with the reference's crop (nn.down_shifted_deconv2d, ...). */
    record Deconv(Activation in, Activation out, Deconv2d layer) implements Node {
        public List<Activation> inputs() { return List.of(in); }

        public Activation output() { return out; }

        public void forward(Backend be, Pass p) { layer.forward(be, in.value, out.value, p.init()); }

        public void backward(Backend be, Pass p) { layer.backward(be, in.value, out.grad, in.grad); }
    }

    /** nn.nin: a weight-normalised dense layer on the channel axis. */
    record Nin(Activation in, Activation out, Dense layer) implements Node {
        public List<Activation> inputs() { return List.of(in); }

        public Activation output() { return out; }

        public void forward(Backend be, Pass p) { layer.forward(be, in.value, out.value, p.init()); }

        public void backward(Backend be, Pass p) { layer.backward(be, in.value, out.grad, in.grad); }
    }

    /** nn.gated_resnet: reads {@code block.input()} and, when present, {@code block.aux()}; writes {@code block.out}. */
    record Resnet(GatedResnet block) implements Node {
        public List<Activation> inputs() { return block.aux() == null ? List.of(block.input()) : List.of(block.input(), block.aux()); }

        public Activation output() { return block.out; }

        public void forward(Backend be, Pass p) { block.forward(be, p); }

        public void backward(Backend be, Pass p) { block.backward(be, p); }
    }

    /** nn.down_shift: row 0 zeros, row i takes row i-1. */
    record DownShift(Activation in, Activation out) implements Node {
        public List<Activation> inputs() { return List.of(in); }

        public Activation output() { return out; }

        public void forward(Backend be, Pass p) { be.downShiftForward(in.value, out.value, in.n, in.h, in.w, in.c); }

        public void backward(Backend be, Pass p) { be.downShiftBackward(out.grad, in.grad, in.n, in.h, in.w, in.c); }
    }

    /** nn.right_shift: column 0 zeros, column j takes column j-1. */
    record RightShift(Activation in, Activation out) implements Node {
        public List<Activation> inputs() { return List.of(in); }

        public Activation output() { return out; }

        public void forward(Backend be, Pass p) { be.rightShiftForward(in.value, out.value, in.n, in.h, in.w, in.c); }

        public void backward(Backend be, Pass p) { be.rightShiftBackward(out.grad, in.grad, in.n, in.h, in.w, in.c); }
    }

    /** out = a + b (the first ul of model.py). */
    record Sum(Activation a, Activation b, Activation out) implements Node {
        public List<Activation> inputs() { return List.of(a, b); }

        public Activation output() { return out; }

        public void forward(Backend be, Pass p) { be.add(a.value, b.value, out.value); }

        public void backward(Backend be, Pass p) {
            be.axpy(1f, out.grad, a.grad);
            be.axpy(1f, out.grad, b.grad);
        }
    }

    /** out = concat(a, b) on the channel axis (tf.concat([u, ul_list.pop()], 3)). */
    record Concat(Activation a, Activation b, Activation out) implements Node {
        public List<Activation> inputs() { return List.of(a, b); }

        public Activation output() { return out; }

        public void forward(Backend be, Pass p) { be.concatChannelsForward(a.value, a.c, b.value, b.c, out.value, a.rows()); }

        public void backward(Backend be, Pass p) { be.concatChannelsBackward(out.grad, a.grad, a.c, b.grad, b.c, a.rows()); }
    }

    /** out = elu(in) (tf.nn.elu before the output nin). */
    record Elu(Activation in, Activation out) implements Node {
        public List<Activation> inputs() { return List.of(in); }

        public Activation output() { return out; }

        public void forward(Backend be, Pass p) { be.eluForward(in.value, out.value); }

        public void backward(Backend be, Pass p) { be.eluBackward(out.value, out.grad, in.grad); }
    }
}
