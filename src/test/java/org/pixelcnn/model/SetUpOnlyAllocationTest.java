package org.pixelcnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.model.layers.Nonlinearity;

/**
 * Allocation happens at set-up only: once a network is built, data-dependent init (which needs the
 * transposed convolutions' uncropped outputs), training forward and backward passes and evaluation passes
 * allocate nothing on the backend. The CPU backend runs the passes behind a proxy that counts
 * {@link Backend#alloc} calls; the count must not move after construction. And {@link AllocationCount} sees
 * exactly what construction allocated.
 */
class SetUpOnlyAllocationTest {
    static CpuBackend cpu;

    @BeforeAll
    static void up() {
        cpu = new CpuBackend(2);
    }

    @AfterAll
    static void down() {
        cpu.close();
    }

    private static Backend counting(Backend inner, AtomicLong allocs, AtomicLong floats) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class}, (proxy, m, args) -> {
            if (m.getName().equals("alloc")) {
                allocs.incrementAndGet();
                floats.addAndGet((Long) args[0]);
            }
            try {
                return m.invoke(inner, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    @Test
    void initForwardBackwardAndEvalAllocateNothing() {
        ModelConfig cfg = new ModelConfig(1, 8, 2, Nonlinearity.CONCAT_ELU, 8, 8, 3, 3, 0.5f);
        AtomicLong allocs = new AtomicLong(), floats = new AtomicLong();
        Backend be = counting(cpu, allocs, floats);
        PixelCnnPP m = new PixelCnnPP(be, cfg, 2, true);
        long built = allocs.get();
        assertTrue(built > 0);
        assertEquals(AllocationCount.of(b -> new PixelCnnPP(b, cfg, 2, true)).floats(), floats.get(), "the planning count of the same network");
        float[] p = m.initialValues(1);
        be.upload(p, 0, m.params().values(), 0, p.length);
        float[] x = new float[(int) m.input().size()];
        SplittableRandom rng = new SplittableRandom(2);
        for (int i = 0; i < x.length; i++) x[i] = (float) (2 * rng.nextDouble() - 1);
        be.upload(x, 0, m.input().value, 0, x.length);
        be.upload(new float[]{1, 0, 0, 0, 0, 1}, 0, m.classes(), 0, 6);
        m.dataDependentInit(1);
        assertEquals(built, allocs.get(), "data-dependent init allocated");
        Pass train = Pass.train(1, 1, 0);
        m.forward(train);
        be.fill(m.output().grad, 0.01f);
        be.fill(m.params().grads(), 0f);
        m.backward(train);
        m.forward(Pass.eval());
        assertEquals(built, allocs.get(), "a training or evaluation pass allocated");
    }
}
