package io.inferfn.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

/**
 * An ONNX Runtime session for one model, checked against its manifest, with per-thread I/O
 * buffers so that scoring does not allocate what can be reused.
 *
 * <p>Each scoring thread owns a direct input and output buffer that ORT reads and writes in place
 * (no copies), and, for the most common single-row call, a cached pair of tensors over those
 * buffers, so a one-row prediction creates no ORT objects at all. Batches create their tensors per
 * call and close them before returning.
 */
public final class OnnxModel implements AutoCloseable {

    private static final OrtEnvironment ENV =
            OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "inferfn");

    private final OrtSession session;
    private final String inputName;
    private final String outputName;
    private final int width;
    /** Columns of the output tensor, or -1 if the graph leaves it dynamic (then outputs are copied). */
    private final int outputColumns;

    private final List<IoBuffers> allBuffers = new ArrayList<>();
    private final ThreadLocal<IoBuffers> buffers = ThreadLocal.withInitial(this::newBuffers);

    private OnnxModel(OrtSession session, String inputName, String outputName, int width, int outputColumns) {
        this.session = session;
        this.inputName = inputName;
        this.outputName = outputName;
        this.width = width;
        this.outputColumns = outputColumns;
    }

    /**
     * Creates the session from the model bytes and checks the manifest against the session's own
     * input/output metadata.
     *
     * @param width the number of feature columns the manifest fills
     * @param origin the model file, for error messages
     */
    public static OnnxModel create(byte[] onnx, ModelManifest manifest, int width, OnnxOptions options, String origin) {
        OrtSession session;
        try (OrtSession.SessionOptions sessionOptions = options.toSessionOptions()) {
            session = ENV.createSession(onnx, sessionOptions);
        } catch (OrtException e) {
            throw new ModelLoadException(
                    "ONNX Runtime cannot load " + origin + ": " + e.getMessage()
                            + " (is it a valid ONNX model of a supported opset?)",
                    e);
        }
        try {
            return check(session, manifest, width, origin);
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

    private static OnnxModel check(OrtSession session, ModelManifest manifest, int width, String origin)
            throws OrtException {
        String at = "manifest of " + manifest.name() + " vs " + origin + ": ";
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
        return new OnnxModel(session, input.name(), output.tensor(), width, columns);
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

    /** Feature columns per row. */
    public int width() {
        return width;
    }

    /** The ORT session, for tools that need its metadata. */
    public OrtSession session() {
        return session;
    }

    /**
     * This thread's input buffer, cleared, with room for {@code rows} rows. Fill it row-major with
     * {@link #width()} floats per row, then call {@link #run(int)} on the same thread.
     */
    public FloatBuffer inputBuffer(int rows) {
        IoBuffers io = buffers.get();
        io.ensure(rows);
        io.input.clear();
        return io.input;
    }

    /**
     * Runs the model over the first {@code rows} rows of this thread's input buffer and returns the
     * output, row-major with {@link #outputStride()} floats per row, valid until the next call on
     * this thread.
     */
    public FloatBuffer run(int rows) throws OrtException {
        IoBuffers io = buffers.get();
        if (outputColumns < 0) {
            return runCopying(io, rows);
        }
        if (rows == 1) {
            io.single();
            session.run(io.singleInputs, io.singleOutputs).close();
        } else {
            FloatBuffer in = io.input.duplicate().position(0).limit(rows * width);
            FloatBuffer out = io.output.duplicate().position(0).limit(rows * outputColumns);
            try (OnnxTensor inTensor = OnnxTensor.createTensor(ENV, in.slice(), new long[] {rows, width});
                    OnnxTensor outTensor =
                            OnnxTensor.createTensor(ENV, out.slice(), new long[] {rows, outputColumns})) {
                session.run(Map.of(inputName, inTensor), Map.of(outputName, outTensor))
                        .close();
            }
        }
        io.output.position(0).limit(rows * outputColumns);
        return io.output;
    }

    private FloatBuffer runCopying(IoBuffers io, int rows) throws OrtException {
        FloatBuffer in = io.input.duplicate().position(0).limit(rows * width);
        try (OnnxTensor inTensor = OnnxTensor.createTensor(ENV, in.slice(), new long[] {rows, width});
                OrtSession.Result result = session.run(Map.of(inputName, inTensor), java.util.Set.of(outputName))) {
            OnnxValue value = result.get(0);
            FloatBuffer scores = ((OnnxTensor) value).getFloatBuffer();
            io.ensureOutput(scores.remaining());
            io.output.clear();
            io.output.put(scores);
            io.output.flip();
            return io.output;
        }
    }

    /** Floats per output row. */
    public int outputStride() {
        return outputColumns < 0 ? 1 : outputColumns;
    }

    @Override
    public void close() {
        synchronized (allBuffers) {
            for (IoBuffers io : allBuffers) {
                io.close();
            }
            allBuffers.clear();
        }
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing the ONNX session failed", e);
        }
    }

    private IoBuffers newBuffers() {
        IoBuffers io = new IoBuffers();
        synchronized (allBuffers) {
            allBuffers.add(io);
        }
        return io;
    }

    /** One thread's direct buffers and its cached single-row tensors. */
    private final class IoBuffers {
        FloatBuffer input = direct(width);
        FloatBuffer output = direct(Math.max(1, outputColumns));
        OnnxTensor singleIn;
        OnnxTensor singleOut;
        Map<String, OnnxTensor> singleInputs;
        Map<String, OnnxTensor> singleOutputs;

        void ensure(int rows) {
            if (input.capacity() < rows * width) {
                input = direct(rows * width);
                closeSingle();
            }
            ensureOutput(rows * Math.max(1, outputColumns));
        }

        void ensureOutput(int floats) {
            if (output.capacity() < floats) {
                output = direct(floats);
                closeSingle();
            }
        }

        void single() throws OrtException {
            if (singleIn == null) {
                singleIn = OnnxTensor.createTensor(
                        ENV, input.duplicate().position(0).limit(width).slice(), new long[] {1, width});
                singleOut = OnnxTensor.createTensor(
                        ENV, output.duplicate().position(0).limit(outputColumns).slice(), new long[] {1, outputColumns
                        });
                singleInputs = Map.of(inputName, singleIn);
                singleOutputs = Map.of(outputName, singleOut);
            }
        }

        void closeSingle() {
            if (singleIn != null) {
                singleIn.close();
                singleOut.close();
                singleIn = null;
                singleOut = null;
            }
        }

        void close() {
            closeSingle();
        }
    }

    private static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }
}
