package org.pixelcnn.model.layers;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;

/**
 * The gated resnet's nonlinearity ({@code --resnet_nonlinearity}): concat_elu doubles the channels
 * (elu(concat(x, -x)), nn.concat_elu), elu and relu keep them (tf.nn.elu, tf.nn.relu).
 */
public enum Nonlinearity {
    CONCAT_ELU(2), ELU(1), RELU(1);

    /** Output channels per input channel. */
    public final int factor;

    Nonlinearity(int factor) {
        this.factor = factor;
    }

    /** Parses the reference's flag value: concat_elu, elu or relu. */
    public static Nonlinearity parse(String s) {
        return switch (s) {
            case "concat_elu" -> CONCAT_ELU;
            case "elu" -> ELU;
            case "relu" -> RELU;
            default -> throw new IllegalArgumentException("--resnet_nonlinearity '" + s + "' is not supported (concat_elu, elu, relu)");
        };
    }

    /** The flag value. */
    public String flag() {
        return name().toLowerCase();
    }

    /** y = f(x): x [rows, c], y [rows, factor*c]. */
    public void forward(Backend be, Buf x, Buf y, long rows, int c) {
        switch (this) {
            case CONCAT_ELU -> be.concatEluForward(x, y, rows, c);
            case ELU -> be.eluForward(x, y);
            case RELU -> be.reluForward(x, y);
        }
    }

    /** dx += f'(x)^T dy, from the forward output y = f(x) [rows, factor*c]. */
    public void backward(Backend be, Buf y, Buf dy, Buf dx, long rows, int c) {
        switch (this) {
            case CONCAT_ELU -> be.concatEluBackward(y, dy, dx, rows, c);
            case ELU -> be.eluBackward(y, dy, dx);
            case RELU -> be.reluBackward(y, dy, dx);
        }
    }
}
