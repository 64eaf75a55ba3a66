package org.pixelcnn.backend.cuda;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.cudnn;

/**
 * A failed CUDA runtime, driver, cuDNN or cuBLAS call, or a failed kernel; the message names the call
 * (or kernel) and gives the library's error name and text. The {@code check*} methods turn a return
 * code into this exception and are used on every native call of the CUDA backend.
 */
public final class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean outOfMemory;
    private final int device;
    private final int code;

    public CudaException(String message) {
        this(message, false, -1);
    }

    /**
     * @param outOfMemory the GPU (cudaErrorMemoryAllocation) or the backend's device arena ran out of memory
     * @param device      the CUDA ordinal concerned, or -1 when unknown
     */
    public CudaException(String message, boolean outOfMemory, int device) {
        this(message, 0, outOfMemory, device);
    }

    /**
     * @param code        the CUDA runtime (cudaError_t) or driver (CUresult) error code, 0 when the failure has
     *                    none (a cuDNN or cuBLAS status, an exhausted arena, a refused argument)
     * @param outOfMemory the GPU (cudaErrorMemoryAllocation) or the backend's device arena ran out of memory
     * @param device      the CUDA ordinal concerned, or -1 when unknown
     */
    public CudaException(String message, int code, boolean outOfMemory, int device) {
        super(message);
        this.code = code;
        this.outOfMemory = outOfMemory;
        this.device = device;
    }

    /** The CUDA runtime or driver error code, or 0 when the failure has none. */
    public int code() {
        return code;
    }

    /**
     * Whether the error is sticky: the context is corrupted and every later CUDA call in this process fails
     * the same way (see {@link #isSticky(int)}).
     */
    public boolean sticky() {
        return isSticky(code);
    }

    /**
     * Whether a runtime (cudaError_t) or driver (CUresult) code is one of the errors that leave the context
     * unusable until the process exits (CUDA Runtime API, "Error Handling": illegal address, launch failure,
     * hardware stack error, illegal instruction, misaligned address, invalid address space, invalid PC,
     * device-side assert, launch timeout, uncorrectable ECC error). The runtime and driver use the same
     * numbers for these.
     */
    public static boolean isSticky(int code) {
        return switch (code) {
            case cudart.cudaErrorIllegalAddress, cudart.cudaErrorLaunchFailure, cudart.cudaErrorHardwareStackError,
                 cudart.cudaErrorIllegalInstruction, cudart.cudaErrorMisalignedAddress, cudart.cudaErrorInvalidAddressSpace,
                 cudart.cudaErrorInvalidPc, cudart.cudaErrorAssert, cudart.cudaErrorLaunchTimeout, cudart.cudaErrorECCUncorrectable -> true;
            default -> false;
        };
    }

    /** True when device memory ran out (cudaErrorMemoryAllocation, or the device arena is exhausted). */
    public boolean outOfMemory() {
        return outOfMemory;
    }

    /** The CUDA device ordinal concerned, or -1 when unknown. */
    public int device() {
        return device;
    }

    /** Throws unless {@code err} is cudaSuccess; {@code what} names the call, e.g. "cudaMalloc(4096 bytes)". */
    static void runtime(int err, String what) {
        if (err != cudart.cudaSuccess)
            throw new CudaException(what + " failed: " + runtimeText(err), err, err == cudart.cudaErrorMemoryAllocation, currentDevice());
    }

    /** The calling thread's current CUDA device, or -1 if it cannot be read. */
    static int currentDevice() {
        int[] d = {-1};
        return cudart.cudaGetDevice(d) == cudart.cudaSuccess ? d[0] : -1;
    }

    /** Throws unless the driver-API result is CUDA_SUCCESS. */
    static void driver(int err, String what) {
        if (err != cudart.CUDA_SUCCESS)
            throw new CudaException(what + " failed: " + driverText(err), err, err == cudart.CUDA_ERROR_OUT_OF_MEMORY, currentDevice());
    }

    /** Throws unless the cuDNN status is CUDNN_STATUS_SUCCESS. */
    static void cudnn(int status, String what) {
        if (status != cudnn.CUDNN_STATUS_SUCCESS) {
            BytePointer s = cudnn.cudnnGetErrorString(status);
            throw new CudaException(what + " failed: cuDNN status " + status + (s == null ? "" : " (" + s.getString() + ")"));
        }
    }

    /** Throws unless the cuBLAS status is CUBLAS_STATUS_SUCCESS. */
    static void cublas(int status, String what) {
        if (status != cublas.CUBLAS_STATUS_SUCCESS) {
            BytePointer s = cublas.cublasGetStatusString(status);
            throw new CudaException(what + " failed: cuBLAS status " + status + (s == null ? "" : " (" + s.getString() + ")"));
        }
    }

    /** "cudaErrorMemoryAllocation (out of memory)" for a runtime error code. */
    static String runtimeText(int err) {
        BytePointer name = cudart.cudaGetErrorName(err), text = cudart.cudaGetErrorString(err);
        return (name == null ? "error " + err : name.getString()) + (text == null ? "" : " (" + text.getString() + ")");
    }

    /** "CUDA_ERROR_INVALID_IMAGE (device kernel image is invalid)" for a driver-API error code. */
    static String driverText(int err) {
        // const char** outputs: JavaCPP writes the string's address into the (initially null) pointers.
        BytePointer n = new BytePointer((BytePointer) null), t = new BytePointer((BytePointer) null);
        String sName = cudart.cuGetErrorName(err, n) == cudart.CUDA_SUCCESS && !n.isNull() ? n.getString() : "CUresult " + err;
        String sText = cudart.cuGetErrorString(err, t) == cudart.CUDA_SUCCESS && !t.isNull() ? " (" + t.getString() + ")" : "";
        return sName + sText;
    }
}
