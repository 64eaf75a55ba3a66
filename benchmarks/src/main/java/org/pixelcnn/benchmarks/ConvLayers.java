package org.pixelcnn.benchmarks;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.ConvGeom;
import org.pixelcnn.bench.BenchConfig;
import org.pixelcnn.bench.StepRig;
import org.pixelcnn.model.AllocationCount;

/**
 * Every convolution geometry of a training step of a named configuration ({@link OpShapes}: S, M, D), by name,
 * and how often a step calls each of its three operations. A name is {@link ConvOps}'s layer name plus the
 * height of the geometry's larger side for 32x32 images (the input of a convolution, the output of a
 * transposed one): {@code u_2x3_2f_f.32}, {@code .16}, {@code .8} are the gated resnet's first down-shifted 2x3
 * convolution at full, half and quarter resolution; {@code down_2x3_s2.32} goes from 32x32 to 16x16,
 * {@code deconv_2x3_s2.32} from 16x16 back to 32x32. (For S1's 28x28 images the same names mean 28, 14, 7.)
 * The model's 1x1 (nin) layers are matrix products ({@code Backend.gemm}), not convolutions.
 */
final class ConvLayers {
    private ConvLayers() {}

    /** The layer names, big layers first. */
    static final List<String> NAMES = List.of(
            "u_2x3_2f_f.32", "u_2x3_2f_2f.32", "ul_2x2_2f_f.32", "ul_2x2_2f_2f.32",
            "u_2x3_2f_f.16", "u_2x3_2f_2f.16", "ul_2x2_2f_f.16", "ul_2x2_2f_2f.16",
            "u_2x3_2f_f.8", "u_2x3_2f_2f.8", "ul_2x2_2f_f.8", "ul_2x2_2f_2f.8",
            "in_2x3.32", "in_1x3.32", "in_2x1.32",
            "down_2x3_s2.32", "downright_2x2_s2.32", "down_2x3_s2.16", "downright_2x2_s2.16",
            "deconv_2x3_s2.16", "deconvright_2x2_s2.16", "deconv_2x3_s2.32", "deconvright_2x2_s2.32");

    /**
     * The geometry of a named layer at these shapes.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    static ConvGeom geometry(String name, OpShapes s) {
        int dot = name.lastIndexOf('.');
        if (dot < 0) throw new IllegalArgumentException("layer '" + name + "' has no resolution suffix (.32, .16, .8)");
        int div = switch (name.substring(dot + 1)) {
            case "32" -> 1;
            case "16" -> 2;
            case "8" -> 4;
            default -> throw new IllegalArgumentException("layer '" + name + "': resolution must be 32, 16 or 8");
        };
        OpShapes scaled = new OpShapes(s.name(), s.n(), s.h() / div, s.w() / div, s.f(), s.channels(), s.nrMix());
        return ConvOps.geometry(name.substring(0, dot), scaled);
    }

    /**
     * The shapes of a named configuration at {@code batch} images (0: the batch {@code bench --backend cpu} runs
     * it at, {@link BenchConfig#named(String, Integer, boolean)}: S, S1 16, M 8, D 2).
     *
     * @throws IllegalArgumentException for an unknown name
     */
    static OpShapes cpuShapes(String name, int batch) {
        OpShapes s = OpShapes.of(name);
        int n = batch > 0 ? batch : BenchConfig.named(name, null, true).batch();
        return new OpShapes(s.name(), n, s.h(), s.w(), s.f(), s.channels(), s.nrMix());
    }

    /** The directions, in the order of the count arrays: forward, backward-data, backward-filter. */
    static final List<String> OPS = List.of("convForward", "convBackwardData", "convBackwardFilter");

    /**
     * The calls of one training step of the configuration (batch {@code s.n()}), recorded on a backend that
     * computes nothing: layer name to {forward, backward-data, backward-filter} calls, in {@link #NAMES} order,
     * only layers the step calls.
     *
     * @throws IllegalStateException when the step makes a convolution no name describes
     */
    static Map<String, long[]> stepCalls(OpShapes s) {
        Map<ConvGeom, long[]> byGeom = new LinkedHashMap<>();
        Backend rec = recorder(byGeom);
        StepRig rig = new StepRig(rec, BenchConfig.named(s.name(), s.n()));
        rig.trainStep(1);
        Map<String, long[]> byName = new LinkedHashMap<>();
        for (String name : NAMES) {
            long[] c = byGeom.remove(geometry(name, s));
            if (c != null) byName.put(name, c);
        }
        if (!byGeom.isEmpty()) throw new IllegalStateException("training step of " + s.name() + " makes unnamed convolutions " + byGeom.keySet());
        return byName;
    }

    /** A backend that counts convolution calls by geometry and computes nothing (size-only buffers, zero results). */
    private static Backend recorder(Map<ConvGeom, long[]> calls) {
        return (Backend) Proxy.newProxyInstance(ConvLayers.class.getClassLoader(), new Class<?>[]{Backend.class},
                (proxy, m, args) -> {
                    String op = m.getName();
                    int k = OPS.indexOf(op);
                    if (k >= 0) calls.computeIfAbsent((ConvGeom) args[0], g -> new long[3])[k]++;
                    return switch (op) {
                        case "alloc" -> AllocationCount.sizeOnly((Long) args[0]);
                        case "name" -> "recorder";
                        case "memory" -> new Backend.Memory(0, -1, "none");
                        case "mixLogisticLoss", "sumSquares" -> 0.0;
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        case "toString" -> "recording backend";
                        default -> null;
                    };
                });
    }

    /** The names and geometries, for a listing: {@code name: geometry}. */
    static List<String> describe(OpShapes s) {
        List<String> out = new ArrayList<>();
        for (String name : NAMES) out.add(name + ": " + geometry(name, s));
        return out;
    }
}
