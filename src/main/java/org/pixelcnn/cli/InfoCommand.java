package org.pixelcnn.cli;

import com.google.gson.GsonBuilder;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_full;
import org.pixelcnn.backend.cuda.CudaProbe;
import org.pixelcnn.backend.cuda.FatbinInfo;
import org.pixelcnn.cli.options.CommonOptions;
import org.pixelcnn.cli.options.ModelOptions;
import org.pixelcnn.data.sets.DatasetKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code info}: what this machine offers the engine: Java, OS, CPU cores and heap, the OpenBLAS the CPU
 * backend uses, and the CUDA devices and library versions (or the one-line reason CUDA is not usable),
 * plus the GPU kernels the jar carries. {@code --json} prints the same facts as one JSON object.
 * Never fails: every probe turns its errors into text. Exit code 0.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show Java, CPU, OpenBLAS, CUDA devices and CUDA/cuDNN/cuBLAS versions, and the GPU kernels in the jar.")
public final class InfoCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Mixin(name = CommonOptions.NAME)
    CommonOptions common;

    @Mixin
    ModelOptions model;

    @Option(names = {"-d", "--data_set"}, paramLabel = "NAME", completionCandidates = DatasetKind.Names.class,
            description = "With model flags: the image shape of this data set (${COMPLETION-CANDIDATES}; cifar, imagenet32: 32x32x3, imagenet64: 64x64x3, mnist, fashion-mnist: 28x28x1)")
    String dataSet;

    @Option(names = "--image_shape", paramLabel = "HxWxC", description = "With model flags: the image shape, e.g. 32x32x3")
    String imageShape;

    @Spec
    CommandSpec spec;

    private static final String[] MODEL_FLAGS = {"--nr_resnet", "--nr_filters", "--nr_logistic_mix", "--resnet_nonlinearity",
            "--data_set", "--image_shape"};

    /** The parameter count and forward FLOPs per image of the model the flags describe, if any model flag was given. */
    private void addModel(Map<String, Object> f) {
        var parsed = spec.commandLine().getParseResult();
        boolean any = false;
        for (String flag : MODEL_FLAGS) any |= parsed.hasMatchedOption(flag);
        if (!any) return;
        int h = 32, w = 32, c = 3;
        if (imageShape != null) {
            String[] p = imageShape.toLowerCase().split("x");
            try {
                if (p.length != 3) throw new NumberFormatException();
                h = Integer.parseInt(p[0]);
                w = Integer.parseInt(p[1]);
                c = Integer.parseInt(p[2]);
            } catch (NumberFormatException e) {
                throw new org.pixelcnn.io.BadInputException("--image_shape must look like 32x32x3, not '" + imageShape + "'");
            }
        } else if (dataSet != null) {
            switch (DatasetKind.parse(dataSet)) {
                case MNIST, FASHION_MNIST -> { h = 28; w = 28; c = 1; }
                case IMAGENET64 -> { h = 64; w = 64; }
                case FOLDER -> throw new org.pixelcnn.io.BadInputException("--data_set folder: give its --image_shape instead");
                default -> { }
            }
        }
        org.pixelcnn.model.ModelConfig cfg = model.toConfig(h, w, c, 0);
        org.pixelcnn.model.ModelStats st = org.pixelcnn.model.ModelStats.of(cfg);
        f.put("model", String.format("nr_resnet %d, nr_filters %d, nr_logistic_mix %d, %s, %dx%dx%d", cfg.nrResnet(), cfg.nrFilters(),
                cfg.nrLogisticMix(), cfg.nonlinearity().flag(), h, w, c));
        f.put("model_parameters", st.params());
        f.put("model_forward_flops_per_image", st.forwardFlops());
        f.put("model_training_bytes_per_image", 4 * st.trainingFloats());
    }

    @Override
    public Integer call() {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("version", spec.root().version()[0]);
        addJvm(facts);
        addOpenBlas(facts);
        CudaProbe cuda = CudaProbe.probe();
        addCuda(facts, cuda);
        addModel(facts);
        PrintWriter out = spec.commandLine().getOut();
        if (json) out.println(new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(facts));
        else printText(out, facts, cuda);
        out.flush();
        return 0;
    }

    private static void addJvm(Map<String, Object> f) {
        f.put("java_version", System.getProperty("java.version"));
        f.put("java_runtime_version", System.getProperty("java.runtime.version"));
        f.put("java_vendor", System.getProperty("java.vendor"));
        f.put("java_vm", System.getProperty("java.vm.name"));
        f.put("os_name", System.getProperty("os.name"));
        f.put("os_version", System.getProperty("os.version"));
        f.put("os_arch", System.getProperty("os.arch"));
        f.put("cpu_cores", Runtime.getRuntime().availableProcessors());
        f.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
    }

    /** OpenBLAS as loaded by the JavaCPP presets (the full build exposes openblas_get_config). */
    private static void addOpenBlas(Map<String, Object> f) {
        try {
            Loader.load(openblas_full.class);
            f.put("openblas_config", openblas_full.openblas_get_config().getString());
            f.put("openblas_core", openblas_full.openblas_get_corename().getString());
            f.put("openblas_threads", openblas_full.openblas_get_num_threads());
            int p = openblas_full.openblas_get_parallel();
            f.put("openblas_parallel", p == 0 ? "sequential" : p == 1 ? "pthreads" : p == 2 ? "openmp" : "mode " + p);
            f.put("cpu_gemm", org.pixelcnn.backend.cpu.CpuBackend.gemmEngine());
            f.put("cpu_conv", org.pixelcnn.backend.cpu.CpuBackend.convEngine());
        } catch (Throwable t) { // info must never fail; say what went wrong in one line
            f.put("openblas_error", t.getClass().getSimpleName() + ": " + String.valueOf(t.getMessage()).lines().findFirst().orElse(""));
        }
    }

    private void addCuda(Map<String, Object> f, CudaProbe p) {
        f.put("cuda_available", p.available());
        if (!p.available()) f.put("cuda_reason", p.reason());
        if (common.verbose() && p.detail() != null) f.put("cuda_detail", p.detail());
        f.put("nvidia_driver", p.driver());
        f.put("cuda_driver_version", p.driverCuda());
        f.put("cuda_runtime_version", p.runtime());
        f.put("cublas_version", p.cublasVersion());
        f.put("cudnn_version", p.cudnnVersion());
        List<Map<String, Object>> gpus = new ArrayList<>();
        for (CudaProbe.Gpu g : p.gpus()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", g.index());
            m.put("name", g.name());
            m.put("compute_capability", g.major() + "." + g.minor());
            m.put("multiprocessors", g.sms());
            m.put("memory_free_bytes", g.freeBytes());
            m.put("memory_total_bytes", g.totalBytes());
            gpus.add(m);
        }
        f.put("gpus", gpus);
        FatbinInfo k = p.kernels();
        f.put("kernels_in_jar", k != null);
        if (k != null) {
            f.put("kernels_bytes", k.bytes());
            f.put("kernels_targets", k.targets());
        }
    }

    @SuppressWarnings("unchecked")
    private static void printText(PrintWriter out, Map<String, Object> f, CudaProbe cuda) {
        printCore(out, f, cuda);
        if (f.containsKey("model")) {
            row(out, "model", (String) f.get("model"));
            row(out, "parameters", String.format("%,d", (Long) f.get("model_parameters")));
            row(out, "forward", String.format("%.4f GFLOP per image (a multiply-add = 2 FLOPs)", (Long) f.get("model_forward_flops_per_image") / 1e9));
            row(out, "training", String.format("%.1f MB of activations and gradients per image of batch", (Long) f.get("model_training_bytes_per_image") / 1e6));
        }
    }

    private static void printCore(PrintWriter out, Map<String, Object> f, CudaProbe cuda) {
        out.println(f.get("version"));
        row(out, "java", f.get("java_runtime_version") + " (" + f.get("java_vendor") + ", " + f.get("java_vm") + ")");
        row(out, "os", f.get("os_name") + " " + f.get("os_version") + " " + f.get("os_arch"));
        row(out, "cpu", f.get("cpu_cores") + " cores, max heap " + gib((Long) f.get("max_heap_bytes")));
        row(out, "openblas", f.containsKey("openblas_error") ? "not loadable: " + f.get("openblas_error")
                : f.get("openblas_config") + ", " + f.get("openblas_threads") + " threads (" + f.get("openblas_parallel") + ")");
        if (f.containsKey("cpu_gemm")) row(out, "cpu products", f.get("cpu_gemm") + ("oneDNN".equals(f.get("cpu_gemm"))
                ? " (dnnl_sgemm; OpenBLAS with PCE_CPU_GEMM=openblas)" : " (a jar without oneDNN, or PCE_CPU_GEMM=openblas)"));
        if (f.containsKey("cpu_conv")) row(out, "cpu convolutions", f.get("cpu_conv") + (String.valueOf(f.get("cpu_conv")).startsWith("oneDNN")
                ? " (im2col + SGEMM with PCE_CPU_CONV=im2col)" : ""));
        row(out, "cuda", cuda.summary());
        if (f.containsKey("cuda_detail")) {
            for (String line : f.get("cuda_detail").toString().split("\n")) out.println("                 " + line);
        }
        for (Map<String, Object> g : (List<Map<String, Object>>) f.get("gpus")) {
            long free = (Long) g.get("memory_free_bytes"), total = (Long) g.get("memory_total_bytes");
            row(out, "gpu " + g.get("index"), g.get("name") + ", compute capability " + g.get("compute_capability") + ", "
                    + g.get("multiprocessors") + " SMs, " + (total < 0 ? "memory unknown" : gib(free) + " free of " + gib(total)));
        }
        row(out, "kernels", Boolean.TRUE.equals(f.get("kernels_in_jar"))
                ? "pixelcnn_kernels.fatbin in the jar, " + f.get("kernels_bytes") + " bytes: " + String.join(", ", (List<String>) f.get("kernels_targets"))
                : "none in the jar (built without nvcc)");
    }

    private static void row(PrintWriter out, String label, String text) {
        out.printf("%-16s %s%n", label, text);
    }

    private static String gib(long bytes) {
        return String.format("%.1f GiB", bytes / (double) (1L << 30));
    }
}
