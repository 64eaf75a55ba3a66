package org.pixelcnn.model;

import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;

import java.lang.reflect.Proxy;

/**
 * What a model costs, found by building it on a planning backend that only records allocations:
 * parameter count, forward multiply-adds per image (a multiply-add = 2 FLOPs; convolutions, nin
 * layers and the class projection) and the floats one image's activations take in training.
 *
 * @param params         number of parameters (floats in the flat block)
 * @param forwardFlops   forward FLOPs for one image
 * @param trainingFloats floats the network allocates per image of batch (activations, gradients and
 *                       layer scratch, without the flat parameter blocks)
 */
public record ModelStats(long params, long forwardFlops, long trainingFloats) {

    /** Builds cfg at batch 1 without computing anything. */
    public static ModelStats of(ModelConfig cfg) {
        long[] allocated = {0};
        PixelCnnPP model = new PixelCnnPP(planningBackend(allocated), cfg, 1, true);
        long params = model.params().total();
        return new ModelStats(params, 2 * model.macsPerImage(), allocated[0] - 2 * params);
    }

    /**
     * The parameters of cfg's network (names, shapes, offsets in the flat block, in creation order),
     * found on the planning backend: nothing is allocated or computed, so any model size is cheap. The
     * store's buffers are placeholders that hold no values.
     */
    public static ParamStore parameterLayout(ModelConfig cfg) {
        return new PixelCnnPP(planningBackend(new long[1]), cfg, 1, false).params();
    }

    /** A backend that only counts the floats allocated (into allocated[0]) and refuses every computation. */
    private static Backend planningBackend(long[] allocated) {
        return (Backend) Proxy.newProxyInstance(ModelStats.class.getClassLoader(), new Class<?>[]{Backend.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "alloc" -> {
                        allocated[0] += (Long) args[0];
                        yield sizeOnly((Long) args[0]);
                    }
                    case "name" -> "plan";
                    case "close" -> null;
                    case "toString" -> "planning backend";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException("the planning backend does not compute (" + method.getName() + ")");
                });
    }

    private static Buf sizeOnly(long n) {
        return new Buf() {
            @Override
            public long size() {
                return n;
            }

            @Override
            public Buf slice(long offset, long length) {
                if (offset < 0 || length < 0 || offset + length > n) throw new IndexOutOfBoundsException();
                return sizeOnly(length);
            }
        };
    }
}
