package org.pixelcnn.backend.cuda;

/**
 * Every kernel the Java side launches: its {@code extern "C"} name in src/main/cuda and its parameter
 * signature, one letter per parameter: P pointer, I int, L long long, F float, D double. {@link Kernels}
 * refuses a launch whose arguments do not match the signature, and a host-side test checks each
 * signature against the .cu sources, so Java and CUDA cannot drift apart silently. The backend refuses to
 * start when the jar's module lacks any of them.
 */
public enum Kernel {
    FILL("fill_f32", "PLF"),
    AXPY("axpy_f32", "PPLF"),
    ADD("add_f32", "PPPL"),
    ELU_FORWARD("elu_forward", "PPL"),
    ELU_BACKWARD("elu_backward", "PPPL"),
    RELU_FORWARD("relu_forward", "PPL"),
    RELU_BACKWARD("relu_backward", "PPPL"),
    CONCAT_ELU_FORWARD("concat_elu_forward", "PPLI"),
    CONCAT_ELU_BACKWARD("concat_elu_backward", "PPPLI"),
    DOWN_SHIFT_FORWARD("down_shift_forward", "PPIIII"),
    DOWN_SHIFT_BACKWARD("down_shift_backward", "PPIIII"),
    RIGHT_SHIFT_FORWARD("right_shift_forward", "PPIIII"),
    RIGHT_SHIFT_BACKWARD("right_shift_backward", "PPIIII"),
    CONCAT_CHANNELS_FORWARD("concat_channels_forward", "PPIPIL"),
    CONCAT_CHANNELS_BACKWARD("concat_channels_backward", "PPIPIL"),
    ADD_BIAS("add_bias", "PPLI"),
    ADD_PER_IMAGE("add_per_image", "PPILI"),
    COLSUM_PARTIAL("colsum_partial", "PPPPLII"),
    BIAS_BACKWARD_FINISH("bias_backward_finish", "PIIP"),
    MOMENTS_FINISH("moments_finish", "PPIILPP"),
    PER_IMAGE_FINISH("per_image_finish", "PIIIP"),
    WEIGHT_NORM_NORMS("weight_norm_norms", "PIIIP"),
    WEIGHT_NORM_SCALE("weight_norm_scale", "PPPPLII"),
    WEIGHT_NORM_GRAD_SCALARS("weight_norm_grad_scalars", "PIIIPPPPP"),
    WEIGHT_NORM_GRAD_APPLY("weight_norm_grad_apply", "PPPPPLII"),
    GATE_FORWARD("gate_forward", "PPPLI"),
    GATE_BACKWARD("gate_backward", "PPPPLI"),
    DROPOUT_FORWARD("dropout_forward", "PPLFFL"),
    DROPOUT_BACKWARD("dropout_backward", "PPLFFL"),
    PAD_NHWC("pad_nhwc", "PPIIIIIIII"),
    CROP_NHWC("crop_nhwc", "PPIIIIIIIII"),
    HWIO_TO_KRSC("hwio_to_krsc", "PPIIII"),
    KRSC_ADD_TO_HWIO("krsc_add_to_hwio", "PPIIII"),
    GATHER_WINDOWS("gather_windows", "PPIIIIIIIIIIII"),
    GATHER_WINDOWS_TRANSPOSED("gather_windows_transposed", "PPIIIIIIIIIIII"),
    TRANSPOSE_TAPS("transpose_taps", "PPIII"),
    ADAM_POLYAK_UPDATE("adam_polyak_update", "PPPPPLFFFFFFFFFF"),
    ALLREDUCE_ADD("allreduce_add", "PPL"),
    MIX_LOGISTIC_LOSS_GRAD("mix_logistic_loss_grad", "PPPPFLII"),
    MIX_LOGISTIC_IMAGE_SUMS("mix_logistic_image_sums", "PPL"),
    MIX_LOGISTIC_SUBPIXEL_NLL("mix_logistic_subpixel_nll", "PPPLII"),
    MIX_LOGISTIC_SAMPLE("mix_logistic_sample", "PPPPPIIIIIII");

    /** The extern "C" name. */
    public final String cname;
    /** One letter per parameter (P, I, L, F, D). */
    public final String signature;

    Kernel(String cname, String signature) {
        this.cname = cname;
        this.signature = signature;
    }
}
