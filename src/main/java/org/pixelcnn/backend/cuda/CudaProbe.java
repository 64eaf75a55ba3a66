package org.pixelcnn.backend.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.cudnn;
import org.pixelcnn.io.BadInputException;

/**
 * What this machine offers the CUDA backend, found without ever throwing: the driver, the CUDA runtime,
 * cuBLAS and cuDNN versions, each visible GPU, and the kernels the jar carries. {@link #available} is
 * true only when the CUDA backend can start; otherwise {@link #reason} says why in one line (for
 * example "no NVIDIA driver: libcuda.so.1 not found").
 *
 * <p>Only long-standing API calls are made (cudaGetDeviceCount, cudaDriverGetVersion,
 * cudaRuntimeGetVersion, cudaDeviceGetAttribute, cuDeviceGetName, cudaMemGetInfo, cublasGetProperty,
 * cudnnGetVersion), so that the CUDA 13.1 presets also work with CUDA 13.0 libraries.
 *
 * @param available   true when driver, a GPU, cudart, cuBLAS, cuDNN and kernels for every GPU are all there
 * @param reason      one line saying why the CUDA backend cannot start; null when available
 * @param detail      the full chain of native error messages behind {@code reason}, or null
 * @param driver      NVIDIA kernel driver release (e.g. "580.65.06", from /proc/driver/nvidia/version), or null
 * @param driverCuda  newest CUDA version the driver supports (cudaDriverGetVersion, e.g. "13.0"), or null
 * @param runtime     version of the loaded libcudart (cudaRuntimeGetVersion), or null
 * @param cublasVersion version of the loaded libcublas (major.minor.patch), or null
 * @param cudnnVersion version of the loaded libcudnn (major.minor.patch), or null
 * @param gpus        the visible devices, in CUDA ordinal order (empty when none could be listed)
 * @param kernels     the fatbin in the jar ({@link FatbinInfo#RESOURCE}), or null when the jar has none
 */
public record CudaProbe(boolean available, String reason, String detail, String driver, String driverCuda,
                        String runtime, String cublasVersion, String cudnnVersion, List<Gpu> gpus, FatbinInfo kernels) {

    /**
     * One visible GPU.
     *
     * @param index      CUDA device ordinal
     * @param name       product name (cuDeviceGetName)
     * @param major      compute capability, major
     * @param minor      compute capability, minor
     * @param sms        number of streaming multiprocessors
     * @param freeBytes  free device memory in bytes (cudaMemGetInfo), or -1 if it could not be read
     * @param totalBytes total device memory in bytes, or -1 if it could not be read
     */
    public record Gpu(int index, String name, int major, int minor, int sms, long freeBytes, long totalBytes) {
    }

    /** The driver library that must be loadable before anything else is tried. */
    static final String DRIVER_LIBRARY = "libcuda.so.1";

    private static final Pattern DRIVER_RELEASE = Pattern.compile("Kernel Module\\s+([0-9][0-9.]*)");
    private static CudaProbe cached;

    public CudaProbe {
        gpus = List.copyOf(gpus);
    }

    /**
     * Probes once per process and remembers the answer (a failed native load cannot be retried in the
     * same JVM). Never throws; on a machine without a driver it returns in milliseconds without loading
     * any CUDA library.
     */
    public static synchronized CudaProbe probe() {
        if (cached == null) cached = new Scan().run();
        return cached;
    }

    /** Formats a CUDA version integer (1000 * major + 10 * minor, e.g. 13000) as "13.0". */
    static String formatCudaVersion(int v) {
        return (v / 1000) + "." + (v % 1000) / 10;
    }

    /** Formats cudnnGetVersion(): 10000 * major + 100 * minor + patch since cuDNN 9, 1000 * major + ... before. */
    static String formatCudnnVersion(long v) {
        long major = v >= 90000 ? v / 10000 : v / 1000;
        long rest = v >= 90000 ? v % 10000 : v % 1000;
        return major + "." + rest / 100 + "." + rest % 100;
    }

    /** The steps of one probe; the first problem found becomes the reason, later steps still collect facts. */
    private static final class Scan {
        String reason, detail, driver, driverCuda, runtime, cublasV, cudnnV;
        final List<Gpu> gpus = new ArrayList<>();
        FatbinInfo kernels;

        CudaProbe run() {
            try {
                scan();
            } catch (Throwable t) { // a probe must never take the program down
                fail(SharedLibraries.explainLinkError(t), t);
            }
            return new CudaProbe(reason == null, reason, detail, driver, driverCuda, runtime, cublasV, cudnnV, gpus, kernels);
        }

        private void scan() {
            driver = readDriverRelease();
            readKernels();
            if (SharedLibraries.linkerSearchKnown() && SharedLibraries.find(DRIVER_LIBRARY).isEmpty()) {
                fail("no NVIDIA driver: " + DRIVER_LIBRARY + " not found (LD_LIBRARY_PATH, /etc/ld.so.cache, /usr/lib*)", null);
                return;
            }
            if (!load(cudart.class)) return;
            int[] v = new int[1];
            if (cudart.cudaDriverGetVersion(v) == cudart.cudaSuccess && v[0] > 0) driverCuda = formatCudaVersion(v[0]);
            if (cudart.cudaRuntimeGetVersion(v) == cudart.cudaSuccess) runtime = formatCudaVersion(v[0]);
            int err = cudart.cudaGetDeviceCount(v);
            if (err != cudart.cudaSuccess) {
                fail("cudaGetDeviceCount failed: " + errorText(err), null);
            } else if (v[0] == 0) {
                fail("no CUDA device visible (cudaGetDeviceCount = 0)", null);
            }
            for (int i = 0; err == cudart.cudaSuccess && i < v[0]; i++) gpus.add(gpu(i));
            if (load(cublas.class)) {
                int[] major = new int[1], minor = new int[1], patch = new int[1];
                cublas.cublasGetProperty(cudart.MAJOR_VERSION, major);
                cublas.cublasGetProperty(cudart.MINOR_VERSION, minor);
                cublas.cublasGetProperty(cudart.PATCH_LEVEL, patch);
                cublasV = major[0] + "." + minor[0] + "." + patch[0];
            }
            if (load(cudnn.class)) cudnnV = formatCudnnVersion(cudnn.cudnnGetVersion());
            if (kernels == null) {
                fail("the jar has no GPU kernels (it was built without nvcc; see README, Build)", null);
            }
            for (Gpu g : gpus) {
                if (kernels != null && !kernels.runsOn(g.major(), g.minor())) {
                    fail("the jar's GPU kernels (" + String.join(", ", kernels.targets()) + ") cannot run on GPU "
                            + g.index() + " (sm_" + g.major() + g.minor() + ")", null);
                }
            }
        }

        private Gpu gpu(int i) {
            int[] major = new int[1], minor = new int[1], sms = new int[1], dev = new int[1];
            cudart.cudaDeviceGetAttribute(major, cudart.cudaDevAttrComputeCapabilityMajor, i);
            cudart.cudaDeviceGetAttribute(minor, cudart.cudaDevAttrComputeCapabilityMinor, i);
            cudart.cudaDeviceGetAttribute(sms, cudart.cudaDevAttrMultiProcessorCount, i);
            String name = "GPU " + i;
            byte[] buf = new byte[256];
            if (cudart.cuInit(0) == cudart.CUDA_SUCCESS && cudart.cuDeviceGet(dev, i) == cudart.CUDA_SUCCESS
                    && cudart.cuDeviceGetName(buf, buf.length, dev[0]) == cudart.CUDA_SUCCESS) {
                int n = 0;
                while (n < buf.length && buf[n] != 0) n++;
                name = new String(buf, 0, n, StandardCharsets.UTF_8);
            }
            long free = -1, total = -1;
            try (SizeTPointer f = new SizeTPointer(1); SizeTPointer t = new SizeTPointer(1)) {
                int err = cudart.cudaSetDevice(i);
                if (err == cudart.cudaSuccess) err = cudart.cudaMemGetInfo(f, t);
                if (err == cudart.cudaSuccess) {
                    free = f.get();
                    total = t.get();
                } else {
                    fail("GPU " + i + ": cudaMemGetInfo failed: " + errorText(err), null);
                }
            }
            return new Gpu(i, name, major[0], minor[0], sms[0], free, total);
        }

        /** Loads a JavaCPP preset's natives; on failure records which library is missing. */
        private boolean load(Class<?> preset) {
            try {
                Loader.load(preset);
                return true;
            } catch (Throwable t) {
                fail(SharedLibraries.explainLinkError(t), t);
                return false;
            }
        }

        private void readKernels() {
            try {
                kernels = FatbinInfo.fromJar().orElse(null);
            } catch (BadInputException e) {
                fail(e.getMessage(), e);
            }
        }

        private void fail(String why, Throwable t) {
            if (reason != null) return;
            reason = why;
            detail = t == null ? null : SharedLibraries.causeChain(t);
        }

        private static String errorText(int err) {
            BytePointer name = cudart.cudaGetErrorName(err), text = cudart.cudaGetErrorString(err);
            return (name == null ? "error " + err : name.getString()) + (text == null ? "" : " (" + text.getString() + ")");
        }

        private static String readDriverRelease() {
            try {
                Matcher m = DRIVER_RELEASE.matcher(Files.readString(Path.of("/proc/driver/nvidia/version")));
                return m.find() ? m.group(1) : null;
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    }

    /** One line for people: the versions, or "not usable: reason". */
    public String summary() {
        List<String> parts = new ArrayList<>();
        if (driver != null || driverCuda != null) {
            parts.add("driver " + (driver == null ? "?" : driver) + (driverCuda == null ? "" : " (CUDA " + driverCuda + ")"));
        }
        if (runtime != null) parts.add("runtime " + runtime);
        if (cublasVersion != null) parts.add("cuBLAS " + cublasVersion);
        if (cudnnVersion != null) parts.add("cuDNN " + cudnnVersion);
        String versions = parts.stream().collect(Collectors.joining(", "));
        if (available) return versions;
        return "not usable: " + reason + (versions.isEmpty() ? "" : " [" + versions + "]");
    }
}
