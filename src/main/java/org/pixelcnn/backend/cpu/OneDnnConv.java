package org.pixelcnn.backend.cpu;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.nio.Buffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.pixelcnn.backend.ConvGeom;

/**
 * One convolution geometry ({@link ConvGeom}: NHWC input, HWIO weights [fh, fw, cin, cout], zero padding
 * padTop/padLeft, the bottom/right padding implied) on oneDNN's convolution primitives, fp32, through the C
 * API of the JavaCPP presets {@code org.bytedeco.dnnl}: {@code convolution_forward} (with bias),
 * {@code convolution_backward_data} and {@code convolution_backward_weights}, src/dst (and diff_src/diff_dst)
 * in {@code nhwc}, weights in the layout each primitive picks ({@code format_tag::any}), padding_l = (padTop,
 * padLeft) and padding_r = the implied bottom/right padding. The im2col + SGEMM twin is {@link CpuConv}; which
 * geometries run here is {@link CpuConv#onOneDnn}'s rule, measured by the JMH class {@code ConvVsOneDnn}.
 *
 * <p>Threads: the engine sets {@code OMP_NUM_THREADS=1} (each oneDNN call runs on the thread that makes it), so
 * the batch is split into one contiguous range of images per thread of {@code par} (as many chunks as threads,
 * fewer when the batch is smaller), and each chunk runs its own primitives, created for its batch size, on its
 * own stream with its own scratchpad ({@code scratchpad_mode::user}), on a thread of {@code par}. With more
 * OpenMP threads (the user's {@code OMP_NUM_THREADS}) pass {@code split = false}: one chunk of the whole
 * batch, run on the calling thread, and oneDNN splits the work over its OpenMP team itself.
 *
 * <p>Semantics of the engine's {@code Backend} operations: {@link #forward} overwrites y with conv(x, W) + bias;
 * {@link #backwardData} adds conv^T(dy, W) to dx (the primitive writes each chunk's diff_src into a scratch
 * tensor, then a reorder with a {@code sum} post-op adds it to dx: backward primitives take no post-ops);
 * {@link #backwardFilter} adds dW (each chunk's diff_weights in the primitive's layout, then reordered into the
 * HWIO dW with a {@code sum} post-op, chunk by chunk in order, so the sum's order is fixed). The weights change
 * every step, so each forward and backward-data call first reorders W from HWIO into its primitive's layout
 * (a copy of the filter, small beside the convolution: the {@code weightReorders} benchmark times it).
 *
 * <p>Everything (primitives, scratch tensors, scratchpads, argument lists) is created in the constructor; a
 * call only points the memory objects at the caller's buffers ({@code dnnl_memory_set_data_handle}, through one
 * reused {@link Address} each) and executes. Buffers must be direct (the engine's CPU buffers are). Not
 * thread-safe: one instance per backend (per replica).
 */
public final class OneDnnConv implements AutoCloseable {
    private final ConvGeom g;
    private final Parallel par;
    private final dnnl_engine engine = new dnnl_engine();
    private final Chunk[] chunks;
    private final List<Runnable> closers = new ArrayList<>();

    /**
     * @param split true: one chunk of images per thread of par, each on a thread of par (OpenMP with 1 thread);
     *              false: one chunk of the whole batch on the calling thread (oneDNN's own OpenMP team)
     * @throws IllegalStateException when oneDNN refuses a primitive (its status in the message)
     */
    public OneDnnConv(ConvGeom g, Parallel par, boolean split) {
        this.g = g;
        this.par = par;
        check(dnnl_engine_create(engine, dnnl_cpu, 0), "engine");
        closers.add(() -> dnnl_engine_destroy(engine));
        int t = split ? Math.min(par.threads(), g.n()) : 1;
        chunks = new Chunk[t];
        try {
            for (int k = 0; k < t; k++) {
                int n0 = g.n() * k / t, n1 = g.n() * (k + 1) / t;
                chunks[k] = new Chunk(n0, n1 - n0);
            }
        } catch (RuntimeException refused) { // free what was made before oneDNN refused
            close();
            throw refused;
        }
    }

    /** The implementations oneDNN chose, as "forward / backward-data / backward-weights" of the first chunk. */
    public String implementations() {
        Chunk c = chunks[0];
        return implName(c.fwd.pd) + " / " + implName(c.bwdData.pd) + " / " + implName(c.bwdWeights.pd);
    }

    /** Chunks the batch is split into. */
    public int chunks() {
        return chunks.length;
    }

    /**
     * W [fh, fw, cin, cout] (HWIO) into the forward's and the backward-data's weight layouts (reorders), as
     * {@link #forward} and {@link #backwardData} do first; for a benchmark of the reorders alone.
     */
    public void setWeights(FloatBuffer w) {
        run(c -> {
            c.hwio.point(w, 0);
            c.toFwdWeights.execute(c.stream);
            c.toBwdWeights.execute(c.stream);
        });
    }

    /**
     * y [n, ho, wo, cout] = conv(x [n, h, w, cin], W [fh, fw, cin, cout]) + bias [cout] (overwrite); a null bias
     * adds zeros.
     */
    public void forward(FloatBuffer x, FloatBuffer w, FloatBuffer bias, FloatBuffer y) {
        FloatBuffer b = bias != null ? bias : zeroBias();
        run(c -> {
            c.hwio.point(w, 0);
            c.toFwdWeights.execute(c.stream);
            c.src.point(x, (long) c.n0 * g.h() * g.w() * g.cin());
            c.dst.point(y, (long) c.n0 * g.ho() * g.wo() * g.cout());
            c.bias.point(b, 0);
            c.fwd.execute(c.stream);
        });
    }

    /** dx [n, h, w, cin] += conv^T(dy [n, ho, wo, cout], W [fh, fw, cin, cout]). */
    public void backwardData(FloatBuffer dy, FloatBuffer w, FloatBuffer dx) {
        run(c -> {
            c.hwio.point(w, 0);
            c.toBwdWeights.execute(c.stream);
            c.diffDst.point(dy, (long) c.n0 * g.ho() * g.wo() * g.cout());
            c.bwdData.execute(c.stream);
            c.dxOut.point(dx, (long) c.n0 * g.h() * g.w() * g.cin());
            c.addDiffSrc.execute(c.stream);
        });
    }

    private CpuBuf zeros;

    private FloatBuffer zeroBias() {
        if (zeros == null) zeros = CpuBuf.allocate(g.cout());
        return zeros.fb;
    }

    /** dW [fh, fw, cin, cout] += sum over images and positions of x-patch (outer) dy. */
    public void backwardFilter(FloatBuffer x, FloatBuffer dy, FloatBuffer dw) {
        run(c -> {
            c.src.point(x, (long) c.n0 * g.h() * g.w() * g.cin());
            c.diffDst.point(dy, (long) c.n0 * g.ho() * g.wo() * g.cout());
            c.bwdWeights.execute(c.stream);
        });
        for (Chunk c : chunks) { // the partial sums into dW, in chunk order
            c.dwOut.point(dw, 0);
            c.addDiffWeights.execute(c.stream);
        }
    }

    private void run(java.util.function.Consumer<Chunk> body) {
        if (chunks.length == 1) body.accept(chunks[0]);
        else par.forChunks(chunks.length, k -> body.accept(chunks[k]));
    }

    @Override
    public void close() {
        zeros = null;
        for (int i = closers.size() - 1; i >= 0; i--) closers.get(i).run();
        closers.clear();
    }

    /** A contiguous range of images with its own primitives, stream, scratch tensors and scratchpads. */
    private final class Chunk {
        final int n0;
        final dnnl_stream stream = new dnnl_stream();
        final Mem src, dst, bias, diffDst, hwio, dxOut, dwOut;
        final Prim fwd, bwdData, bwdWeights, toFwdWeights, toBwdWeights, addDiffSrc, addDiffWeights;

        Chunk(int n0, int nb) {
            this.n0 = n0;
            check(dnnl_stream_create(stream, engine, dnnl_stream_default_flags), "stream");
            closers.add(() -> dnnl_stream_destroy(stream));
            dnnl_memory_desc srcMd = md(dnnl_nhwc, nb, g.cin(), g.h(), g.w());
            dnnl_memory_desc dstMd = md(dnnl_nhwc, nb, g.cout(), g.ho(), g.wo());
            dnnl_memory_desc anyW = md(dnnl_format_tag_any, g.cout(), g.cin(), g.fh(), g.fw());
            dnnl_memory_desc hwioMd = md(dnnl_hwio, g.cout(), g.cin(), g.fh(), g.fw());
            dnnl_memory_desc biasMd = md(dnnl_x, g.cout());
            long[] strides = {g.stride(), g.stride()}, dil = {0, 0}, padL = {g.padTop(), g.padLeft()};
            long[] padR = {(long) (g.ho() - 1) * g.stride() + g.fh() - g.padTop() - g.h(),
                    (long) (g.wo() - 1) * g.stride() + g.fw() - g.padLeft() - g.w()};
            dnnl_primitive_attr attr = attr(false);

            dnnl_primitive_desc fpd = new dnnl_primitive_desc();
            check(dnnl_convolution_forward_primitive_desc_create(fpd, engine, dnnl_forward_training, dnnl_convolution_direct,
                    srcMd, anyW, biasMd, dstMd, strides, dil, padL, padR, attr), "convolution_forward " + g);
            dnnl_primitive_desc dpd = new dnnl_primitive_desc();
            check(dnnl_convolution_backward_data_primitive_desc_create(dpd, engine, dnnl_convolution_direct,
                    srcMd, anyW, dstMd, strides, dil, padL, padR, fpd, attr), "convolution_backward_data " + g);
            dnnl_primitive_desc wpd = new dnnl_primitive_desc();
            check(dnnl_convolution_backward_weights_primitive_desc_create(wpd, engine, dnnl_convolution_direct,
                    srcMd, anyW, null, dstMd, strides, dil, padL, padR, fpd, attr), "convolution_backward_weights " + g);

            src = new Mem(srcMd, false);
            dst = new Mem(dstMd, false);
            bias = new Mem(biasMd, false);
            diffDst = new Mem(dstMd, false);
            hwio = new Mem(hwioMd, false);
            dxOut = new Mem(srcMd, false);
            dwOut = new Mem(hwioMd, false);
            Mem fwdW = new Mem(query(fpd, dnnl_query_weights_md), true);
            Mem bwdW = new Mem(query(dpd, dnnl_query_weights_md), true);
            Mem diffSrc = new Mem(query(dpd, dnnl_query_diff_src_md), true);
            Mem diffW = new Mem(query(wpd, dnnl_query_diff_weights_md), true);

            fwd = new Prim(fpd, DNNL_ARG_SRC, src, DNNL_ARG_WEIGHTS, fwdW, DNNL_ARG_BIAS, bias, DNNL_ARG_DST, dst);
            bwdData = new Prim(dpd, DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_WEIGHTS, bwdW, DNNL_ARG_DIFF_SRC, diffSrc);
            bwdWeights = new Prim(wpd, DNNL_ARG_SRC, src, DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_DIFF_WEIGHTS, diffW);
            toFwdWeights = reorder(hwio, fwdW, false);
            toBwdWeights = reorder(hwio, bwdW, false);
            addDiffSrc = reorder(diffSrc, dxOut, true);
            addDiffWeights = reorder(diffW, dwOut, true);
        }

        private Prim reorder(Mem from, Mem to, boolean accumulate) {
            dnnl_primitive_desc pd = new dnnl_primitive_desc();
            check(dnnl_reorder_primitive_desc_create(pd, from.md, engine, to.md, engine, attr(accumulate)), "reorder");
            return new Prim(pd, DNNL_ARG_FROM, from, DNNL_ARG_TO, to);
        }
    }

    /** Attributes: a user scratchpad, and with accumulate a sum post-op (dst = result + 1 * dst). */
    private dnnl_primitive_attr attr(boolean accumulate) {
        dnnl_primitive_attr a = new dnnl_primitive_attr();
        check(dnnl_primitive_attr_create(a), "attr");
        closers.add(() -> dnnl_primitive_attr_destroy(a));
        check(dnnl_primitive_attr_set_scratchpad_mode(a, dnnl_scratchpad_mode_user), "scratchpad mode");
        if (accumulate) {
            dnnl_post_ops po = new dnnl_post_ops();
            check(dnnl_post_ops_create(po), "post_ops");
            closers.add(() -> dnnl_post_ops_destroy(po));
            check(dnnl_post_ops_append_sum(po, 1f, 0, dnnl_data_type_undef), "sum post-op");
            check(dnnl_primitive_attr_set_post_ops(a, po), "set post-ops");
        }
        return a;
    }

    /** A memory object: over the caller's buffers (pointed per call), or owning its storage (allocated by oneDNN). */
    private final class Mem {
        final dnnl_memory_desc md;
        final dnnl_memory mem = new dnnl_memory();
        private final Address at = new Address();

        Mem(dnnl_memory_desc md, boolean owned) {
            this.md = md;
            check(dnnl_memory_create(mem, md, engine, owned ? Address.ALLOCATE : null), "memory");
            closers.add(() -> dnnl_memory_destroy(mem));
        }

        /** This memory now reads and writes b from float offset on. */
        void point(FloatBuffer b, long offset) {
            check(dnnl_memory_set_data_handle(mem, at.set(Address.of(b) + 4 * offset)), "set_data_handle");
        }
    }

    /** A primitive with its argument list and its own scratchpad. */
    private final class Prim {
        final dnnl_primitive_desc pd;
        final dnnl_primitive p = new dnnl_primitive();
        final dnnl_exec_arg_t args;
        final int nargs;

        /** @param argMems pairs (DNNL_ARG_x, Mem) */
        Prim(dnnl_primitive_desc pd, Object... argMems) {
            this.pd = pd;
            closers.add(() -> dnnl_primitive_desc_destroy(pd));
            check(dnnl_primitive_create(p, pd), "primitive " + implName(pd));
            closers.add(() -> dnnl_primitive_destroy(p));
            dnnl_memory_desc spMd = query(pd, dnnl_query_scratchpad_md);
            boolean pad = dnnl_memory_desc_get_size(spMd) > 0;
            nargs = argMems.length / 2 + (pad ? 1 : 0);
            args = new dnnl_exec_arg_t(nargs);
            closers.add(args::close);
            for (int i = 0; i < argMems.length / 2; i++)
                args.position(i).arg((Integer) argMems[2 * i]).memory(((Mem) argMems[2 * i + 1]).mem);
            if (pad) args.position(nargs - 1).arg(DNNL_ARG_SCRATCHPAD).memory(new Mem(spMd, true).mem);
            args.position(0);
        }

        void execute(dnnl_stream s) {
            check(dnnl_primitive_execute(p, s, nargs, args), "execute " + implName(pd));
        }
    }

    private dnnl_memory_desc md(int tag, long... dims) {
        dnnl_memory_desc m = new dnnl_memory_desc();
        check(dnnl_memory_desc_create_with_tag(m, dims.length, dims, dnnl_f32, tag), "memory_desc");
        closers.add(() -> dnnl_memory_desc_destroy(m));
        return m;
    }

    /** A memory descriptor of pd (owned by pd). */
    private static dnnl_memory_desc query(dnnl_primitive_desc pd, int what) {
        return dnnl_primitive_desc_query_md(pd, what, 0);
    }

    /** oneDNN's name of the implementation behind pd, e.g. "brg_conv_fwd:avx512_core". */
    static String implName(dnnl_primitive_desc pd) {
        try (PointerPointer<BytePointer> pp = new PointerPointer<>(1)) {
            check(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, pp), "impl_info_str");
            return pp.get(BytePointer.class, 0).getString();
        }
    }

    static void check(int status, String what) {
        if (status != dnnl_success) throw new IllegalStateException("oneDNN " + what + ": status " + status);
    }

    /** A reusable pointer whose address is set, not allocated: a call points memories at buffers without new objects. */
    static final class Address extends Pointer {
        /** DNNL_MEMORY_ALLOCATE: oneDNN allocates the memory's storage itself. */
        static final Address ALLOCATE = new Address().set(-1L);

        Address set(long a) {
            address = a;
            return this;
        }

        /** The native address of a direct buffer's element 0 (at its position). */
        static long of(Buffer b) {
            return getDirectBufferAddress(b) + 4L * b.position();
        }
    }
}
