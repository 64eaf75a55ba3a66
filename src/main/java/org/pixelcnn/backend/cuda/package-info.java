/**
 * The CUDA backend through the JavaCPP presets: device contexts and streams ({@code CudaContext}), one
 * device arena allocated up front ({@code DeviceArena}), our kernels from the jar's fatbin
 * ({@code Kernels}, sources in {@code src/main/cuda}, each naming its CPU twin), cuDNN convolutions
 * ({@code CudnnConv}, {@code ConvPlan}, {@code ConvDescriptors}), cuBLAS products ({@code CublasGemm}),
 * the device ring all-reduce ({@code CudaRingAllReduce}, {@code RingPlan}), and the probe that says in
 * one line why CUDA is not usable here ({@code CudaProbe}, {@code SharedLibraries}). Only long-standing
 * CUDA 13.0 API functions: the presets are 13.1 and a 13.1-only call kills the JVM on a 13.0 machine.
 *
 * <p>May import: backend, backend/cpu (to name the CPU twins), io.
 */
package org.pixelcnn.backend.cuda;
