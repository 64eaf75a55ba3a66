package org.pixelcnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.backend.cuda.DeviceArena;
import org.pixelcnn.model.layers.Nonlinearity;

/**
 * {@link PixelCnnPP#sharingParameters}: a network of another image height that reads its owner's
 * parameter block and classes (the sampler's top-rows networks): the same buffers, no parameter block of
 * its own, outputs equal bit for bit to a network of that height holding a copy of the parameters (the same
 * operations on the same shapes in the same order), and a refusal of any other layout.
 */
class ParamSharingTest {
    static CpuBackend be;
    static final ModelConfig FULL = new ModelConfig(1, 8, 2, Nonlinearity.CONCAT_ELU, 12, 8, 3, 4, 0.5f);
    static final ModelConfig TOP = new ModelConfig(1, 8, 2, Nonlinearity.CONCAT_ELU, 4, 8, 3, 4, 0.5f);

    @BeforeAll
    static void up() {
        be = new CpuBackend(2);
    }

    @AfterAll
    static void down() {
        be.close();
    }

    @Test
    void aSharingNetworkReadsTheOwnersParametersAndClassesAndComputesWhatACopyWould() {
        PixelCnnPP owner = new PixelCnnPP(be, FULL, 2, false);
        PixelCnnPP top = PixelCnnPP.sharingParameters(TOP, owner);
        assertSame(owner.params().values(), top.params().values());
        assertSame(owner.classes(), top.classes());
        assertNull(top.params().grads());
        for (Param p : top.params().params()) assertEquals(owner.params().get(p.name).offset, p.offset, p.name);

        float[] prm = owner.initialValues(3);
        be.upload(prm, 0, owner.params().values(), 0, prm.length);
        float[] h = {0, 1, 0, 0, 0, 0, 0, 1};
        be.upload(h, 0, owner.classes(), 0, h.length);
        PixelCnnPP copy = new PixelCnnPP(be, TOP, 2, false);
        be.upload(prm, 0, copy.params().values(), 0, prm.length);
        be.upload(h, 0, copy.classes(), 0, h.length);
        float[] x = new float[(int) top.input().size()];
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < x.length; i++) x[i] = (float) (2 * rng.nextDouble() - 1);
        be.upload(x, 0, top.input().value, 0, x.length);
        be.upload(x, 0, copy.input().value, 0, x.length);
        top.forward(Pass.eval());
        copy.forward(Pass.eval());
        float[] a = new float[(int) top.output().size()], b = new float[a.length];
        be.download(top.output().value, 0, a, 0, a.length);
        be.download(copy.output().value, 0, b, 0, b.length);
        assertArrayEquals(b, a);

        // a later change to the owner's parameters is seen by the sharing network, with nothing copied
        for (int i = 0; i < prm.length; i++) prm[i] *= 0.5f;
        be.upload(prm, 0, owner.params().values(), 0, prm.length);
        top.forward(Pass.eval());
        float[] c = new float[a.length];
        be.download(top.output().value, 0, c, 0, c.length);
        boolean changed = false;
        for (int i = 0; i < c.length; i++) changed |= c[i] != a[i];
        assertTrue(changed, "the sharing network did not see the owner's new parameters");
    }

    @Test
    void aSharingNetworkAllocatesNoParameterBlock() {
        long params = ModelStats.of(FULL).params();
        AllocationCount own = AllocationCount.of(b -> new PixelCnnPP(b, TOP, 2, false));
        AllocationCount both = AllocationCount.of(b -> PixelCnnPP.sharingParameters(TOP, new PixelCnnPP(b, FULL, 2, false)));
        AllocationCount ownerOnly = AllocationCount.of(b -> new PixelCnnPP(b, FULL, 2, false));
        long classes = DeviceArena.blockBytes(4L * 2 * FULL.numClasses());
        assertEquals(own.arenaBytes() - DeviceArena.blockBytes(4 * params) - classes, both.arenaBytes() - ownerOnly.arenaBytes(),
                "the sharing network is a standalone one less its parameter block and classes buffer");
        assertEquals(own.floats() - params - 2L * FULL.numClasses(), both.floats() - ownerOnly.floats());
    }

    @Test
    void anotherLayoutIsRefused() {
        PixelCnnPP owner = new PixelCnnPP(be, FULL, 1, false);
        ModelConfig wider = new ModelConfig(1, 10, 2, Nonlinearity.CONCAT_ELU, 4, 8, 3, 4, 0.5f);
        assertThrows(IllegalArgumentException.class, () -> PixelCnnPP.sharingParameters(wider, owner));
        ModelConfig unconditional = new ModelConfig(1, 8, 2, Nonlinearity.CONCAT_ELU, 4, 8, 3, 0, 0.5f);
        assertThrows(IllegalArgumentException.class, () -> PixelCnnPP.sharingParameters(unconditional, owner));
    }
}
