package org.pixelcnn.backend.cuda;

import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;

/**
 * The checking mode of one backend's stream (the self-test runs in it): when on, the stream is
 * synchronised after every asynchronous call the backend makes (our kernel launches, cuDNN and cuBLAS
 * calls, device copies and fills), so an asynchronous fault (illegal address, launch failure...) is reported
 * against the call that made it rather than against a later one. Off in training, eval, sampling and
 * benchmarks, where a synchronisation per call would cost far more than the work.
 */
final class StreamCheck {
    private final CUstream_st stream;
    private final boolean everyCall;

    /**
     * @param stream    the backend's stream
     * @param everyCall synchronise after every call (checking mode)
     */
    StreamCheck(CUstream_st stream, boolean everyCall) {
        this.stream = stream;
        this.everyCall = everyCall;
    }

    /** Whether checking mode is on. */
    boolean everyCall() {
        return everyCall;
    }

    /**
     * In checking mode, waits for the stream and throws the fault it reports, naming {@code call}. (Callers on
     * hot paths test {@link #everyCall} first, so the name is not built outside checking mode.)
     *
     * @param call what was just queued, e.g. "cudnnConvolutionForward(...)" or "kernel axpy_f32"
     * @throws CudaException the asynchronous error (its code tells whether it is sticky)
     */
    void after(String call) {
        if (everyCall) CudaException.runtime(cudart.cudaStreamSynchronize(stream), call + " (cudaStreamSynchronize after the call)");
    }
}
