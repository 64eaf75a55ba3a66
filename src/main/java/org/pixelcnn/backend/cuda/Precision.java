package org.pixelcnn.backend.cuda;

/**
 * The arithmetic of the CUDA backend's convolutions and matrix products ({@code --precision}).
 * FP32: IEEE float32 multiply-adds only (cuDNN CUDNN_FMA_MATH, cuBLAS CUBLAS_DEFAULT_MATH, which never
 * uses TF32 for SGEMM). TF32: the tensor cores' TF32 mode, inputs rounded to a 10-bit mantissa, float32
 * accumulation (cuDNN CUDNN_TENSOR_OP_MATH, cuBLAS CUBLAS_TF32_TENSOR_OP_MATH); relative errors near 1e-3
 * per product. cuDNN's CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION is never used: it also permits down-conversion
 * of float32 data to float16, which is not TF32. Elementwise kernels are float32 in both modes.
 */
public enum Precision {
    FP32, TF32;

    /**
     * Parses "fp32" or "tf32" (any case).
     *
     * @throws IllegalArgumentException for anything else
     */
    public static Precision parse(String s) {
        return switch (s.toLowerCase()) {
            case "fp32" -> FP32;
            case "tf32" -> TF32;
            default -> throw new IllegalArgumentException("precision must be fp32 or tf32, not '" + s + "'");
        };
    }

    /** The flag value: fp32 or tf32. */
    public String flag() {
        return name().toLowerCase();
    }
}
