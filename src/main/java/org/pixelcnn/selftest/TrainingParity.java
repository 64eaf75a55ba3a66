package org.pixelcnn.selftest;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.pixelcnn.backend.Backend;
import org.pixelcnn.backend.Buf;
import org.pixelcnn.backend.cpu.CpuBackend;
import org.pixelcnn.backend.cuda.CudaBackend;
import org.pixelcnn.backend.cuda.CudaRingAllReduce;
import org.pixelcnn.selftest.Parity.Result;
import org.pixelcnn.data.ImageSet;
import org.pixelcnn.io.Checkpoint;
import org.pixelcnn.io.CheckpointReader;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.backend.AdamPolyak;
import org.pixelcnn.train.Evaluator;
import org.pixelcnn.train.Replica;
import org.pixelcnn.train.TrainStep;
import org.pixelcnn.backend.cpu.RingAllReduce;
import org.pixelcnn.train.TrainingCheckpoint;

/**
 * The self-test's data-parallel training checks on GPU replicas that share one GPU (each its own
 * {@link CudaBackend}: stream, arena, handles):
 * <ul>
 * <li>the device ring all-reduce of 1, 2 and 3 replicas against a float64 sum on the CPU (relative error),
 *     bit-identical across replicas and equal to the CPU {@link RingAllReduce}'s bits (mismatch counts,
 *     bound 0), twice in a row on the same ring (events and scratch reused);</li>
 * <li>one training step ({@link TrainStep}, as the trainer runs it) of 2 replicas of batch B (gradients
 *     all-reduced on the device ring, each applies Adam + Polyak) against one replica of batch 2B, dropout off: parameters, averages and Adam moments within the model bound, and
 *     the two replicas bit-identical;</li>
 * <li>a checkpoint written from a GPU replica ({@link TrainingCheckpoint#save}) read back on the CPU: test
 *     bits/dim of the Polyak averages on a fixed batch ({@link Evaluator}) on both backends within 1e-4 (fp32).</li>
 * </ul>
 */
public final class TrainingParity {
    private final CpuBackend cpu;
    private final List<CudaBackend> gpus;
    private final long seed;
    private final StickyGuard guard;

    /** As {@link #TrainingParity(CpuBackend, List, long, StickyGuard)} with a guard over the replicas. */
    public TrainingParity(CpuBackend cpu, List<CudaBackend> gpus, long seed) {
        this(cpu, gpus, seed, StickyGuard.of(gpus));
    }

    /**
     * @param gpus  at least three backends (replicas), normally on one GPU
     * @param guard told about every failure; once it has stopped, no further check runs
     */
    public TrainingParity(CpuBackend cpu, List<CudaBackend> gpus, long seed, StickyGuard guard) {
        if (gpus.size() < 3) throw new IllegalArgumentException("need three GPU replicas, got " + gpus.size());
        this.cpu = cpu;
        this.gpus = List.copyOf(gpus);
        this.seed = seed;
        this.guard = guard;
    }

    private static float[] download(Backend be, Buf b) {
        float[] a = new float[Math.toIntExact(b.size())];
        be.download(b, 0, a, 0, a.length);
        return a;
    }

    private static long mismatches(float[] a, float[] b) {
        long k = 0;
        for (int i = 0; i < a.length; i++) if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) k++;
        return k;
    }

    /** All-reduce checks with 1, 2 and 3 replicas on {@code length} floats. */
    public List<Result> allReduce(int length, double bound) {
        List<Result> out = new ArrayList<>();
        for (int n = 1; n <= 3 && !guard.stopped(); n++) {
            String shape = n + " replicas x " + length + " floats";
            List<CudaBackend> reps = gpus.subList(0, n);
            long[] marks = new long[n];
            for (int r = 0; r < n; r++) marks[r] = Parity.mark(reps.get(r));
            try (CudaRingAllReduce ring = new CudaRingAllReduce(reps, length)) {
                Buf[] bufs = new Buf[n];
                for (int r = 0; r < n; r++) bufs[r] = reps.get(r).alloc(length);
                double err = 0;
                long acrossReplicas = 0, vsCpuRing = 0;
                for (int round = 0; round < 2; round++) {
                    SplittableRandom rng = new SplittableRandom(seed + 101L * n + round);
                    float[][] g = new float[n][length];
                    for (float[] a : g) for (int i = 0; i < length; i++) a[i] = (float) ((rng.nextDouble() - 0.5) * Math.exp(6 * rng.nextDouble() - 3));
                    for (int r = 0; r < n; r++) reps.get(r).upload(g[r], 0, bufs[r], 0, length);
                    ring.allReduce(bufs);
                    float[][] got = new float[n][];
                    for (int r = 0; r < n; r++) got[r] = download(reps.get(r), bufs[r]);
                    double[] exact = new double[length], dev = new double[length];
                    for (int i = 0; i < length; i++) {
                        for (float[] a : g) exact[i] += a[i];
                        dev[i] = got[0][i];
                    }
                    err = Math.max(err, Parity.relativeError(exact, dev));
                    FloatBuffer[] fb = new FloatBuffer[n];
                    for (int r = 0; r < n; r++) fb[r] = FloatBuffer.wrap(g[r]);
                    new RingAllReduce(n).run(fb, 0, length, false);
                    for (int r = 0; r < n; r++) {
                        acrossReplicas += mismatches(got[0], got[r]);
                        vsCpuRing += mismatches(g[r], got[r]);
                    }
                }
                out.add(new Result("allreduce vs float64 sum", shape, err, bound, null));
                out.add(new Result("allreduce bits across replicas", shape, acrossReplicas, 0, null));
                out.add(new Result("allreduce bits vs CPU ring", shape, vsCpuRing, 0, null));
            } catch (RuntimeException | Error e) {
                guard.failed(e);
                out.add(new Result("allreduce", shape, Double.NaN, bound, Parity.describe(e)));
            } finally {
                for (int r = 0; r < n; r++) Parity.release(reps.get(r), marks[r]);
            }
        }
        return out;
    }

    /**
     * One training step of 2 replicas of batch B against one replica of 2B (dropout must be 0 in cfg), then
     * the checkpoint round trip of replica 0 through the CPU.
     *
     * @param checkpointBound bound on |bits/dim GPU - bits/dim CPU| (1e-4 in fp32)
     */
    public List<Result> trainingStep(ModelConfig cfg, int batch, double bound, double checkpointBound, Path tmp) {
        List<Result> out = new ArrayList<>();
        if (guard.stopped()) return out;
        String shape = String.format("2x%d vs 1x%d, %dx%dx%d r%d f%d K%d", batch, 2 * batch, cfg.height(), cfg.width(), cfg.channels(),
                cfg.nrResnet(), cfg.nrFilters(), cfg.numClasses());
        long[] marks = new long[3];
        for (int r = 0; r < 3; r++) marks[r] = Parity.mark(gpus.get(r));
        try {
            Replica a = new Replica(0, gpus.get(0), cfg, batch), b = new Replica(1, gpus.get(1), cfg, batch);
            Replica big = new Replica(0, gpus.get(2), cfg, 2 * batch);
            float[] p = a.model.initialValues(seed);
            for (Replica r : List.of(a, b, big)) {
                r.be.upload(p, 0, r.model.params().values(), 0, p.length);
                r.be.upload(p, 0, r.ema, 0, p.length);
            }
            SplittableRandom rng = new SplittableRandom(seed + 5);
            int per = cfg.height() * cfg.width() * cfg.channels();
            byte[] pixels = new byte[2 * batch * per];
            float[] x = new float[pixels.length];
            for (int i = 0; i < x.length; i++) {
                pixels[i] = (byte) rng.nextInt(256);
                x[i] = ((pixels[i] & 0xff) - 127.5f) / 127.5f;
            }
            int[] labels = new int[2 * batch];
            for (int i = 0; i < labels.length; i++) labels[i] = cfg.numClasses() > 0 ? rng.nextInt(cfg.numClasses()) : 0;
            AdamPolyak.Scalars s = new AdamPolyak(AdamPolyak.DEFAULT_POLYAK_DECAY).scalars(1, 2e-3);
            // the trainer's step (TrainStep): 2 replicas of B with the device ring all-reduce, and 1 replica of 2B
            double nats, natsBig;
            try (TrainStep two = new TrainStep(List.of(a, b), seed); TrainStep one = new TrainStep(List.of(big), seed)) {
                nats = two.run(1, x, labels, s);
                natsBig = one.run(1, x, labels, s);
            }
            double err = Parity.relativeError(new double[]{natsBig}, new double[]{nats});
            long across = 0;
            Buf[][] state = {{a.model.params().values(), b.model.params().values(), big.model.params().values()},
                    {a.ema, b.ema, big.ema}, {a.adamM, b.adamM, big.adamM}, {a.adamV, b.adamV, big.adamV}};
            for (Buf[] st : state) {
                float[] va = download(a.be, st[0]), vb = download(b.be, st[1]), vbig = download(big.be, st[2]);
                err = Math.max(err, Parity.relativeError(vbig, va));
                across += mismatches(va, vb);
            }
            out.add(new Result("train step 2xB vs 1x2B", shape, err, bound, null));
            out.add(new Result("train step replica bits", shape, across, 0, null));
            out.add(checkpoint(a, cfg, batch, pixels, labels, checkpointBound, tmp));
        } catch (RuntimeException | Error e) {
            guard.failed(e);
            out.add(new Result("train step setup", shape, Double.NaN, bound, Parity.describe(e)));
        } finally {
            for (int r = 0; r < 3; r++) Parity.release(gpus.get(r), marks[r]);
        }
        return out;
    }

    /** Writes replica a's state, reads it on the CPU, and compares test bits/dim of the averages on a fixed batch. */
    private Result checkpoint(Replica a, ModelConfig cfg, int batch, byte[] pixels, int[] labels, double bound, Path tmp) {
        String shape = String.format("batch %d, %dx%dx%d", batch, cfg.height(), cfg.width(), cfg.channels());
        Path dir = tmp.resolve("selftest-checkpoint-" + seed);
        try {
            TrainingCheckpoint.RunInfo info = new TrainingCheckpoint.RunInfo(cfg, "selftest", batch, 2, 2e-3, 0.999995, AdamPolyak.DEFAULT_POLYAK_DECAY, seed);
            Path file = TrainingCheckpoint.save(dir, a, 1, 2e-3, new long[]{seed, 0, 1}, info);
            ImageSet fixed = ImageSet.wrap("selftest", java.util.Arrays.copyOf(pixels, batch * cfg.height() * cfg.width() * cfg.channels()),
                    batch, cfg.height(), cfg.width(), cfg.channels(), cfg.numClasses() > 0 ? java.util.Arrays.copyOf(labels, batch) : null);
            Evaluator onGpu = new Evaluator(a.be, cfg, batch);
            onGpu.setParams(a.ema);
            double gpuBits = onGpu.bitsPerDim(fixed);
            Evaluator onCpu = new Evaluator(cpu, cfg, batch);
            try (CheckpointReader reader = Checkpoint.load(file, TrainingCheckpoint.expectedShapes(onCpu.model().params()))) {
                float[] ema = TrainingCheckpoint.readFlat(reader, Checkpoint.Group.EMA, onCpu.model().params());
                cpu.upload(ema, 0, onCpu.model().params().values(), 0, ema.length);
            }
            double cpuBits = onCpu.bitsPerDim(fixed);
            String ok = Double.isFinite(gpuBits) && Double.isFinite(cpuBits) ? null : "bits/dim not finite: GPU " + gpuBits + ", CPU " + cpuBits;
            return new Result("checkpoint GPU->CPU bits/dim", shape + String.format(" (%.5f)", cpuBits), Math.abs(gpuBits - cpuBits), bound, ok);
        } catch (RuntimeException | Error e) {
            guard.failed(e);
            return new Result("checkpoint GPU->CPU bits/dim", shape, Double.NaN, bound, Parity.describe(e));
        } finally {
            deleteQuietly(dir);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover temporary directory is harmless
        }
    }
}
