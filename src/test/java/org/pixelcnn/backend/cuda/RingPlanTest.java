package org.pixelcnn.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pixelcnn.backend.cpu.RingAllReduce;

/**
 * The device ring's schedule ({@link RingPlan}), checked on a CPU emulation of CUDA streams and events:
 * each (replica, lane) is an in-order queue, a wait blocks until the latest record of that event issued
 * before it has run, and otherwise operations run in random orders. Two all-reduces in a row are
 * emulated, with each replica's "backward" (writes its gradient) before and "update" (reads it) after,
 * as the trainer issues them. Checked: every conflicting pair of memory accesses (same chunk of a
 * replica's buffer or same scratch slot, one a write) is ordered by stream order and events
 * (happens-before), the update sees exactly the CPU {@link RingAllReduce}'s bits on every replica in every
 * order tried, every wait follows its record in issue order, and the chunk of each step is the one the
 * CPU ring uses.
 */
class RingPlanTest {

    /** One emulated operation: its lane, what it waits for, what it records, what it touches, what it does. */
    private record EOp(int replica, RingPlan.Lane lane, int[] waits, int records, Set<String> reads, Set<String> writes, Runnable body) {
    }

    private static final class Emulation {
        final int n;
        final long length;
        final float[][] buf, scratch;
        final List<EOp> ops = new ArrayList<>();
        final List<float[][]> seenByUpdate = new ArrayList<>();

        Emulation(int n, long length) {
            this.n = n;
            this.length = length;
            buf = new float[n][(int) length];
            long slot = RingPlan.maxChunk(n, length);
            scratch = new float[n][(int) (2 * slot)];
        }

        String chunk(int r, int c) {
            return "buf" + r + "." + c;
        }

        Set<String> all(int r) {
            Set<String> s = new HashSet<>();
            for (int c = 0; c < n; c++) s.add(chunk(r, c));
            return s;
        }

        void backward(float[][] grads) {
            for (int r = 0; r < n; r++) {
                int rr = r;
                ops.add(new EOp(r, RingPlan.Lane.COMPUTE, new int[0], -1, Set.of(), all(r), () -> buf[rr] = grads[rr].clone()));
            }
        }

        void update() {
            float[][] seen = new float[n][];
            seenByUpdate.add(seen);
            for (int r = 0; r < n; r++) {
                int rr = r;
                ops.add(new EOp(r, RingPlan.Lane.COMPUTE, new int[0], -1, all(r), Set.of(), () -> seen[rr] = buf[rr].clone()));
            }
        }

        void allReduce(RingPlan plan) {
            long slotLen = RingPlan.maxChunk(n, length);
            for (RingPlan.Op op : plan.ops()) {
                int r = op.replica(), c = op.chunk();
                int begin = c < 0 ? 0 : (int) RingPlan.chunkStart(c, n, length), end = c < 0 ? 0 : (int) RingPlan.chunkStart(c + 1, n, length);
                int slot = (int) (op.slot() * slotLen);
                String sc = "scratch" + r + "." + op.slot();
                EOp e = switch (op.kind()) {
                    case COPY_TO_SCRATCH -> new EOp(r, op.lane(), op.waits(), op.records(), Set.of(chunk(op.from(), c)), Set.of(sc),
                            () -> System.arraycopy(buf[op.from()], begin, scratch[r], slot, end - begin));
                    case ADD_SCRATCH -> new EOp(r, op.lane(), op.waits(), op.records(), Set.of(sc, chunk(r, c)), Set.of(chunk(r, c)),
                            () -> {
                                for (int i = begin; i < end; i++) buf[r][i] = buf[r][i] + scratch[r][slot + i - begin];
                            });
                    case COPY_TO_OWN -> new EOp(r, op.lane(), op.waits(), op.records(), Set.of(chunk(op.from(), c)), Set.of(chunk(r, c)),
                            () -> System.arraycopy(buf[op.from()], begin, buf[r], begin, end - begin));
                    case NONE -> new EOp(r, op.lane(), op.waits(), op.records(), Set.of(), Set.of(), () -> { });
                };
                ops.add(e);
            }
        }

        /** For each op, the index of the op whose record each of its waits refers to (latest earlier record). */
        int[][] waitSources() {
            int[][] src = new int[ops.size()][];
            Map<Integer, Integer> lastRecord = new HashMap<>();
            for (int i = 0; i < ops.size(); i++) {
                EOp o = ops.get(i);
                src[i] = new int[o.waits().length];
                for (int k = 0; k < o.waits().length; k++) {
                    Integer at = lastRecord.get(o.waits()[k]);
                    assertTrue(at != null, "op " + i + " waits for event " + o.waits()[k] + " before any record of it was issued");
                    src[i][k] = at;
                }
                if (o.records() >= 0) lastRecord.put(o.records(), i);
            }
            return src;
        }

        /** happens-before as bit sets: hb[j].get(i) when op i is ordered before op j. */
        BitSet[] happensBefore() {
            int[][] src = waitSources();
            BitSet[] hb = new BitSet[ops.size()];
            Map<String, Integer> lastOnLane = new HashMap<>();
            for (int j = 0; j < ops.size(); j++) {
                hb[j] = new BitSet();
                EOp o = ops.get(j);
                String lane = o.replica() + "/" + o.lane();
                Integer prev = lastOnLane.put(lane, j);
                List<Integer> preds = new ArrayList<>();
                if (prev != null) preds.add(prev);
                for (int s : src[j]) preds.add(s);
                for (int p : preds) {
                    hb[j].set(p);
                    hb[j].or(hb[p]);
                }
            }
            return hb;
        }

        /** Runs the ops in a random order allowed by lanes and events. */
        void run(SplittableRandom rng) {
            int[][] src = waitSources();
            boolean[] done = new boolean[ops.size()];
            Map<String, List<Integer>> lanes = new HashMap<>();
            for (int i = 0; i < ops.size(); i++) lanes.computeIfAbsent(ops.get(i).replica() + "/" + ops.get(i).lane(), k -> new ArrayList<>()).add(i);
            int remaining = ops.size();
            while (remaining > 0) {
                List<Integer> ready = new ArrayList<>();
                for (List<Integer> q : lanes.values()) {
                    if (q.isEmpty()) continue;
                    int head = q.get(0);
                    boolean ok = true;
                    for (int s : src[head]) ok &= done[s];
                    if (ok) ready.add(head);
                }
                assertFalse(ready.isEmpty(), "deadlock: no lane can proceed");
                int pick = ready.get(rng.nextInt(ready.size()));
                ops.get(pick).body().run();
                done[pick] = true;
                lanes.get(ops.get(pick).replica() + "/" + ops.get(pick).lane()).remove(0);
                remaining--;
            }
        }
    }

    private static float[][] randomGrads(int n, long length, SplittableRandom rng) {
        float[][] g = new float[n][(int) length];
        for (float[] a : g) for (int i = 0; i < a.length; i++) a[i] = (float) ((rng.nextDouble() - 0.5) * Math.exp(8 * rng.nextDouble() - 4));
        return g;
    }

    private static float[][] cpuRing(float[][] grads) {
        int n = grads.length;
        FloatBuffer[] fb = new FloatBuffer[n];
        for (int r = 0; r < n; r++) fb[r] = FloatBuffer.wrap(grads[r].clone());
        new RingAllReduce(n).run(fb, 0, grads[0].length, false);
        float[][] out = new float[n][];
        for (int r = 0; r < n; r++) out[r] = fb[r].array();
        return out;
    }

    private static Emulation twoSteps(int n, long length, float[][] g1, float[][] g2) {
        RingPlan plan = RingPlan.of(n);
        Emulation e = new Emulation(n, length);
        e.backward(g1);
        e.allReduce(plan);
        e.update();
        e.backward(g2);
        e.allReduce(plan);
        e.update();
        return e;
    }

    @Test
    void everyConflictingAccessIsOrderedByStreamsAndEvents() {
        for (int n = 1; n <= 6; n++) {
            Emulation e = twoSteps(n, 3L * n + 1, new float[n][3 * n + 1], new float[n][3 * n + 1]);
            BitSet[] hb = e.happensBefore();
            for (int j = 0; j < e.ops.size(); j++)
                for (int i = 0; i < j; i++) {
                    EOp a = e.ops.get(i), b = e.ops.get(j);
                    boolean conflict = !disjoint(a.writes(), b.writes()) || !disjoint(a.writes(), b.reads()) || !disjoint(a.reads(), b.writes());
                    if (conflict)
                        assertTrue(hb[j].get(i), "N=" + n + ": ops " + i + " and " + j + " touch " + a.writes() + a.reads() + " / " + b.writes() + b.reads() + " unordered");
                }
        }
    }

    private static boolean disjoint(Set<String> a, Set<String> b) {
        for (String s : a) if (b.contains(s)) return false;
        return true;
    }

    @Test
    void randomScheduleOrdersGiveTheCpuRingsBitsOnEveryReplica() {
        SplittableRandom rng = new SplittableRandom(42);
        for (int n = 1; n <= 5; n++)
            for (long length : new long[]{1, n - 1L, 37, 1000}) {
                if (length < 1) continue;
                float[][] g1 = randomGrads(n, length, rng), g2 = randomGrads(n, length, rng);
                float[][] want1 = cpuRing(g1), want2 = cpuRing(g2);
                for (int trial = 0; trial < 8; trial++) {
                    Emulation e = twoSteps(n, length, g1, g2);
                    e.run(rng.split());
                    for (int r = 0; r < n; r++) {
                        assertArrayEquals(want1[r], e.seenByUpdate.get(0)[r], "N=" + n + " length " + length + " replica " + r + " first all-reduce");
                        assertArrayEquals(want2[r], e.seenByUpdate.get(1)[r], "N=" + n + " length " + length + " replica " + r + " second all-reduce");
                    }
                }
            }
    }

    @Test
    void chunksFollowTheCpuRingAndEventsAreRecordedOnTheirReplica() {
        for (int n = 2; n <= 7; n++) {
            RingPlan p = RingPlan.of(n);
            int copies = 0, adds = 0, gathers = 0;
            Set<Integer> recorded = new HashSet<>();
            for (RingPlan.Op op : p.ops()) {
                int r = op.replica();
                switch (op.kind()) {
                    case COPY_TO_SCRATCH -> {
                        copies++;
                        assertEquals(Math.floorMod(r - 1, n), op.from());
                        assertEquals(Math.floorMod(r - 1 - op.step(), n), op.chunk());
                        assertEquals(RingPlan.Lane.COPY, op.lane());
                    }
                    case ADD_SCRATCH -> {
                        adds++;
                        assertEquals(Math.floorMod(r - 1 - op.step(), n), op.chunk());
                        assertEquals(RingPlan.Lane.COMPUTE, op.lane());
                    }
                    case COPY_TO_OWN -> {
                        gathers++;
                        assertEquals(Math.floorMod(r - op.step(), n), op.chunk());
                    }
                    case NONE -> { }
                }
                if (op.records() >= 0) {
                    assertTrue(recorded.add(op.records()), "event " + op.records() + " recorded twice in one all-reduce");
                    assertEquals(r, p.recorder(op.records()), "event " + op.records() + " is created on another replica's GPU");
                }
            }
            assertEquals(n * (n - 1), copies);
            assertEquals(n * (n - 1), adds);
            assertEquals(n * (n - 1), gathers);
            assertTrue(recorded.size() <= p.eventCount());
        }
        assertTrue(RingPlan.of(1).ops().isEmpty());
    }

    @Test
    void chunkBoundsMatchTheCpuRing() {
        for (int n = 1; n <= 9; n++)
            for (int length : new int[]{0, 1, 5, 1001, 1 << 20}) {
                for (int c = 0; c <= n; c++) assertEquals(RingAllReduce.chunkStart(c, n, length), RingPlan.chunkStart(c, n, length));
                long max = 0;
                for (int c = 0; c < n; c++) max = Math.max(max, RingAllReduce.chunkStart(c + 1, n, length) - RingAllReduce.chunkStart(c, n, length));
                assertEquals(max, RingPlan.maxChunk(n, length));
            }
        assertEquals(2_142_857_142L, RingPlan.chunkStart(3, 7, 5_000_000_000L), "floor(3 * 5e9 / 7) beyond the int range");
    }
}
