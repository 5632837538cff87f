package adsml.scheduler.gpu;

import adsml.platform.features.FeatureBatch;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.ModelSpec;
import adsml.platform.scoring.Scorer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * One DCN version on one device: its weights (packed fp32 tensors and the embedding table) resident in device memory,
 * and one lane per stream. A lane is a stream with pinned host staging for ids, dense values and scores, and device
 * buffers for a batch's activations; only ids and dense values cross PCIe on the way in, only scores on the way out.
 *
 * <p>Each concurrent caller (a scheduler worker) takes a lane for its batch, so with two lanes one batch's copies
 * overlap the other's kernels. The scores buffer is filled with NaN on the stream before each forward pass, so an
 * element that no kernel wrote cannot pass for a score. A failed CUDA call marks the device unhealthy and surfaces as
 * {@link GpuFailureException}.
 *
 * <p>A lane does not launch its kernels one by one: the first chunk of each padded size ({@link DcnPlan#paddedRows})
 * captures the lane's whole sequence (copy in, NaN poisoning, the forward pass, copy out) into a CUDA graph, and every
 * chunk of that size replays it with one {@code cuGraphLaunch}: at a thousand rows the launches, not the arithmetic,
 * set the time. The lane's buffers never move, so its graphs stay valid until it is released. Pad rows carry id 0 and
 * zero dense values; rows are independent in every kernel, and their scores are not read.
 */
final class GpuScorer implements Scorer {
    private static final int NAN_BITS = 0x7fc00000;

    private final GpuDevice device;
    private final CudaContext cuda;
    private final DcnPlan plan;
    private final DcnWeights hostWeights;
    private final CUdeviceptr weights = new CUdeviceptr();
    private final List<Lane> all = new ArrayList<>();
    private final BlockingQueue<Lane> free;
    private boolean weightsAllocated;
    private boolean closed;

    private GpuScorer(GpuDevice device, CudaContext cuda, DcnPlan plan, DcnWeights hostWeights, int lanes) {
        this.device = device;
        this.cuda = cuda;
        this.plan = plan;
        this.hostWeights = hostWeights;
        this.free = new ArrayBlockingQueue<>(lanes);
    }

    /**
     * Uploads {@code w} and allocates {@code lanes} lanes on the owner thread; frees what it took if any step fails.
     */
    static GpuScorer create(GpuDevice device, CudaContext cuda, DcnPlan plan, DcnWeights w, int lanes) {
        GpuScorer scorer = new GpuScorer(device, cuda, plan, w, lanes);
        cuda.call(() -> {
            try {
                for (int i = 0; i < lanes; i++) {
                    scorer.all.add(new Lane(plan));
                }
                scorer.allocate();
            } catch (RuntimeException e) {
                scorer.free();
                throw e;
            }
            device.allocated(scorer);
            return null;
        });
        scorer.free.addAll(scorer.all);
        return scorer;
    }

    /** Uploads the weights and allocates every lane; on the owner thread (after a rebuild: lanes taken, forgotten). */
    void allocate() {
        float[] packed = plan.pack(hostWeights);
        short[] bf16 = plan.packBf16(hostWeights);
        EmbeddingTable table = plan.table(hostWeights);
        JCudaDriver.cuMemAlloc(weights, plan.weightBytes());
        weightsAllocated = true;
        JCudaDriver.cuMemcpyHtoD(weights, Pointer.to(packed), (long) packed.length * Float.BYTES);
        if (bf16.length > 0) {
            JCudaDriver.cuMemcpyHtoD(
                    weights.withByteOffset(plan.bf16OffsetBytes()), Pointer.to(bf16), (long) bf16.length * Short.BYTES);
        }
        CUdeviceptr values = weights.withByteOffset(plan.tableOffsetBytes());
        if (table instanceof EmbeddingTable.Fp32 t) {
            JCudaDriver.cuMemcpyHtoD(values, Pointer.to(t.values()), t.valueBytes());
        } else if (table instanceof EmbeddingTable.Bf16 t) {
            JCudaDriver.cuMemcpyHtoD(values, Pointer.to(t.words()), t.valueBytes());
        } else if (table instanceof EmbeddingTable.Int8 t) {
            JCudaDriver.cuMemcpyHtoD(values, Pointer.to(t.words()), t.valueBytes());
            JCudaDriver.cuMemcpyHtoD(
                    weights.withByteOffset(plan.scalesOffsetBytes()),
                    Pointer.to(t.scales()),
                    (long) t.scales().length * Float.BYTES);
        }
        // A copy from pageable memory may return before it lands, and the lanes' streams do not wait for it.
        JCudaDriver.cuCtxSynchronize();
        for (Lane lane : all) {
            lane.allocate();
        }
    }

    /**
     * Takes every lane back, waiting up to 10 s each for those in use by a batch (which fails fast on a broken
     * context); on the owner thread, before the context is rebuilt. Returns what gives them back; gives back what it
     * took itself if one does not come.
     */
    Runnable takeLanes() {
        List<Lane> held = new ArrayList<>(all.size());
        try {
            for (int i = 0; i < all.size(); i++) {
                Lane lane = free.poll(10, TimeUnit.SECONDS);
                if (lane == null) {
                    throw new IllegalStateException(
                            id() + ": a stream was not given back within 10 s; the context is left as it is");
                }
                held.add(lane);
            }
            return () -> free.addAll(held);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            free.addAll(held);
            throw new IllegalStateException("interrupted while taking back the streams of " + id(), e);
        } catch (RuntimeException e) {
            free.addAll(held);
            throw e;
        }
    }

    /** Drops every handle of the weights and lanes: the context they lived in is gone, and its memory with it. */
    void forget() {
        weightsAllocated = false;
        for (Lane lane : all) {
            lane.forget();
        }
    }

    @Override
    public ModelSpec spec() {
        return plan.spec();
    }

    @Override
    public void score(FeatureBatch batch, float[] out) {
        Scorer.checkShapes(plan.spec(), batch, out);
        Lane lane = takeLane();
        try {
            cuda.makeCurrent();
            GpuFault fault = device.takeInjectedFault();
            if (fault != null) {
                lane.fail(this, fault);
            }
            for (int from = 0; from < batch.rows(); from += plan.maxRows()) {
                int rows = Math.min(plan.maxRows(), batch.rows() - from);
                int padded = plan.paddedRows(rows);
                lane.stage(batch, from, rows, padded);
                JCudaDriver.cuGraphLaunch(lane.graph(this, padded, true), lane.stream);
                JCudaDriver.cuStreamSynchronize(lane.stream);
                lane.scores.get(
                        out,
                        from * plan.spec().heads().size(),
                        rows * plan.spec().heads().size());
            }
        } catch (CudaException e) {
            throw device.failed("scoring " + batch.rows() + " rows of " + id(), e);
        } finally {
            free.add(lane);
        }
        // The kernel applied each head's base calibration; a sliced head's offsets need the rows' ids, on the host.
        Scorer.addSliceOffsets(plan.spec(), batch, out, batch.rows());
    }

    /**
     * Milliseconds per forward pass of the first {@code batch.rows()} rows (at most one lane's rows) with the inputs
     * already on the device: CUDA events around {@code repeats} passes after {@code warmup} untimed ones, each a replay
     * of the lane's captured poisoning and kernels, as {@link #score} runs them, for the padded row count. Copies are
     * not included.
     */
    double kernelMillis(FeatureBatch batch, int warmup, int repeats) {
        Scorer.checkShapes(
                plan.spec(), batch, new float[batch.rows() * plan.spec().heads().size()]);
        if (batch.rows() > plan.maxRows()) {
            throw new IllegalArgumentException(
                    "at most " + plan.maxRows() + " rows per timed pass, was " + batch.rows());
        }
        if (!device.healthy()) {
            throw new GpuFailureException(device.name() + " is unhealthy: no timing until it recovers", null);
        }
        Lane lane = takeLane();
        CUevent start = null;
        CUevent stop = null;
        try {
            cuda.makeCurrent();
            int padded = plan.paddedRows(batch.rows());
            lane.stage(batch, 0, batch.rows(), padded);
            start = event();
            stop = event();
            lane.copyIn(padded);
            CUgraphExec forward = lane.graph(this, padded, false);
            for (int i = 0; i < warmup; i++) {
                JCudaDriver.cuGraphLaunch(forward, lane.stream);
            }
            JCudaDriver.cuEventRecord(start, lane.stream);
            for (int i = 0; i < repeats; i++) {
                JCudaDriver.cuGraphLaunch(forward, lane.stream);
            }
            JCudaDriver.cuEventRecord(stop, lane.stream);
            JCudaDriver.cuEventSynchronize(stop);
            float[] ms = new float[1];
            JCudaDriver.cuEventElapsedTime(ms, start, stop);
            return ms[0] / repeats;
        } catch (CudaException e) {
            throw device.failed("timing " + id(), e);
        } finally {
            // Only what was created; a failure here must not hide the one that brought us here.
            for (CUevent e : new CUevent[] {start, stop}) {
                if (e != null) {
                    try {
                        JCudaDriver.cuEventDestroy(e);
                    } catch (CudaException ignored) {
                        // A failed destroy leaks one event; it changes neither the timing nor the device's health.
                    }
                }
            }
            free.add(lane);
        }
    }

    private static CUevent event() {
        CUevent e = new CUevent();
        JCudaDriver.cuEventCreate(e, 0);
        return e;
    }

    private Lane takeLane() {
        try {
            return free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a stream of " + device.name(), e);
        }
    }

    private String id() {
        return plan.spec().name() + "/" + plan.spec().version();
    }

    /**
     * Frees the weights and every lane on the owner thread. The scheduler closes a version only after its last batch.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        cuda.call(() -> {
            device.freed(this);
            free();
            return null;
        });
    }

    /** Frees what was allocated; on the owner thread. A failed device may refuse: its context goes with it. */
    private void free() {
        RuntimeException first = null;
        for (Lane lane : all) {
            try {
                lane.release();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        try {
            if (weightsAllocated) {
                weightsAllocated = false;
                JCudaDriver.cuMemFree(weights);
            }
        } catch (RuntimeException e) {
            first = first == null ? e : first;
        }
        if (first != null && device.healthy()) {
            throw first;
        }
    }

    private void launch(CUfunction f, DcnPlan.Grid grid, CUstream stream, Pointer params) {
        JCudaDriver.cuLaunchKernel(
                f, grid.x(), grid.y(), 1, grid.threads(), 1, 1, grid.sharedBytes(), stream, params, null);
    }

    /** One stream and its buffers; used by one thread at a time. */
    private static final class Lane {
        private final DcnPlan plan;
        private final int slots;
        private final int denseDims;
        private final int heads;
        final CUstream stream = new CUstream();
        private final Pointer host = new Pointer();
        private final CUdeviceptr dev = new CUdeviceptr();
        private IntBuffer ids;
        private FloatBuffer dense;
        FloatBuffer scores;
        private long hostIds;
        private long hostDense;
        private long hostScores;
        private CUdeviceptr devIds;
        private CUdeviceptr devDense;
        private CUdeviceptr devScores;
        private final CUdeviceptr[] activations = new CUdeviceptr[DcnPlan.Buffer.values().length];
        /** Instantiated graphs by padded rows: with the copies (score) and without (kernelMillis). */
        private final Map<Integer, CUgraphExec> withCopies = new HashMap<>();

        private final Map<Integer, CUgraphExec> kernelsOnly = new HashMap<>();
        private boolean hasStream;
        private boolean hasHost;
        private boolean hasDevice;

        Lane(DcnPlan plan) {
            this.plan = plan;
            this.slots = plan.spec().schema().sparseSlots();
            this.denseDims = plan.spec().schema().denseDims();
            this.heads = plan.spec().heads().size();
        }

        /** One pinned host block and one device block, carved into the lane's buffers as the plan lays them out. */
        void allocate() {
            JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
            hasStream = true;
            long[] hostSizes = plan.laneHostPieces();
            long[] hostAt = DcnPlan.layout(hostSizes);
            JCudaDriver.cuMemAllocHost(host, hostAt[hostSizes.length]);
            hasHost = true;
            hostIds = hostAt[0];
            hostDense = hostAt[1];
            hostScores = hostAt[2];
            ids = host.getByteBuffer(hostIds, hostSizes[0])
                    .order(ByteOrder.nativeOrder())
                    .asIntBuffer();
            dense = host.getByteBuffer(hostDense, hostSizes[1])
                    .order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            scores = host.getByteBuffer(hostScores, hostSizes[2])
                    .order(ByteOrder.nativeOrder())
                    .asFloatBuffer();

            long[] devSizes = plan.laneDevicePieces();
            long[] devAt = DcnPlan.layout(devSizes);
            JCudaDriver.cuMemAlloc(dev, devAt[devSizes.length]);
            hasDevice = true;
            devIds = dev.withByteOffset(devAt[0]);
            devDense = dev.withByteOffset(devAt[1]);
            devScores = dev.withByteOffset(devAt[2]);
            activations[DcnPlan.Buffer.X0.ordinal()] = dev.withByteOffset(devAt[3]);
            activations[DcnPlan.Buffer.PING.ordinal()] = dev.withByteOffset(devAt[4]);
            activations[DcnPlan.Buffer.PONG.ordinal()] = dev.withByteOffset(devAt[5]);
        }

        /**
         * Copies rows {@code [from, from + rows)} of the batch into pinned memory, then pad rows up to {@code padded}:
         * id 0 (a valid row of every table) and zero dense values.
         */
        void stage(FeatureBatch batch, int from, int rows, int padded) {
            ids.clear();
            ids.put(batch.sparse(), from * slots, rows * slots);
            for (int i = rows * slots; i < padded * slots; i++) {
                ids.put(i, 0);
            }
            dense.clear();
            dense.put(batch.dense(), from * denseDims, rows * denseDims);
            for (int i = rows * denseDims; i < padded * denseDims; i++) {
                dense.put(i, 0f);
            }
            scores.clear();
        }

        /**
         * The lane's graph for {@code padded} rows, captured from its stream on first use: copy in, poison, forward,
         * copy out when {@code copies}, else poison and forward alone. Capture is thread-local, so other lanes and the
         * owner thread go on meanwhile.
         */
        CUgraphExec graph(GpuScorer scorer, int padded, boolean copies) {
            Map<Integer, CUgraphExec> graphs = copies ? withCopies : kernelsOnly;
            CUgraphExec exec = graphs.get(padded);
            if (exec != null) {
                return exec;
            }
            CUgraph graph = new CUgraph();
            JCudaDriver.cuStreamBeginCapture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
            RuntimeException failure = null;
            try {
                if (copies) {
                    enqueue(scorer, padded);
                } else {
                    forward(scorer, padded);
                }
            } catch (RuntimeException e) {
                failure = e;
            }
            try {
                // Ends the capture whatever happened, so that the stream is usable again.
                JCudaDriver.cuStreamEndCapture(stream, graph);
            } catch (RuntimeException e) {
                if (failure == null) {
                    throw e;
                }
                failure.addSuppressed(e);
                throw failure;
            }
            try {
                if (failure != null) {
                    throw failure;
                }
                exec = new CUgraphExec();
                JCudaDriver.cuGraphInstantiate(exec, graph, 0);
                graphs.put(padded, exec);
                return exec;
            } finally {
                JCudaDriver.cuGraphDestroy(graph);
            }
        }

        void copyIn(int rows) {
            JCudaDriver.cuMemcpyHtoDAsync(
                    devIds, host.withByteOffset(hostIds), (long) rows * slots * Integer.BYTES, stream);
            JCudaDriver.cuMemcpyHtoDAsync(
                    devDense, host.withByteOffset(hostDense), (long) rows * denseDims * Float.BYTES, stream);
        }

        /**
         * Copy in, poison the scores, run the forward pass, copy the scores out: all asynchronous on the lane's stream
         * (captured by {@link #graph}).
         */
        void enqueue(GpuScorer scorer, int rows) {
            copyIn(rows);
            forward(scorer, rows);
            JCudaDriver.cuMemcpyDtoHAsync(
                    host.withByteOffset(hostScores), devScores, (long) rows * heads * Float.BYTES, stream);
        }

        void forward(GpuScorer scorer, int rows) {
            JCudaDriver.cuMemsetD32Async(devScores, NAN_BITS, (long) rows * heads, stream);
            CUdeviceptr x0 = activations[DcnPlan.Buffer.X0.ordinal()];
            for (DcnPlan.Step step : plan.steps()) {
                DcnPlan.Grid grid = DcnPlan.grid(step, rows, plan.precision(), scorer.cuda.maxSharedBytes);
                if (step instanceof DcnPlan.Gather g) {
                    List<Pointer> params = new ArrayList<>(List.of(
                            Pointer.to(devIds),
                            Pointer.to(devDense),
                            Pointer.to(scorer.weights.withByteOffset(plan.tableOffsetBytes()))));
                    if (g.storage() == EmbeddingStorage.INT8) { // gather_concat_int8 takes the scales next
                        params.add(Pointer.to(scorer.weights.withByteOffset(plan.scalesOffsetBytes())));
                    }
                    params.addAll(List.of(
                            Pointer.to(x0),
                            ints(rows),
                            ints(g.slots()),
                            ints(g.dim()),
                            ints(g.denseDims()),
                            ints(g.tableRows())));
                    if (plan.bf16Activations()) { // the _into_bf16 gathers take x0's row width last
                        params.add(ints(g.ld()));
                    }
                    scorer.launch(
                            (plan.bf16Activations() ? scorer.cuda.gatherIntoBf16 : scorer.cuda.gather).get(g.storage()),
                            grid,
                            stream,
                            Pointer.to(params.toArray(Pointer[]::new)));
                } else if (step instanceof DcnPlan.Linear l) {
                    scorer.launch(
                            scorer.cuda.linear.get(grid.kernel()),
                            grid,
                            stream,
                            Pointer.to(
                                    Pointer.to(activations[l.in().ordinal()]),
                                    Pointer.to(scorer.at(l.weight())),
                                    Pointer.to(scorer.at(l.bias())),
                                    Pointer.to(x0),
                                    Pointer.to(activations[l.out().ordinal()]),
                                    ints(rows),
                                    ints(l.outWidth()),
                                    ints(l.inWidth()),
                                    ints(l.epilogue().code)));
                } else if (step instanceof DcnPlan.Head h) {
                    scorer.launch(
                            plan.bf16Activations() ? scorer.cuda.headBf16 : scorer.cuda.head,
                            grid,
                            stream,
                            Pointer.to(
                                    Pointer.to(activations[h.in().ordinal()]),
                                    Pointer.to(scorer.at(h.weight())),
                                    Pointer.to(scorer.at(h.bias())),
                                    Pointer.to(scorer.at(h.calibration())),
                                    Pointer.to(devScores),
                                    ints(rows),
                                    ints(h.inWidth()),
                                    ints(h.heads())));
                }
            }
        }

        /** Fails as {@code fault} asks, on this lane's stream; always throws a {@link CudaException}. */
        void fail(GpuScorer scorer, GpuFault fault) {
            if (fault == GpuFault.LAUNCH) {
                // 2,048 threads in a block: over every card's limit of 1,024, refused at launch.
                JCudaDriver.cuLaunchKernel(scorer.cuda.trap, 1, 1, 1, 2048, 1, 1, 0, stream, Pointer.to(), null);
            } else {
                JCudaDriver.cuLaunchKernel(scorer.cuda.trap, 1, 1, 1, 1, 1, 1, 0, stream, Pointer.to(), null);
                JCudaDriver.cuStreamSynchronize(stream);
            }
            throw new CudaException("injected " + fault + " fault was not reported by CUDA");
        }

        /**
         * Drops every handle without freeing it: the context they lived in is gone, and its memory with it. The host
         * buffers go too, so that a lane used before it is allocated again fails on a null, not in freed memory.
         */
        void forget() {
            withCopies.clear();
            kernelsOnly.clear();
            hasStream = false;
            hasHost = false;
            hasDevice = false;
            ids = null;
            dense = null;
            scores = null;
        }

        private static Pointer ints(int value) {
            return Pointer.to(new int[] {value});
        }

        void release() {
            RuntimeException first = null;
            for (Map<Integer, CUgraphExec> graphs : List.of(withCopies, kernelsOnly)) {
                for (CUgraphExec exec : graphs.values()) {
                    try {
                        JCudaDriver.cuGraphExecDestroy(exec);
                    } catch (RuntimeException e) {
                        first = first == null ? e : first;
                    }
                }
                graphs.clear();
            }
            if (first != null) {
                throw first;
            }
            if (hasDevice) {
                hasDevice = false;
                JCudaDriver.cuMemFree(dev);
            }
            if (hasHost) {
                hasHost = false;
                JCudaDriver.cuMemFreeHost(host);
            }
            if (hasStream) {
                hasStream = false;
                JCudaDriver.cuStreamDestroy(stream);
            }
        }
    }

    private CUdeviceptr at(DcnPlan.Region region) {
        return weights.withByteOffset(plan.offsetBytes(region));
    }
}
