package io.inferfn.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

/**
 * The five converter shapes of {@link ConverterGraphs} (and a torch softmax), each with its manifest, rows of
 * features and what a direct ONNX Runtime run of the same tensors answers per row: the cases every trigger's test
 * serves ({@code /predict}, event-score messages, batch-score rows), so each shape goes through each trigger.
 */
public final class ConverterCases {

    private ConverterCases() {}

    /** What a row should be answered: the score, the label (null for none) and, for multiclass, the probabilities. */
    public record Expected(float score, String label, Map<String, Float> probabilities) {}

    /** How a feature fills an ONNX input: a float column, an int64 id, or a string category of a [n, 1] input. */
    enum Kind {
        FLOAT,
        INT64,
        STRING
    }

    record Input(String name, Kind kind, List<String> features, boolean rank1) {}

    /**
     * One model: {@code name} is the served model name, {@code manifest} its manifest.json without the sha256
     * (for {@link TinyModels#publish}), {@code rows} the features of each row (numbers as doubles, categories as
     * strings), {@code expected} ONNX Runtime's answer for each row.
     */
    public record Case(
            String name, byte[] onnx, String manifest, List<Map<String, Object>> rows, List<Expected> expected) {}

    /** All five, computed once per call (each a direct ORT run). */
    public static List<Case> all() {
        try {
            return List.of(pipeline(), treeClassifier(), softmax(), treeRegressor(), embedding());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code model} served from {@code manifest}: the location list entry for each case, comma-separated. */
    public static String locations(List<Case> cases) {
        StringBuilder s = new StringBuilder();
        for (Case c : cases) {
            try {
                s.append(s.length() == 0 ? "" : ",").append("file:").append(TinyModels.publish(c.onnx(), c.manifest()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return s.toString();
    }

    private static String head(String name) {
        return "{\"name\": \"" + name + "\", \"version\": \"1\", \"sha256\": \"$SHA\", \"quantization\": \"fp32\",";
    }

    static Case pipeline() throws Exception {
        String manifest = head("cc-tiers")
                + """
                 "inputs": [{"name": "amount", "type": "float32", "shape": [-1, 1], "features": ["amount"]},
                            {"name": "country", "type": "string", "shape": [-1, 1], "feature": "country"}],
                 "features": [{"name": "amount", "source": "request"},
                              {"name": "country", "source": "request", "type": "string", "default": "US"}],
                 "output": {"kind": "multiclass", "tensor": "output_probability"}}""";
        List<Map<String, Object>> rows = List.of(
                row("amount", 75.5, "country", "FR"),
                row("amount", 3.0, "country", "DE"),
                row("amount", 120.0, "country", "US"));
        List<Input> inputs = List.of(
                new Input("amount", Kind.FLOAT, List.of("amount"), false),
                new Input("country", Kind.STRING, List.of("country"), false));
        return new Case(
                "cc-tiers",
                ConverterGraphs.sklearnPipeline(),
                manifest,
                rows,
                multiclass(run(ConverterGraphs.sklearnPipeline(), inputs, rows, "output_probability"), null));
    }

    static Case treeClassifier() throws Exception {
        String manifest = head("cc-trees")
                + """
                 "inputs": [{"name": "input", "type": "float32", "shape": [-1, 3], "features": ["a", "b", "c"]}],
                 "features": [{"name": "a", "source": "request"}, {"name": "b", "source": "request"},
                              {"name": "c", "source": "request"}],
                 "output": {"tensor": "probabilities", "column": 1, "thresholds": [0.3], "labels": ["ok", "alert"]}}""";
        List<Map<String, Object>> rows = List.of(
                row("a", 0.0, "b", 0.0, "c", 0.0),
                row("a", 0.0, "b", 2.0, "c", -1.0),
                row("a", 1.0, "b", 5.0, "c", -3.0));
        List<Input> inputs = List.of(new Input("input", Kind.FLOAT, List.of("a", "b", "c"), false));
        Output out = run(ConverterGraphs.treeClassifier(), inputs, rows, "probabilities");
        List<Expected> expected = new ArrayList<>();
        for (int r = 0; r < rows.size(); r++) {
            float p = out.values[r * out.stride + 1];
            expected.add(new Expected(p, p >= 0.3f ? "alert" : "ok", null));
        }
        return new Case("cc-trees", ConverterGraphs.treeClassifier(), manifest, rows, expected);
    }

    static Case softmax() throws Exception {
        byte[] onnx = ConverterGraphs.withMetadata(
                TorchGraphs.mlp(
                        17, TorchGraphs.Linear.GEMM_TRANS_B, TorchGraphs.Head.NONE, "Relu", "Softmax", 7, 4, 8, 3),
                "classes",
                "cat, dog, bird");
        String output;
        try (OrtSession s = OrtEnvironment.getEnvironment().createSession(onnx)) {
            output = s.getOutputNames().iterator().next();
        }
        String manifest = head("cc-softmax")
                + """
                 "inputs": [{"name": "input", "type": "float32", "shape": [-1, 4], "features": ["a", "b", "c", "d"]}],
                 "features": [{"name": "a", "source": "request"}, {"name": "b", "source": "request"},
                              {"name": "c", "source": "request"}, {"name": "d", "source": "request"}],
                 "output": {"kind": "multiclass", "tensor": "%s"}}"""
                        .formatted(output);
        float[][] x = TorchGraphs.randomRows(3, 4, 3);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (float[] v : x) {
            rows.add(row("a", (double) v[0], "b", (double) v[1], "c", (double) v[2], "d", (double) v[3]));
        }
        List<Input> inputs = List.of(new Input("input", Kind.FLOAT, List.of("a", "b", "c", "d"), false));
        return new Case("cc-softmax", onnx, manifest, rows, multiclass(run(onnx, inputs, rows, output), new String[] {
            "cat", "dog", "bird"
        }));
    }

    static Case treeRegressor() throws Exception {
        String manifest = head("cc-regressor")
                + """
                 "inputs": [{"name": "input", "type": "float32", "shape": [-1, 2], "features": ["size", "age"]}],
                 "features": [{"name": "size", "source": "request"}, {"name": "age", "source": "request"}],
                 "output": {"kind": "regression", "tensor": "variable"}}""";
        List<Map<String, Object>> rows = List.of(row("size", 5.0, "age", -1.0), row("size", 50.0, "age", 3.0));
        List<Input> inputs = List.of(new Input("input", Kind.FLOAT, List.of("size", "age"), false));
        Output out = run(ConverterGraphs.treeRegressor(), inputs, rows, "variable");
        List<Expected> expected = new ArrayList<>();
        for (int r = 0; r < rows.size(); r++) {
            expected.add(new Expected(out.values[r * out.stride], null, null));
        }
        return new Case("cc-regressor", ConverterGraphs.treeRegressor(), manifest, rows, expected);
    }

    static Case embedding() throws Exception {
        String manifest = head("cc-merchant")
                + """
                 "inputs": [{"name": "merchant_id", "type": "int64", "shape": [-1], "feature": "merchant"},
                            {"name": "numeric", "type": "float32", "shape": [-1, 2], "features": ["amount", "hour"]}],
                 "features": [{"name": "merchant", "source": "request"}, {"name": "amount", "source": "request"},
                              {"name": "hour", "source": "request", "default": 12}],
                 "output": {"tensor": "score", "thresholds": [0.5], "labels": ["low", "high"]}}""";
        List<Map<String, Object>> rows = List.of(
                row("merchant", 3.0, "amount", 7.0, "hour", 12.0), row("merchant", 9.0, "amount", -2.0, "hour", 3.0));
        List<Input> inputs = List.of(
                new Input("merchant_id", Kind.INT64, List.of("merchant"), true),
                new Input("numeric", Kind.FLOAT, List.of("amount", "hour"), false));
        Output out = run(ConverterGraphs.embeddingModel(), inputs, rows, "score");
        List<Expected> expected = new ArrayList<>();
        for (int r = 0; r < rows.size(); r++) {
            float p = out.values[r];
            expected.add(new Expected(p, p >= 0.5f ? "high" : "low", null));
        }
        return new Case("cc-merchant", ConverterGraphs.embeddingModel(), manifest, rows, expected);
    }

    /** A row's features as a JSON object; whole numbers written without a fraction (an int64 id takes "3"). */
    public static String json(Map<String, Object> row) {
        StringBuilder s = new StringBuilder("{");
        for (Map.Entry<String, Object> e : row.entrySet()) {
            s.append(s.length() == 1 ? "" : ", ").append('"').append(e.getKey()).append("\": ");
            s.append(e.getValue() instanceof String v ? "\"" + v + "\"" : number(e.getValue()));
        }
        return s.append('}').toString();
    }

    /** The case's rows as CSV with an {@code id} column first ({@code <name>-<row>}), for a batch source. */
    public static String csv(Case c) {
        List<String> columns = new ArrayList<>(c.rows().get(0).keySet());
        StringBuilder s =
                new StringBuilder("id,").append(String.join(",", columns)).append('\n');
        for (int r = 0; r < c.rows().size(); r++) {
            s.append(c.name()).append('-').append(r);
            for (String col : columns) {
                Object v = c.rows().get(r).get(col);
                s.append(',').append(v instanceof String ? v : number(v));
            }
            s.append('\n');
        }
        return s.toString();
    }

    private static String number(Object v) {
        double d = ((Number) v).doubleValue();
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    private static Map<String, Object> row(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Dense values, row-major; {@code classes} the ZipMap's keys in order (null for a tensor). */
    private record Output(float[] values, int stride, String[] classes) {}

    private static List<Expected> multiclass(Output out, String[] names) {
        String[] classes = out.classes != null ? out.classes : names;
        List<Expected> expected = new ArrayList<>();
        for (int r = 0; r < out.values.length / out.stride; r++) {
            Map<String, Float> p = new LinkedHashMap<>();
            int top = 0;
            for (int c = 0; c < out.stride; c++) {
                float v = out.values[r * out.stride + c];
                p.put(classes[c], v);
                top = v > out.values[r * out.stride + top] ? c : top;
            }
            expected.add(new Expected(out.values[r * out.stride + top], classes[top], p));
        }
        return expected;
    }

    private static Output run(byte[] onnx, List<Input> inputs, List<Map<String, Object>> rows, String output)
            throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        int n = rows.size();
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        try (OrtSession session = env.createSession(onnx)) {
            for (Input in : inputs) {
                switch (in.kind()) {
                    case FLOAT -> {
                        float[][] x = new float[n][in.features().size()];
                        for (int r = 0; r < n; r++) {
                            for (int c = 0; c < in.features().size(); c++) {
                                x[r][c] =
                                        ((Number) rows.get(r).get(in.features().get(c))).floatValue();
                            }
                        }
                        feed.put(in.name(), OnnxTensor.createTensor(env, x));
                    }
                    case INT64 -> {
                        long[] x = new long[n];
                        for (int r = 0; r < n; r++) {
                            x[r] = ((Number) rows.get(r).get(in.features().get(0))).longValue();
                        }
                        feed.put(in.name(), OnnxTensor.createTensor(env, x));
                    }
                    case STRING -> {
                        String[][] x = new String[n][1];
                        for (int r = 0; r < n; r++) {
                            x[r][0] = (String) rows.get(r).get(in.features().get(0));
                        }
                        feed.put(in.name(), OnnxTensor.createTensor(env, x));
                    }
                }
            }
            try (OrtSession.Result result = session.run(feed, Set.of(output))) {
                OnnxValue value = result.get(0);
                if (value instanceof OnnxSequence seq) {
                    List<? extends OnnxValue> maps = seq.getValue();
                    String[] classes = null;
                    float[] values = null;
                    for (int r = 0; r < maps.size(); r++) {
                        Map<?, ?> m = new java.util.TreeMap<>(((OnnxMap) maps.get(r)).getValue());
                        if (classes == null) {
                            classes = m.keySet().stream().map(Object::toString).toArray(String[]::new);
                            values = new float[maps.size() * classes.length];
                        }
                        int c = 0;
                        for (Object v : m.values()) {
                            values[r * classes.length + c++] = (Float) v;
                        }
                    }
                    return new Output(values, classes.length, classes);
                }
                OnnxTensor t = (OnnxTensor) value;
                long[] shape = t.getInfo().getShape();
                float[] values = new float[(int) t.getInfo().getNumElements()];
                t.getFloatBuffer().get(values);
                return new Output(values, shape.length < 2 ? 1 : (int) shape[1], null);
            }
        } finally {
            for (OnnxTensor t : feed.values()) {
                t.close();
            }
        }
    }
}
