package io.inferfn.quantize;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

/** Measures activation ranges for static quantization by running the fp32 graph on calibration rows. */
final class Calibrator {

    private static final int BATCH = 256;

    private Calibrator() {}

    /** [min, max] per activation name, by min/max or by the options' percentile. */
    static Map<String, float[]> ranges(ModelProto model, Set<String> activations, QuantizeOptions options) {
        GraphProto graph = model.getGraph();
        Set<String> initializers = new HashSet<>();
        for (TensorProto t : graph.getInitializerList()) {
            initializers.add(t.getName());
        }
        List<ValueInfoProto> inputs = new ArrayList<>();
        for (ValueInfoProto v : graph.getInputList()) {
            if (!initializers.contains(v.getName())) {
                inputs.add(v);
            }
        }
        if (inputs.size() != 1) {
            throw new QuantizeException("static quantization calibrates graphs with one input; this one has "
                    + inputs.stream().map(ValueInfoProto::getName).toList());
        }
        ValueInfoProto input = inputs.get(0);
        long[] rowShape = rowShape(input);
        long width = Arrays.stream(rowShape).reduce(1, (a, b) -> a * b);
        float[][] rows = options.calibration();
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length != width) {
                throw new QuantizeException("calibration row " + (r + 1) + " has " + rows[r].length
                        + " values; input '" + input.getName() + "' takes " + width + " per row "
                        + Arrays.toString(rowShape));
            }
        }
        GraphProto.Builder probe = graph.toBuilder();
        List<String> outputs = new ArrayList<>();
        for (String name : activations) {
            if (!name.equals(input.getName())) {
                probe.addOutput(ValueInfoProto.newBuilder()
                        .setName(name)
                        .setType(TypeProto.newBuilder()
                                .setTensorType(TypeProto.Tensor.newBuilder()
                                        .setElemType(TensorProto.DataType.FLOAT.getNumber()))));
                outputs.add(name);
            }
        }
        Map<String, Stats> stats = new HashMap<>();
        for (String name : activations) {
            stats.put(name, new Stats(options.method() == QuantizeOptions.Calibration.PERCENTILE));
        }
        if (stats.containsKey(input.getName())) {
            for (float[] row : rows) {
                stats.get(input.getName()).add(row, row.length);
            }
        }
        OrtEnvironment env = io.inferfn.model.OnnxModel.environment();
        byte[] probeBytes = model.toBuilder().setGraph(probe).build().toByteArray();
        try (OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions();
                OrtSession session = env.createSession(probeBytes, sessionOptions)) {
            for (int from = 0; from < rows.length && !outputs.isEmpty(); from += BATCH) {
                int n = Math.min(BATCH, rows.length - from);
                try (OnnxTensor tensor = ModelVerifier.tensor(env, rows, from, n, rowShape);
                        OrtSession.Result result =
                                session.run(Map.of(input.getName(), tensor), new HashSet<>(outputs))) {
                    for (String name : outputs) {
                        OnnxValue value = result.get(name).orElseThrow();
                        FloatBuffer values = ((OnnxTensor) value).getFloatBuffer();
                        float[] copy = new float[values.remaining()];
                        values.get(copy);
                        stats.get(name).add(copy, copy.length);
                    }
                }
            }
        } catch (OrtException e) {
            throw new QuantizeException("calibration run failed in ONNX Runtime: " + e.getMessage(), e);
        }
        Map<String, float[]> ranges = new HashMap<>();
        for (Map.Entry<String, Stats> e : stats.entrySet()) {
            float[] range = e.getValue().range(options.percentile());
            if (!Float.isFinite(range[0]) || !Float.isFinite(range[1])) {
                throw new QuantizeException("calibration of '" + e.getKey() + "' produced a non-finite range ["
                        + range[0] + ", " + range[1] + "]; check the calibration rows and the fp32 model");
            }
            ranges.put(e.getKey(), range);
        }
        return ranges;
    }

    /** The non-batch dimensions of a graph input; every one must be static. */
    private static long[] rowShape(ValueInfoProto input) {
        List<TensorShapeProto.Dimension> dims =
                input.getType().getTensorType().getShape().getDimList();
        if (dims.size() < 2) {
            throw new QuantizeException("input '" + input.getName() + "' must be [batch, ...] to calibrate");
        }
        long[] shape = new long[dims.size() - 1];
        for (int i = 1; i < dims.size(); i++) {
            if (!dims.get(i).hasDimValue()) {
                throw new QuantizeException("input '" + input.getName() + "' has a dynamic dimension " + i
                        + "; calibration needs fixed row shapes");
            }
            shape[i - 1] = dims.get(i).getDimValue();
        }
        return shape;
    }

    /** Runs a session once on all-zero inputs (dynamic dimensions as 1), proving its kernels exist. */
    static void runZeros(OrtEnvironment env, OrtSession session) throws OrtException {
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
                if (!(e.getValue().getInfo() instanceof TensorInfo info) || info.type != OnnxJavaType.FLOAT) {
                    return; // nothing generic to feed; loading the session was the check
                }
                long[] shape = info.getShape().clone();
                long size = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shape[i] < 0 ? 1 : shape[i];
                    size *= shape[i];
                }
                inputs.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.allocate((int) size), shape));
            }
            session.run(inputs).close();
        } finally {
            for (OnnxTensor t : inputs.values()) {
                t.close();
            }
        }
    }

    /** Running min/max, or every value when a percentile is wanted. */
    private static final class Stats {
        private final boolean keepAll;
        private float min = Float.POSITIVE_INFINITY;
        private float max = Float.NEGATIVE_INFINITY;
        private float[] all = new float[0];
        private int size;

        Stats(boolean keepAll) {
            this.keepAll = keepAll;
        }

        void add(float[] values, int n) {
            for (int i = 0; i < n; i++) {
                min = Math.min(min, values[i]);
                max = Math.max(max, values[i]);
            }
            if (keepAll) {
                if (size + n > all.length) {
                    all = Arrays.copyOf(all, Math.max(all.length * 2, size + n));
                }
                System.arraycopy(values, 0, all, size, n);
                size += n;
            }
        }

        float[] range(double percentile) {
            if (!keepAll || size == 0) {
                return new float[] {min, max};
            }
            float[] sorted = Arrays.copyOf(all, size);
            Arrays.sort(sorted);
            int hi = (int) Math.min(size - 1, Math.ceil(percentile / 100.0 * size) - 1);
            int lo = (int) Math.max(0, Math.floor((100.0 - percentile) / 100.0 * size));
            return new float[] {sorted[lo], sorted[Math.max(lo, hi)]};
        }
    }
}
