package io.inferfn.quantize;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Model input as JSON Lines, one object per row naming each input, its value without the batch
 * dimension: {@code {"input_ids": [101, 7592, 102], "attention_mask": [1, 1, 1], "label": 1}}. Rows
 * may differ in shape (token sequences of different lengths); such rows are scored one per call.
 * Values are converted to the type the model declares (float, double, int64, int32, int8, uint8,
 * bool, string); an optional {@code label} (0/1 or true/false) gives AUC.
 */
public final class JsonSamples implements Samples {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Map<String, JsonNode>> rows;
    private final boolean[] labels;
    private final String origin;

    private JsonSamples(List<Map<String, JsonNode>> rows, boolean[] labels, String origin) {
        this.rows = rows;
        this.labels = labels;
        this.origin = origin;
    }

    /** Reads {@code file}; every malformed line is reported with its number. */
    public static JsonSamples read(Path file) {
        List<Map<String, JsonNode>> rows = new ArrayList<>();
        List<Boolean> labels = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new QuantizeException(file + " line " + number + ": not JSON (" + e.getOriginalMessage()
                            + "); expected one object per line naming each input");
                }
                if (!node.isObject()) {
                    throw new QuantizeException(file + " line " + number + ": a JSON " + node.getNodeType()
                            + "; expected an object naming each input, e.g. {\"input_ids\": [101, 102]}");
                }
                Map<String, JsonNode> row = new LinkedHashMap<>();
                Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> f = fields.next();
                    if (f.getKey().equals("label")) {
                        JsonNode l = f.getValue();
                        if (!l.isNumber() && !l.isBoolean()) {
                            throw new QuantizeException(
                                    file + " line " + number + ": 'label' must be 0/1 or true/false; got " + l);
                        }
                        labels.add(l.isBoolean() ? l.booleanValue() : l.doubleValue() >= 0.5);
                    } else {
                        row.put(f.getKey(), f.getValue());
                    }
                }
                if (!labels.isEmpty() && labels.size() != rows.size() + 1) {
                    throw new QuantizeException(file + " line " + number + ": no 'label' where earlier lines have one");
                }
                rows.add(row);
            }
        } catch (IOException e) {
            throw new QuantizeException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (rows.isEmpty()) {
            throw new QuantizeException(file + " holds no rows; expected one JSON object per line");
        }
        if (!labels.isEmpty() && labels.size() != rows.size()) {
            throw new QuantizeException(file + ": " + labels.size() + " of " + rows.size() + " rows have a 'label';"
                    + " give every row one or none");
        }
        boolean[] l = null;
        if (!labels.isEmpty()) {
            l = new boolean[labels.size()];
            for (int i = 0; i < l.length; i++) {
                l[i] = labels.get(i);
            }
        }
        return new JsonSamples(rows, l, file.toString());
    }

    /** Rows built in code (tests, benchmarks): each maps input names to JSON values. */
    public static JsonSamples of(List<Map<String, JsonNode>> rows, boolean[] labels) {
        return new JsonSamples(List.copyOf(rows), labels, "rows");
    }

    @Override
    public int size() {
        return rows.size();
    }

    @Override
    public boolean[] labels() {
        return labels;
    }

    @Override
    public int maxBatch() {
        return 1;
    }

    @Override
    public Samples head(int n) {
        return n >= rows.size()
                ? this
                : new JsonSamples(rows.subList(0, n), labels == null ? null : Arrays.copyOf(labels, n), origin);
    }

    @Override
    public Map<String, OnnxTensor> tensors(OrtEnvironment env, OrtSession session, int from, int n)
            throws OrtException {
        if (n != 1) {
            throw new IllegalArgumentException("JSON Lines rows are scored one per call");
        }
        return build(env, session, rows.get(from), from, 1);
    }

    @Override
    public Map<String, OnnxTensor> repeated(OrtEnvironment env, OrtSession session, int n) throws OrtException {
        return build(env, session, rows.get(0), 0, n);
    }

    private Map<String, OnnxTensor> build(
            OrtEnvironment env, OrtSession session, Map<String, JsonNode> row, int index, int copies)
            throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        for (String name : row.keySet()) {
            if (!inputs.containsKey(name)) {
                throw new QuantizeException(
                        where(index) + ": '" + name + "' is not an input of the model; it takes " + inputs.keySet());
            }
        }
        Map<String, OnnxTensor> out = new HashMap<>();
        try {
            for (Map.Entry<String, NodeInfo> input : inputs.entrySet()) {
                JsonNode value = row.get(input.getKey());
                if (value == null) {
                    throw new QuantizeException(where(index) + ": no value for input '" + input.getKey()
                            + "'; the model takes " + inputs.keySet());
                }
                out.put(
                        input.getKey(),
                        tensor(
                                env,
                                input.getKey(),
                                (TensorInfo) input.getValue().getInfo(),
                                value,
                                index,
                                copies));
            }
            return out;
        } catch (RuntimeException | OrtException e) {
            out.values().forEach(OnnxTensor::close);
            throw e;
        }
    }

    private OnnxTensor tensor(OrtEnvironment env, String name, TensorInfo info, JsonNode value, int index, int copies)
            throws OrtException {
        long[] declared = info.getShape();
        List<Long> dims = new ArrayList<>();
        List<JsonNode> leaves = new ArrayList<>();
        flatten(value, 0, dims, leaves, name, index);
        if (dims.size() != declared.length - 1) {
            throw new QuantizeException(where(index) + ": input '" + name + "' takes rank " + declared.length
                    + " tensors " + Arrays.toString(declared) + " (the first dimension is the batch); give each row's"
                    + " value with rank " + (declared.length - 1) + ", not " + dims.size());
        }
        long[] shape = new long[declared.length];
        shape[0] = copies;
        for (int i = 0; i < dims.size(); i++) {
            shape[i + 1] = dims.get(i);
            if (declared[i + 1] > 0 && declared[i + 1] != dims.get(i)) {
                throw new QuantizeException(where(index) + ": input '" + name + "' dimension " + (i + 1) + " must be "
                        + declared[i + 1] + "; got " + dims.get(i));
            }
        }
        int per = leaves.size();
        int total = per * copies;
        try {
            return switch (info.type) {
                case FLOAT -> {
                    FloatBuffer b = FloatBuffer.allocate(total);
                    for (int c = 0; c < copies; c++) {
                        for (JsonNode leaf : leaves) {
                            b.put((float) number(leaf));
                        }
                    }
                    yield OnnxTensor.createTensor(env, b.flip(), shape);
                }
                case DOUBLE -> {
                    DoubleBuffer b = DoubleBuffer.allocate(total);
                    for (int c = 0; c < copies; c++) {
                        for (JsonNode leaf : leaves) {
                            b.put(number(leaf));
                        }
                    }
                    yield OnnxTensor.createTensor(env, b.flip(), shape);
                }
                case INT64 -> {
                    LongBuffer b = LongBuffer.allocate(total);
                    for (int c = 0; c < copies; c++) {
                        for (JsonNode leaf : leaves) {
                            b.put(integer(leaf));
                        }
                    }
                    yield OnnxTensor.createTensor(env, b.flip(), shape);
                }
                case INT32 -> {
                    IntBuffer b = IntBuffer.allocate(total);
                    for (int c = 0; c < copies; c++) {
                        for (JsonNode leaf : leaves) {
                            b.put(Math.toIntExact(integer(leaf)));
                        }
                    }
                    yield OnnxTensor.createTensor(env, b.flip(), shape);
                }
                case INT8, UINT8, BOOL -> {
                    ByteBuffer b = ByteBuffer.allocate(total);
                    for (int c = 0; c < copies; c++) {
                        for (JsonNode leaf : leaves) {
                            b.put(leaf.isBoolean() ? (byte) (leaf.booleanValue() ? 1 : 0) : (byte) integer(leaf));
                        }
                    }
                    yield OnnxTensor.createTensor(env, b.flip(), shape, info.type);
                }
                case STRING -> {
                    String[] s = new String[total];
                    for (int i = 0; i < total; i++) {
                        JsonNode leaf = leaves.get(i % per);
                        if (!leaf.isTextual()) {
                            throw new IllegalArgumentException("expected a string, got " + leaf);
                        }
                        s[i] = leaf.textValue();
                    }
                    yield OnnxTensor.createTensor(env, s, shape);
                }
                default ->
                    throw new QuantizeException("input '" + name + "' is " + info.type + "; verify fills float, double,"
                            + " int64, int32, int8, uint8, bool and string inputs");
            };
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new QuantizeException(where(index) + ": input '" + name + "' (" + info.type + "): " + e.getMessage());
        }
    }

    private void flatten(JsonNode node, int depth, List<Long> dims, List<JsonNode> leaves, String name, int index) {
        if (!node.isArray()) {
            if (depth < dims.size()) {
                throw new QuantizeException(where(index) + ": input '" + name + "' is not rectangular (a value where"
                        + " an array of " + dims.get(depth) + " was expected)");
            }
            leaves.add(node);
            return;
        }
        if (depth == dims.size()) {
            if (!leaves.isEmpty()) {
                throw new QuantizeException(where(index) + ": input '" + name
                        + "' is not rectangular (an array where a value was expected)");
            }
            dims.add((long) node.size());
        } else if (dims.get(depth) != node.size()) {
            throw new QuantizeException(where(index) + ": input '" + name + "' is not rectangular (arrays of "
                    + dims.get(depth) + " and " + node.size() + " at depth " + (depth + 1) + ")");
        }
        for (JsonNode child : node) {
            flatten(child, depth + 1, dims, leaves, name, index);
        }
    }

    private static double number(JsonNode leaf) {
        if (!leaf.isNumber()) {
            throw new IllegalArgumentException("expected a number, got " + leaf);
        }
        return leaf.doubleValue();
    }

    private static long integer(JsonNode leaf) {
        if (!leaf.isIntegralNumber()) {
            throw new IllegalArgumentException("expected an integer, got " + leaf);
        }
        return leaf.longValue();
    }

    private String where(int index) {
        return origin + " row " + (index + 1);
    }
}
