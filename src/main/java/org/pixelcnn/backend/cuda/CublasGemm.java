package org.pixelcnn.backend.cuda;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUstream_st;

import static org.bytedeco.cuda.global.cublas.*;

/**
 * Row-major SGEMM (the engine's layout) on column-major cuBLAS: a row-major X [r, c] is the column-major
 * X^T, so C = op(A) op(B) is computed as C^T = op(B)^T op(A)^T, i.e. cublasSgemm with the operands swapped,
 * m and n swapped, and the leading dimensions of the row-major storage. FP32 mode uses CUBLAS_DEFAULT_MATH
 * (no TF32 for SGEMM), TF32 mode CUBLAS_TF32_TENSOR_OP_MATH. The handle's workspace comes from the arena
 * (cublasSetWorkspace_v2), so cuBLAS allocates nothing during a step. In checking mode ({@link StreamCheck})
 * the stream is synchronised after every product. CPU twin: CpuConv.Blas.gemm.
 */
final class CublasGemm implements AutoCloseable {
    /** cuBLAS workspace taken from the arena. */
    static final long WORKSPACE = 32L << 20;

    private final cublasContext handle = new cublasContext();
    private final FloatPointer alpha = new FloatPointer(1), beta = new FloatPointer(1);
    private final StreamCheck check;

    CublasGemm(CUstream_st stream, Precision precision, DeviceArena arena, StreamCheck check) {
        this.check = check;
        CudaException.cublas(cublasCreate_v2(handle), "cublasCreate_v2");
        CudaException.cublas(cublasSetStream_v2(handle, stream), "cublasSetStream_v2");
        CudaException.cublas(cublasSetWorkspace_v2(handle, new DevicePtr(arena.allocateScratch(WORKSPACE)), WORKSPACE), "cublasSetWorkspace_v2");
        int mode = precision == Precision.FP32 ? CUBLAS_DEFAULT_MATH : CUBLAS_TF32_TENSOR_OP_MATH;
        CudaException.cublas(cublasSetMathMode(handle, mode), "cublasSetMathMode(" + precision.flag() + ")");
    }

    /**
     * C[m,n] = a op(A) op(B) + b C, row-major; A is [m,k] ([k,m] when transA), B is [k,n] ([n,k] when transB).
     * With b = 0, C is not read (it may hold NaN).
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float a, CudaBuf aBuf, CudaBuf bBuf, float b, CudaBuf c) {
        if (m == 0 || n == 0) return;
        int lda = transA ? m : k, ldb = transB ? k : n;
        alpha.put(0, a);
        beta.put(0, b);
        int status = cublasSgemm_v2(handle, transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N,
                n, m, k, alpha, new FloatPointer(new DevicePtr(bBuf.address())), Math.max(1, ldb),
                new FloatPointer(new DevicePtr(aBuf.address())), Math.max(1, lda), beta,
                new FloatPointer(new DevicePtr(c.address())), Math.max(1, n));
        if (status != CUBLAS_STATUS_SUCCESS || check.everyCall()) { // the call's name is built only when it is needed
            String call = "cublasSgemm_v2(row-major " + (transA ? "A^T" : "A") + (transB ? " B^T" : " B") + ", m=" + m + " n=" + n + " k=" + k + ")";
            CudaException.cublas(status, call);
            check.after(call);
        }
    }

    @Override
    public void close() {
        CudaException.cublas(cublasDestroy_v2(handle), "cublasDestroy_v2");
        alpha.close();
        beta.close();
    }
}
