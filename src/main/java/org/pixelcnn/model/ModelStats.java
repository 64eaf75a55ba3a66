package org.pixelcnn.model;

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

    /** Builds cfg at batch 1 without computing anything ({@link AllocationCount}). */
    public static ModelStats of(ModelConfig cfg) {
        PixelCnnPP[] model = new PixelCnnPP[1];
        AllocationCount count = AllocationCount.of(be -> model[0] = new PixelCnnPP(be, cfg, 1, true));
        long params = model[0].params().total();
        return new ModelStats(params, 2 * model[0].macsPerImage(), count.floats() - 2 * params);
    }

    /**
     * The parameters of cfg's network (names, shapes, offsets in the flat block, in creation order),
     * found on the planning backend ({@link AllocationCount}): nothing is allocated or computed, so any
     * model size is cheap. The store's buffers are placeholders that hold no values.
     */
    public static ParamStore parameterLayout(ModelConfig cfg) {
        PixelCnnPP[] model = new PixelCnnPP[1];
        AllocationCount.of(be -> model[0] = new PixelCnnPP(be, cfg, 1, false));
        return model[0].params();
    }
}
