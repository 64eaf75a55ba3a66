/**
 * The CPU backend, the reference of every operation: convolutions on oneDNN's primitives, one chunk of
 * images per thread ({@code OneDnnConv}, chosen per geometry by {@code OneDnnConvs}), or as im2col + SGEMM
 * (oneDNN's or OpenBLAS's) split over the backend's own threads ({@code CpuConv}), elementwise work as loops over native buffers on a
 * fork-join pool ({@code CpuBackend}, {@code Parallel}), the discretized mixture of logistics and its
 * sampler ({@code DiscretizedMixLogistic}, {@code MixLogisticPixel}, {@code MixLogisticSampler}: the
 * scalar math the golden files check), the Adam + Polyak body ({@code CpuAdamPolyak}) and the ring
 * all-reduce of CPU replicas ({@code RingAllReduce}, {@code CpuGradientAllReduce}). Each of these is
 * the CPU twin of a CUDA kernel in {@code src/main/cuda}, whose first comment names it.
 *
 * <p>May import: backend, io. Never backend/cuda.
 */
package org.pixelcnn.backend.cpu;
