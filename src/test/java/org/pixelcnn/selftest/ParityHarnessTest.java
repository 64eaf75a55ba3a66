package org.pixelcnn.selftest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.selftest.Parity.OpCase;
import org.pixelcnn.selftest.Parity.Result;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.layers.Nonlinearity;

/**
 * The self-test's comparison machinery, run here with two CPU backends (the CUDA run differs only in
 * the backend under test): every case of the operation table runs and writes every output it declares
 * (the poison is gone, the error is exactly 0 between two identical deterministic backends); the table
 * covers every Backend operation; a wrong or an unwritten output fails; the model checks run.
 */
class ParityHarnessTest {
    static CpuBackend a, b;

    @BeforeAll
    static void up() {
        a = new CpuBackend(2);
        b = new CpuBackend(2);
    }

    @AfterAll
    static void down() {
        a.close();
        b.close();
    }

    /** Operations whose CPU twin is not merged into this branch yet (they throw UnsupportedOperationException on the CPU). */
    private static boolean pendingOnCpu(Result r) {
        return r.problem() != null && r.problem().startsWith("UnsupportedOperationException") && r.op().startsWith("mixLogistic")
                || r.problem() != null && r.problem().startsWith("UnsupportedOperationException") && r.op().contains("loss")
                || r.problem() != null && r.problem().startsWith("UnsupportedOperationException") && r.op().contains("training");
    }

    @Test
    void everyOddShapeCaseWritesItsOutputsAndAgreesExactly() {
        Parity p = new Parity(a, b, 9);
        List<OpCase> cases = OpCases.all(Shapes.ODD);
        for (OpCase c : cases) {
            Result r = p.run(c, 0);
            if (pendingOnCpu(r)) continue;
            assertTrue(r.ok(), r.line());
        }
    }

    @Test
    void theTableCoversEveryBackendOperation() {
        Set<String> ops = new HashSet<>();
        for (OpCase c : OpCases.all(Shapes.ODD)) ops.add(c.op().split("[ +]")[0]);
        for (java.lang.reflect.Method m : Backend.class.getMethods()) {
            String name = m.getName();
            if (Set.of("name", "alloc", "synchronize", "close", "memory").contains(name)) continue; // not arithmetic
            boolean covered = ops.contains(name) || (name.equals("upload") || name.equals("download")) && ops.contains("upload");
            assertTrue(covered, "Backend." + name + " has no case in OpCases");
        }
    }

    @Test
    void aWrongValueOrAnUnwrittenElementFails() {
        Parity p = new Parity(a, b, 1);
        Result wrong = p.run(new OpCase("wrong", "[10]", c -> {
            Parity.T y = c.out(10);
            return be -> be.fill(y.on(be), be == b ? 1.001f : 1f);
        }), 1e-5);
        assertFalse(wrong.ok(), wrong.line());
        assertEquals(1e-3, wrong.error(), 1e-6);
        Result unwritten = p.run(new OpCase("unwritten", "[10]", c -> {
            Parity.T y = c.out(10);
            return be -> be.fill(y.on(be).slice(0, 9), 2f);
        }), 1e-5);
        assertFalse(unwritten.ok(), unwritten.line());
        assertTrue(Double.isNaN(unwritten.error()));
        Result thrown = p.run(new OpCase("thrown", "[1]", c -> be -> { throw new IllegalStateException("boom"); }), 1e-5);
        assertFalse(thrown.ok());
        assertTrue(thrown.line().endsWith("FAIL  IllegalStateException: boom"), thrown.line());
    }

    @Test
    void modelChecksRunAndAgreeBetweenIdenticalBackends() {
        ModelParity mp = new ModelParity(a, b, 4);
        List<Result> rs = mp.compare(new ModelConfig(1, 6, 2, Nonlinearity.CONCAT_ELU, 8, 8, 3, 4, 0.5f), 2, 0);
        assertEquals(5, rs.size());
        for (Result r : rs) if (!pendingOnCpu(r)) assertTrue(r.ok(), r.line());
        assertTrue(rs.stream().filter(r -> r.op().contains("backward")).allMatch(Result::ok));
    }

    @Test
    void causalityCheckPassesOnTheCpuBackend() {
        Result r = new ModelParity(a, b, 2).causality(new ModelConfig(1, 6, 2, Nonlinearity.CONCAT_ELU, 8, 8, 3, 0, 0.5f));
        assertTrue(r.ok(), r.line());
        assertEquals(0, r.error());
    }

    @Test
    void samplerChecksPassOnTheCpuAndCatchAWrongWindow() {
        ModelConfig cfg = new ModelConfig(1, 6, 2, Nonlinearity.CONCAT_ELU, 8, 8, 3, 4, 0.5f);
        List<Result> rs = new SamplerParity(a, b, 3).compare(cfg, 2, 1e-5, true);
        assertEquals(3, rs.size());
        for (Result r : rs) assertTrue(r.ok(), r.line());
        assertEquals(0, rs.get(2).error(), "two CPU backends draw the same images");

        // a backend whose window gather reads one position too early: the cached path goes wrong, the full pass does not
        Backend broken = (Backend) java.lang.reflect.Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class},
                (proxy, m, args) -> {
                    if (m.getName().equals("gatherWindows") && (Integer) args[2] > 0) args[2] = (Integer) args[2] - 1;
                    try {
                        return m.invoke(b, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Result r = new SamplerParity(a, broken, 3).compare(cfg, 2, 1e-4, false).get(0);
        assertFalse(r.ok(), r.line());
    }
}
