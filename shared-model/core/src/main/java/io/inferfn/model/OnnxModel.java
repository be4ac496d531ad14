package io.inferfn.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

/**
 * An ONNX Runtime session for one model, checked against its manifest, with pooled I/O buffers so
 * that scoring does not allocate what can be reused.
 *
 * <p>A scoring call borrows a {@link Run}: a direct input and output buffer that ORT reads and
 * writes in place (no copies) and, for the most common single-row call, a cached pair of tensors
 * over those buffers, so a one-row prediction creates no ORT objects at all. The pool holds at
 * most as many buffers as calls ever ran at once (bounded by the worker pool), whichever threads
 * come and go; batches create their tensors per call and close them before returning.
 */
public final class OnnxModel implements AutoCloseable {

    private static final OrtEnvironment ENV =
            OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "inferfn");

    /** Idle buffer sets kept for reuse; more concurrent calls than this allocate and drop extras. */
    private static final int MAX_IDLE = 64;

    private final OrtSession session;
    private final String inputName;
    private final String outputName;
    private final int width;
    /** Columns per output row; -1 when the graph leaves them dynamic (then outputs are copied). */
    private final int outputColumns;
    /** Whether the output is [batch] rather than [batch, columns]. */
    private final boolean outputRank1;

    /** The inputs and output of a model beyond one float32 tensor and a binary score, else null. */
    private final ModelIo io;

    /** A text model's tokenizer and pooling, else null. */
    private TextModel text;

    /** Where the session runs: "CPU", "CUDA device 0", or the CPU with the reason CUDA was not available. */
    private String provider = "CPU";

    private final ConcurrentLinkedDeque<Run> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();

    private OnnxModel(
            OrtSession session, String inputName, String outputName, int width, int outputColumns, boolean rank1) {
        this(session, inputName, outputName, width, outputColumns, rank1, null);
    }

    private OnnxModel(
            OrtSession session,
            String inputName,
            String outputName,
            int width,
            int outputColumns,
            boolean rank1,
            ModelIo io) {
        this.io = io;
        this.session = session;
        this.inputName = inputName;
        this.outputName = outputName;
        this.width = width;
        this.outputColumns = outputColumns;
        this.outputRank1 = rank1;
    }

    /**
     * Creates the session from the model bytes and checks the manifest against the session's own
     * input/output metadata.
     *
     * @param width the number of feature columns the manifest fills
     * @param origin the model file, for error messages
     */
    public static OnnxModel create(byte[] onnx, ModelManifest manifest, int width, OnnxOptions options, String origin) {
        return create(onnx, manifest, new int[] {width}, options, origin);
    }

    /**
     * Creates the session and checks the manifest against its metadata, for a model of any number of inputs.
     *
     * @param widths the number of columns the manifest's features fill, per input in manifest order
     */
    public static OnnxModel create(
            byte[] onnx, ModelManifest manifest, int[] widths, OnnxOptions options, String origin) {
        return create(onnx, manifest, widths, options, origin, null, 0);
    }

    /**
     * Creates the session of a text model and checks its inputs and output ({@link TextModel#check}).
     *
     * @param tokenizer the model's tokenizer, closed with the model (and on a failed check)
     * @param maxLength the tokens per text the tokenizer was loaded with
     */
    public static OnnxModel createText(
            byte[] onnx,
            ModelManifest manifest,
            OnnxOptions options,
            String origin,
            TextTokenizer tokenizer,
            int maxLength) {
        try {
            return create(onnx, manifest, new int[] {0}, options, origin, tokenizer, maxLength);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    private static OnnxModel create(
            byte[] onnx,
            ModelManifest manifest,
            int[] widths,
            OnnxOptions options,
            String origin,
            TextTokenizer tokenizer,
            int maxLength) {
        OrtSession session;
        String provider = "CPU";
        try (OrtSession.SessionOptions sessionOptions = options.toSessionOptions()) {
            // the manifest's own choice (a transformer asking for the GPU) wins over the function's setting
            String asked =
                    manifest.executionProvider() != null ? manifest.executionProvider() : options.executionProvider();
            int device = OnnxOptions.cudaDevice(asked);
            if (device >= 0) {
                try {
                    sessionOptions.addCUDA(device);
                    provider = "CUDA device " + device;
                } catch (OrtException | RuntimeException e) {
                    // the CPU build of ONNX Runtime has no CUDA provider, or the host has no CUDA: serve on the CPU
                    provider = "CPU (CUDA device " + device + " requested; unavailable: " + e.getMessage() + ")";
                }
            }
            session = ENV.createSession(onnx, sessionOptions);
        } catch (OrtException e) {
            throw new ModelLoadException(
                    "ONNX Runtime cannot load " + origin + ": " + e.getMessage()
                            + " (is it a valid ONNX model of a supported opset?)",
                    e);
        }
        try {
            OnnxModel model;
            if (manifest.text() != null) {
                String at = "manifest of " + manifest.name() + " vs " + origin + ": ";
                model = new OnnxModel(session, null, manifest.output().tensor(), 0, -1, false, null);
                model.text = TextModel.check(ENV, session, manifest, tokenizer, maxLength, at);
            } else {
                model = check(session, manifest, widths, origin);
            }
            model.provider = provider;
            return model;
        } catch (RuntimeException | OrtException e) {
            try {
                session.close();
            } catch (OrtException ignored) {
                // the check failure is the error worth reporting
            }
            if (e instanceof ModelLoadException m) {
                throw m;
            }
            throw new ModelLoadException("cannot read the metadata of " + origin + ": " + e.getMessage(), e);
        }
    }

    private static OnnxModel check(OrtSession session, ModelManifest manifest, int[] widths, String origin)
            throws OrtException {
        String at = "manifest of " + manifest.name() + " vs " + origin + ": ";
        if (!servedAsOneFloatTensor(session, manifest)) {
            ModelIo io = ModelIo.check(ENV, session, manifest, widths, at);
            return new OnnxModel(session, null, manifest.output().tensor(), widths[0], -1, false, io);
        }
        int width = widths[0];
        ModelManifest.InputSpec input = manifest.input();
        Map<String, NodeInfo> inputs = session.getInputInfo();
        if (inputs.size() != 1 || !inputs.containsKey(input.name())) {
            throw new ManifestException(at + "expected exactly one input named '" + input.name()
                    + "'; the model has inputs " + inputs.keySet());
        }
        TensorInfo in = tensorInfo(inputs.get(input.name()), at, "input");
        if (in.type != OnnxJavaType.FLOAT) {
            throw new ManifestException(at + "input '" + input.name() + "' is " + in.type + "; expected FLOAT");
        }
        long[] inShape = in.getShape();
        if (inShape.length != 2) {
            throw new ManifestException(at + "input '" + input.name() + "' has shape " + Arrays.toString(inShape)
                    + "; expected [batch, " + width + "]");
        }
        if (inShape[1] > 0 && inShape[1] != width) {
            throw new ManifestException(at + "input '" + input.name() + "' has " + inShape[1]
                    + " columns; the manifest's features fill " + width);
        }
        if (inShape[0] > 0) {
            throw new ManifestException(at + "input '" + input.name() + "' has a fixed batch size of " + inShape[0]
                    + "; export it with a dynamic batch axis (e.g. dynamic_axes={'" + input.name()
                    + "': {0: 'batch'}})");
        }
        long declared = input.shape().get(1);
        if (declared != width) {
            throw new ManifestException(at + "input shape says " + declared + " columns; its features fill " + width);
        }
        ModelManifest.OutputSpec output = manifest.output();
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        NodeInfo outInfo = outputs.get(output.tensor());
        if (outInfo == null) {
            throw new ManifestException(
                    at + "output tensor '" + output.tensor() + "' does not exist; the model has " + outputs.keySet());
        }
        TensorInfo out = tensorInfo(outInfo, at, "output");
        if (out.type != OnnxJavaType.FLOAT) {
            throw new ManifestException(
                    at + "output '" + output.tensor() + "' is " + out.type + "; expected FLOAT scores");
        }
        long[] outShape = out.getShape();
        if (outShape.length < 1 || outShape.length > 2) {
            throw new ManifestException(at + "output '" + output.tensor() + "' has shape " + Arrays.toString(outShape)
                    + "; expected [batch] or [batch, columns]");
        }
        int columns = outShape.length == 1 ? 1 : (int) outShape[1];
        if (columns > 0 && output.columnIndex() >= columns) {
            throw new ManifestException(at + "output column " + output.columnIndex() + " does not exist; '"
                    + output.tensor() + "' has " + columns + " column(s)");
        }
        return new OnnxModel(session, input.name(), output.tensor(), width, columns, outShape.length == 1);
    }

    /**
     * Whether the model is today's shape, served through the pooled single-tensor path: one float32 input
     * {@code [batch, columns]} in the manifest and the session, and a binary score read from a float tensor.
     */
    private static boolean servedAsOneFloatTensor(OrtSession session, ModelManifest manifest) throws OrtException {
        if (manifest.inputs().size() != 1) {
            return false;
        }
        ModelManifest.InputSpec input = manifest.input();
        if (input.elementType() != ModelManifest.InputType.FLOAT32
                || input.rank1()
                || manifest.output().outputKind() != ModelManifest.OutputKind.BINARY
                || session.getInputInfo().size() > 1) {
            return false;
        }
        NodeInfo out = session.getOutputInfo().get(manifest.output().tensor());
        return out == null || out.getInfo() instanceof TensorInfo;
    }

    private static TensorInfo tensorInfo(NodeInfo node, String at, String role) {
        if (node.getInfo() instanceof TensorInfo t) {
            return t;
        }
        throw new ManifestException(at + role + " '" + node.getName() + "' is " + node.getInfo()
                + "; only tensors are supported (export classifiers with zipmap disabled)");
    }

    /** The one ORT environment of the process (every session shares it). */
    public static OrtEnvironment environment() {
        return ENV;
    }

    /**
     * The inputs and output of a model served beyond one float32 feature tensor and one binary score (several
     * inputs, other types, class probabilities, ZipMap, a regression value), or null for today's shape, which
     * {@link #begin} serves from pooled buffers.
     */
    /** Where ONNX Runtime runs this model ({@link OnnxOptions#executionProvider()}), and why not CUDA if asked. */
    public String executionProvider() {
        return provider;
    }

    public ModelIo io() {
        return io;
    }

    /** A text model's tokenizer, session inputs and pooling; null for a tabular model. */
    public TextModel text() {
        return text;
    }

    /** Feature columns per row. */
    public int width() {
        return width;
    }

    /** The ORT session, for tools that need its metadata. */
    public OrtSession session() {
        return session;
    }

    /**
     * Borrows I/O buffers for one call of {@code rows} rows. Fill {@link Run#input()} row-major with
     * {@link #width()} floats per row, call {@link Run#execute()}, read the output, then close the
     * run to return the buffers.
     */
    public Run begin(int rows) {
        if (text != null) {
            throw new IllegalStateException("this is a text model: call it through text()");
        }
        if (io != null) {
            throw new IllegalStateException(
                    "this model is not one float32 tensor and a binary score: call it through io()");
        }
        Run run = idle.pollFirst();
        if (run == null) {
            run = new Run();
        } else {
            idleCount.decrementAndGet();
        }
        run.prepare(rows);
        return run;
    }

    /** Closing the session while calls are in flight would free native memory they use; only close when idle. */
    @Override
    public void close() {
        for (Run run = idle.pollFirst(); run != null; run = idle.pollFirst()) {
            run.release();
        }
        if (text != null) {
            text.close();
        }
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing the ONNX session failed", e);
        }
    }

    /** One call's direct buffers and, for single rows, cached tensors over them. */
    public final class Run implements AutoCloseable {
        private FloatBuffer input = direct(width);
        private FloatBuffer output = direct(Math.max(1, outputColumns));
        private OnnxTensor singleIn;
        private OnnxTensor singleOut;
        private Map<String, OnnxTensor> singleInputs;
        private Map<String, OnnxTensor> singleOutputs;
        private int rows;
        private int stride = Math.max(1, outputColumns);

        void prepare(int rows) {
            this.rows = rows;
            if (input.capacity() < rows * width) {
                input = direct(rows * width);
                releaseSingle();
            }
            ensureOutput(rows * Math.max(1, outputColumns));
            input.clear();
        }

        /** The input buffer, positioned at 0, with room for the call's rows. */
        public FloatBuffer input() {
            return input;
        }

        /**
         * Runs the model over the rows written to {@link #input()} and returns the output, row-major
         * with {@link #stride()} floats per row, valid until this run is closed.
         */
        public FloatBuffer execute() throws OrtException {
            if (outputColumns < 0) {
                return executeCopying();
            }
            if (rows == 1) {
                single();
                session.run(singleInputs, singleOutputs).close();
            } else {
                FloatBuffer in = input.duplicate().position(0).limit(rows * width);
                FloatBuffer out = output.duplicate().position(0).limit(rows * outputColumns);
                try (OnnxTensor inTensor = OnnxTensor.createTensor(ENV, in.slice(), new long[] {rows, width});
                        OnnxTensor outTensor = OnnxTensor.createTensor(ENV, out.slice(), outputShape(rows))) {
                    session.run(Map.of(inputName, inTensor), Map.of(outputName, outTensor))
                            .close();
                }
            }
            output.position(0).limit(rows * outputColumns);
            return output;
        }

        /** Floats per output row in the buffer {@link #execute()} returned. */
        public int stride() {
            return stride;
        }

        private FloatBuffer executeCopying() throws OrtException {
            FloatBuffer in = input.duplicate().position(0).limit(rows * width);
            try (OnnxTensor inTensor = OnnxTensor.createTensor(ENV, in.slice(), new long[] {rows, width});
                    OrtSession.Result result = session.run(Map.of(inputName, inTensor), java.util.Set.of(outputName))) {
                OnnxTensor value = (OnnxTensor) result.get(0);
                long[] shape = value.getInfo().getShape();
                stride = shape.length < 2 ? 1 : (int) shape[1];
                FloatBuffer scores = value.getFloatBuffer();
                ensureOutput(scores.remaining());
                output.clear();
                output.put(scores);
                output.flip();
                return output;
            }
        }

        private long[] outputShape(int n) {
            return outputRank1 ? new long[] {n} : new long[] {n, outputColumns};
        }

        private void ensureOutput(int floats) {
            if (output.capacity() < floats) {
                output = direct(floats);
                releaseSingle();
            }
        }

        private void single() throws OrtException {
            if (singleIn == null) {
                singleIn = OnnxTensor.createTensor(
                        ENV, input.duplicate().position(0).limit(width).slice(), new long[] {1, width});
                singleOut = OnnxTensor.createTensor(
                        ENV, output.duplicate().position(0).limit(outputColumns).slice(), outputShape(1));
                singleInputs = Map.of(inputName, singleIn);
                singleOutputs = Map.of(outputName, singleOut);
            }
        }

        private void releaseSingle() {
            if (singleIn != null) {
                singleIn.close();
                singleOut.close();
                singleIn = null;
                singleOut = null;
            }
        }

        void release() {
            releaseSingle();
        }

        /** Returns the buffers to the pool (or frees them when the pool is full). */
        @Override
        public void close() {
            if (idleCount.incrementAndGet() <= MAX_IDLE) {
                idle.offerFirst(this);
            } else {
                idleCount.decrementAndGet();
                release();
            }
        }
    }

    private static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }
}
