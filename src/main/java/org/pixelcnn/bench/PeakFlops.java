package org.pixelcnn.bench;

import org.pixelcnn.backend.cuda.Precision;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Datasheet peak arithmetic rates of common NVIDIA data-centre GPUs, found from the device name that
 * cuDeviceGetName reports (e.g. "NVIDIA H200", "NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-80GB"):
 * float32 on the CUDA cores (FMA = 2 FLOPs) and TF32 on the tensor cores, DENSE (NVIDIA's datasheets
 * print TF32 "with sparsity", twice these). Used to say what fraction of the device a benchmark
 * reached; a name not in the table gives no peak ("n/a"). Rates are for the boost clock, so real
 * ceilings are somewhat lower.
 */
public final class PeakFlops {
    /**
     * One row: names matching pattern have these peaks.
     *
     * @param label       the product as printed
     * @param fp32Tflops  float32 TFLOP/s
     * @param tf32Tflops  dense TF32 tensor-core TFLOP/s
     */
    public record Peak(String label, double fp32Tflops, double tf32Tflops) {
        /** The peak for the backend's precision, in FLOP/s. */
        public double flops(Precision p) {
            return (p == Precision.TF32 ? tf32Tflops : fp32Tflops) * 1e12;
        }
    }

    private record Row(Pattern pattern, Peak peak) {
    }

    /** First match wins: the specific variants come before the family name. */
    private static final List<Row> TABLE = List.of(
            row("\\bH200 NVL\\b", "H200 NVL", 60, 417.5),
            row("\\bG?H200\\b", "H200", 67, 494.7),
            row("\\bH100 PCIe\\b", "H100 PCIe", 51, 378),
            row("\\bH100 NVL\\b", "H100 NVL", 60, 417.5),
            row("\\bG?H100\\b", "H100 SXM", 67, 494.7),
            row("\\bA100\\b", "A100", 19.5, 156),
            row("\\bL40S\\b", "L40S", 91.6, 183),
            row("\\bL4\\b", "L4", 30.3, 60),
            row("\\bA10\\b", "A10", 31.2, 62.5));

    private PeakFlops() {}

    private static Row row(String regex, String label, double fp32, double tf32) {
        return new Row(Pattern.compile(regex, Pattern.CASE_INSENSITIVE), new Peak(label, fp32, tf32));
    }

    /** The peaks of the named device, or empty when the name is not in the table. */
    public static Optional<Peak> of(String deviceName) {
        if (deviceName == null) return Optional.empty();
        return TABLE.stream().filter(r -> r.pattern.matcher(deviceName).find()).map(Row::peak).findFirst();
    }
}
