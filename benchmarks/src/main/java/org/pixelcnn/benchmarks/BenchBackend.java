package org.pixelcnn.benchmarks;

import java.util.SplittableRandom;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Backends;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.cuda.CudaProbe;
import org.pixelcnn.backend.cuda.Precision;

/**
 * Opens the backend a benchmark's {@code backend} parameter names, and fills buffers with random data.
 * Values: {@code cpu} (all cores), {@code cuda} (GPU 0, TF32 convolutions and GEMMs, as training
 * defaults to), {@code cuda-fp32} (GPU 0, float32 only). Without a usable GPU the CUDA ones are
 * {@code null}: the benchmarks then return at once (and this prints one line saying so), so a suite run
 * on a machine without a GPU still completes; their figures then mean nothing.
 */
final class BenchBackend {
    private BenchBackend() {}

    /**
     * @param arenaBytes device memory to reserve for the CUDA backend
     * @return the backend, or null for a CUDA value without a usable GPU
     * @throws IllegalArgumentException for an unknown value
     */
    static Backend open(String backend, long arenaBytes) {
        Precision p = switch (backend) {
            case "cpu" -> null;
            case "cuda", "cuda-tf32" -> Precision.TF32;
            case "cuda-fp32" -> Precision.FP32;
            default -> throw new IllegalArgumentException("backend must be cpu, cuda (tf32) or cuda-fp32, not '" + backend + "'");
        };
        if (p == null) return Backends.create("cpu", 0, 1);
        CudaProbe probe = CudaProbe.probe();
        if (!probe.available()) {
            System.out.println(System.lineSeparator() + "# " + backend + " skipped: CUDA is not usable here (" + probe.reason()
                    + "); this benchmark returns at once and its figure means nothing");
            return null;
        }
        return Backends.create("cuda", 0, 1, p, arenaBytes);
    }

    /** A new buffer of n floats uniform in [lo, hi), from a fixed seed (never zeros: they can run faster). */
    static Buf random(Backend be, long n, double lo, double hi, long seed) {
        Buf b = be.alloc(n);
        SplittableRandom rng = new SplittableRandom(seed);
        float[] chunk = new float[(int) Math.min(n, 1 << 22)];
        for (long off = 0; off < n; off += chunk.length) {
            int len = (int) Math.min(chunk.length, n - off);
            for (int i = 0; i < len; i++) chunk[i] = (float) (lo + (hi - lo) * rng.nextDouble());
            be.upload(chunk, 0, b, off, len);
        }
        return b;
    }

    /** Pixels 0..255 scaled to [-1, 1], as the data pipeline gives them. */
    static Buf pixels(Backend be, long n, long seed) {
        Buf b = be.alloc(n);
        SplittableRandom rng = new SplittableRandom(seed);
        float[] host = new float[Math.toIntExact(n)];
        for (int i = 0; i < host.length; i++) host[i] = (float) ((rng.nextInt(256) - 127.5) / 127.5);
        be.upload(host, 0, b, 0, host.length);
        return b;
    }
}
