package org.pixelcnn.model;

import org.pixelcnn.backend.Buf;

import java.util.Arrays;

/**
 * One named parameter tensor of the model (e.g. {@code model/conv2d_0/V}), a view into the flat
 * parameter block and into the flat gradient block at the same offset.
 */
public final class Param {
    /** How a parameter starts before data-dependent init (nn.py initialisers). */
    public enum Init { NORMAL_005, ONES, ZEROS }

    public final String name;
    public final int[] shape;
    public final long offset;
    public final long size;
    public final Init init;
    Buf value;
    Buf grad;

    Param(String name, int[] shape, long offset, Init init) {
        this.name = name;
        this.shape = shape.clone();
        this.offset = offset;
        long s = 1;
        for (int d : shape) s *= d;
        this.size = s;
        this.init = init;
    }

    /** The parameter's values (a view into the flat block). */
    public Buf value() {
        return value;
    }

    /** The parameter's gradient (a view into the flat gradient block). */
    public Buf grad() {
        return grad;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
