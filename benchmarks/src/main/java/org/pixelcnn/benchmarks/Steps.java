package org.pixelcnn.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.bench.BenchConfig;
import org.pixelcnn.bench.StepRig;

/**
 * Whole steps of the model of {@code shapes} ({@link BenchConfig}: D = the default model at batch 16,
 * S = 1/32/5 at batch 16; {@code batch} &gt; 0 overrides), the same work as the {@code bench} command
 * ({@link StepRig}): {@link #trainStep} = upload, forward (dropout on), loss and gradient, backward,
 * gradient check, Adam + Polyak (one replica: no all-reduce); {@link #sampleStep} = one eval forward
 * pass plus the mixture sample of one position; {@link #cachedSampleBatch} = a whole batch of images
 * with the cached sampler (every position; its first call also builds the sampler's caches, in warm-up).
 * Time per step (per batch for the cached sampler) after a synchronisation. The CPU needs
 * about 1 GB per image of batch for D in training: use {@code -p shapes=S} or {@code -p batch=2} there.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dorg.bytedeco.javacpp.maxBytes=0", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"})
public class Steps {
    @Param({"cpu", "cuda"})
    public String backend;

    @Param({"D", "S"})
    public String shapes;

    /** 0: the configuration's batch. */
    @Param({"0"})
    public int batch;

    private Backend be;
    private StepRig rig;
    private long t;
    private int pos;

    @Setup(Level.Trial)
    public void setup() {
        BenchConfig bc = BenchConfig.named(shapes, batch > 0 ? batch : null);
        be = BenchBackend.open(backend, StepRig.arenaPlan(bc).estimateBytes());
        if (be == null) return;
        rig = new StepRig(be, bc);
        be.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (be != null) be.close();
    }

    /** Returns the batch's loss in nats. */
    @Benchmark
    public double trainStep() {
        if (be == null) return 0;
        double nats = rig.trainStep(++t);
        be.synchronize();
        return nats;
    }

    @Benchmark
    public byte[] cachedSampleBatch() {
        if (be == null) return null;
        byte[] images = rig.sampleBatchCached(pos++);
        be.synchronize();
        return images;
    }

    @Benchmark
    public void sampleStep() {
        if (be == null) return;
        rig.sampleStep(pos++);
        be.synchronize();
    }
}
