package io.inferfn.http;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.inferfn.model.FeatureSpec;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelManifest;
import io.inferfn.model.ModelManifest.FeatureType;
import io.inferfn.model.OnnxModel;
import io.inferfn.scoring.InvalidRequestException;
import io.inferfn.scoring.ModelNotFoundException;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Row;
import io.inferfn.scoring.Scorer;
import io.inferfn.scoring.ScoringException;

/**
 * The Open Inference Protocol (KServe v2) REST bodies for one model: metadata, and inference in
 * two modes.
 *
 * <ul>
 *   <li><b>Tensor mode</b>: the request's one input is named like the model's ONNX input, FP32,
 *       shape {@code [rows, width]}, row-major data: it goes straight to ONNX Runtime, and the
 *       answer is the manifest's output tensor, {@code [rows, columns]}.
 *   <li><b>Features mode</b>: the inputs are the model's request features, one value per row
 *       (shape {@code [rows]} or {@code [rows, 1]}), plus {@value #ENTITY_INPUT} (BYTES) naming each
 *       row's entity: the rows go through the same feature assembly as {@code /predict}, so online
 *       features still come from Redis. Outputs: {@code score} (FP32), {@code label} (BYTES, when
 *       the manifest has labels) and {@code degraded} (BOOL), each {@code [rows]}.
 * </ul>
 *
 * Every shape and datatype is checked against the model before ONNX Runtime or Redis is called;
 * a mismatch is an {@link InvalidRequestException} that says what was expected and what came.
 */
public final class InferenceProtocol {

    /** The features-mode input naming each row's entity (fills {@code {entityId}} in store keys). */
    public static final String ENTITY_INPUT = "entity_id";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Scorer scorer;
    private final int maxRows;

    public InferenceProtocol(Scorer scorer, int maxRows) {
        this.scorer = scorer;
        this.maxRows = maxRows;
    }

    /** {@code GET /v2/models/{name}[/versions/{version}]}: inputs and outputs from the session's own metadata. */
    public static ObjectNode metadata(LoadedModel model) {
        ObjectNode out = JSON.objectNode();
        out.put("name", model.name());
        out.putArray("versions").add(model.version());
        out.put("platform", "onnxruntime_onnx");
        ArrayNode inputs = out.putArray("inputs");
        ArrayNode outputs = out.putArray("outputs");
        try {
            for (Map.Entry<String, NodeInfo> e :
                    model.onnx().session().getInputInfo().entrySet()) {
                inputs.add(tensorMetadata(e.getKey(), e.getValue()));
            }
            for (Map.Entry<String, NodeInfo> e :
                    model.onnx().session().getOutputInfo().entrySet()) {
                outputs.add(tensorMetadata(e.getKey(), e.getValue()));
            }
        } catch (OrtException e) {
            throw new ScoringException(
                    "ONNX Runtime could not describe model " + model.name() + ": " + e.getMessage(), e);
        }
        ObjectNode parameters = out.putObject("parameters");
        parameters.put("quantization", model.manifest().quantization().json());
        parameters.put("sha256", model.manifest().sha256());
        ArrayNode features = parameters.putArray("features_mode_inputs");
        features.add(JSON.objectNode().put("name", ENTITY_INPUT).put("datatype", "BYTES"));
        for (FeatureSpec f : model.manifest().features()) {
            if (f instanceof FeatureSpec.Request) {
                features.add(JSON.objectNode().put("name", f.name()).put("datatype", datatypeOf(f.type())));
            }
        }
        return out;
    }

    private static ObjectNode tensorMetadata(String name, NodeInfo info) {
        ObjectNode t = JSON.objectNode().put("name", name);
        if (info.getInfo() instanceof TensorInfo tensor) {
            t.put("datatype", datatype(tensor.type));
            ArrayNode shape = t.putArray("shape");
            for (long d : tensor.getShape()) {
                shape.add(d);
            }
        }
        return t;
    }

    private static String datatype(ai.onnxruntime.OnnxJavaType type) {
        return switch (type) {
            case FLOAT -> "FP32";
            case DOUBLE -> "FP64";
            case INT8 -> "INT8";
            case INT16 -> "INT16";
            case INT32 -> "INT32";
            case INT64 -> "INT64";
            case UINT8 -> "UINT8";
            case BOOL -> "BOOL";
            case STRING -> "BYTES";
            case FLOAT16 -> "FP16";
            default -> type.name();
        };
    }

    /** The OIP datatype a features-mode input of this type carries. */
    static String datatypeOf(FeatureType type) {
        return switch (type) {
            case NUMBER -> "FP64";
            case BOOLEAN -> "BOOL";
            case STRING, TIMESTAMP -> "BYTES";
        };
    }

    /** {@code POST .../infer}: validates {@code request}, scores it, and builds the response body. */
    public ObjectNode infer(LoadedModel model, JsonNode request) {
        if (request == null || !request.isObject()) {
            throw new InvalidRequestException(
                    "expected a JSON object {\"inputs\": [{\"name\", \"shape\", \"datatype\"," + " \"data\"}, ...]}");
        }
        JsonNode inputs = request.get("inputs");
        if (inputs == null || !inputs.isArray() || inputs.isEmpty()) {
            throw new InvalidRequestException("'inputs' is required: a non-empty array of tensors");
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (JsonNode input : inputs) {
            Tensor t = Tensor.parse(input);
            if (tensors.put(t.name, t) != null) {
                throw new InvalidRequestException("input '" + t.name + "' appears twice");
            }
        }
        String onnxInput = model.manifest().inputs().get(0).name();
        ObjectNode response = JSON.objectNode();
        response.put("model_name", model.name());
        response.put("model_version", model.version());
        if (request.hasNonNull("id")) {
            response.set("id", request.get("id"));
        }
        if (request.has("parameters")) {
            response.set("parameters", request.get("parameters"));
        }
        Map<String, ObjectNode> outputs =
                tensors.containsKey(onnxInput) ? tensorMode(model, tensors, onnxInput) : featuresMode(model, tensors);
        ArrayNode selected = response.putArray("outputs");
        JsonNode wanted = request.get("outputs");
        if (wanted == null || wanted.isNull()) {
            outputs.values().forEach(selected::add);
        } else {
            if (!wanted.isArray()) {
                throw new InvalidRequestException("'outputs' must be an array of {\"name\": ...}");
            }
            for (JsonNode w : wanted) {
                String name = w.path("name").asText(null);
                ObjectNode o = name == null ? null : outputs.get(name);
                if (o == null) {
                    throw new InvalidRequestException(
                            "unknown output '" + name + "'; model " + model.name() + " answers " + outputs.keySet());
                }
                selected.add(o);
            }
        }
        return response;
    }

    private Map<String, ObjectNode> tensorMode(LoadedModel model, Map<String, Tensor> tensors, String onnxInput) {
        if (tensors.size() != 1) {
            throw new InvalidRequestException(
                    "tensor mode takes one input, '" + onnxInput + "'; got " + tensors.keySet());
        }
        Tensor t = tensors.get(onnxInput);
        int width = model.onnx().width();
        if (!t.datatype.equals("FP32")) {
            throw new InvalidRequestException(
                    "input '" + onnxInput + "': expected datatype FP32, received " + t.datatype);
        }
        if (t.shape.length != 2 || t.shape[1] != width) {
            throw new InvalidRequestException("input '" + onnxInput + "': expected shape [rows, " + width
                    + "], received " + java.util.Arrays.toString(t.shape));
        }
        int rows = rows(t.shape[0]);
        t.checkSize((long) rows * width);
        ModelManifest.OutputSpec spec = model.manifest().output();
        try (OnnxModel.Run run = model.onnx().begin(rows)) {
            FloatBuffer in = run.input();
            for (JsonNode v : t.data) {
                if (!v.isNumber()) {
                    throw new InvalidRequestException("input '" + onnxInput + "': FP32 data must be numbers; got " + v);
                }
                float f = v.floatValue();
                if (!Float.isFinite(f)) {
                    throw new InvalidRequestException("input '" + onnxInput + "': " + v + " is not a finite FP32");
                }
                in.put(f);
            }
            FloatBuffer out;
            try {
                out = run.execute();
            } catch (OrtException e) {
                throw new ScoringException(
                        "ONNX Runtime failed on " + rows + " row(s) of model " + model.name() + ": " + e.getMessage(),
                        e);
            }
            int stride = run.stride();
            ObjectNode output = JSON.objectNode().put("name", spec.tensor()).put("datatype", "FP32");
            output.putArray("shape").add(rows).add(stride);
            ArrayNode data = output.putArray("data");
            for (int i = 0; i < rows * stride; i++) {
                data.add(out.get(i));
            }
            Map<String, ObjectNode> outputs = new LinkedHashMap<>();
            outputs.put(spec.tensor(), output);
            return outputs;
        }
    }

    private Map<String, ObjectNode> featuresMode(LoadedModel model, Map<String, Tensor> tensors) {
        Map<String, FeatureType> requestFeatures = new LinkedHashMap<>();
        for (FeatureSpec f : model.manifest().features()) {
            if (f instanceof FeatureSpec.Request) {
                requestFeatures.put(f.name(), f.type());
            }
        }
        int rows = -1;
        for (Tensor t : tensors.values()) {
            boolean entity = t.name.equals(ENTITY_INPUT);
            FeatureType type = requestFeatures.get(t.name);
            if (!entity && type == null) {
                throw new InvalidRequestException("unknown input '" + t.name + "': model " + model.name() + " takes '"
                        + model.manifest().inputs().get(0).name() + "' (FP32 tensor mode) or the features "
                        + requestFeatures.keySet() + " plus '" + ENTITY_INPUT + "' (features mode)");
            }
            if (t.shape.length == 0 || t.shape.length > 2 || (t.shape.length == 2 && t.shape[1] != 1)) {
                throw new InvalidRequestException("input '" + t.name
                        + "': expected shape [rows] or [rows, 1], received " + java.util.Arrays.toString(t.shape));
            }
            if (rows >= 0 && t.shape[0] != rows) {
                throw new InvalidRequestException(
                        "input '" + t.name + "' has " + t.shape[0] + " rows; the other inputs" + " have " + rows);
            }
            rows = rows(t.shape[0]);
            t.checkSize(rows);
            String expected = entity ? "BYTES" : datatypeOf(type);
            if (!accepts(expected, t.datatype)) {
                throw new InvalidRequestException("input '" + t.name + "': expected datatype " + expected
                        + (expected.equals("FP64") ? " (or FP32, INT32, INT64)" : "") + ", received " + t.datatype);
            }
        }
        List<Row> batch = new ArrayList<>(rows);
        Tensor entities = tensors.get(ENTITY_INPUT);
        for (int r = 0; r < rows; r++) {
            Map<String, Object> features = new HashMap<>();
            for (Tensor t : tensors.values()) {
                if (t == entities) {
                    continue;
                }
                JsonNode v = t.data.get(r);
                features.put(t.name, value(t, v, r));
            }
            batch.add(Row.of(entities == null ? null : text(entities, entities.data.get(r), r), features));
        }
        List<Prediction> predictions = scorer.scoreBatch(model, batch);
        ObjectNode score = output("score", "FP32", rows);
        ObjectNode label = output("label", "BYTES", rows);
        ObjectNode degraded = output("degraded", "BOOL", rows);
        for (Prediction p : predictions) {
            ((ArrayNode) score.get("data")).add(p.score());
            ((ArrayNode) label.get("data")).add(p.label());
            ((ArrayNode) degraded.get("data")).add(p.degraded());
        }
        Map<String, ObjectNode> outputs = new LinkedHashMap<>();
        outputs.put("score", score);
        if (model.manifest().output().labels() != null) {
            outputs.put("label", label);
        }
        outputs.put("degraded", degraded);
        return outputs;
    }

    private static boolean accepts(String expected, String received) {
        return expected.equals(received)
                || (expected.equals("FP64")
                        && (received.equals("FP32") || received.equals("INT32") || received.equals("INT64")));
    }

    private static Object value(Tensor t, JsonNode v, int row) {
        return switch (t.datatype) {
            case "BOOL" -> {
                if (!v.isBoolean()) {
                    throw new InvalidRequestException(
                            "input '" + t.name + "' row " + row + ": BOOL data must be true or false; got " + v);
                }
                yield v.booleanValue();
            }
            case "BYTES" -> text(t, v, row);
            default -> {
                if (!v.isNumber()) {
                    throw new InvalidRequestException("input '" + t.name + "' row " + row + ": " + t.datatype
                            + " data must be numbers; got " + v);
                }
                yield v.doubleValue();
            }
        };
    }

    private static String text(Tensor t, JsonNode v, int row) {
        if (!v.isTextual()) {
            throw new InvalidRequestException(
                    "input '" + t.name + "' row " + row + ": BYTES data must be strings; got " + v);
        }
        return v.textValue();
    }

    private static ObjectNode output(String name, String datatype, int rows) {
        ObjectNode o = JSON.objectNode().put("name", name).put("datatype", datatype);
        o.putArray("shape").add(rows);
        o.putArray("data");
        return o;
    }

    private int rows(long rows) {
        if (rows < 1) {
            throw new InvalidRequestException("a tensor needs at least one row; got shape[0] = " + rows);
        }
        if (rows > maxRows) {
            throw new io.inferfn.scoring.PayloadTooLargeException(rows + " rows is over the limit of " + maxRows
                    + " (inferfn.http.max-batch-rows); split the request");
        }
        return (int) rows;
    }

    /** One request tensor, as sent. */
    private record Tensor(String name, String datatype, long[] shape, JsonNode data) {

        static Tensor parse(JsonNode input) {
            String name = input.path("name").asText(null);
            if (name == null || name.isBlank()) {
                throw new InvalidRequestException("every input needs a 'name'");
            }
            String datatype = input.path("datatype").asText("");
            if (!List.of(
                            "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16",
                            "FP32", "FP64", "BYTES")
                    .contains(datatype)) {
                throw new InvalidRequestException("input '" + name + "': 'datatype' must be one of BOOL, INT8..INT64,"
                        + " UINT8..UINT64, FP16, FP32, FP64, BYTES; received '" + datatype + "'");
            }
            JsonNode shapeNode = input.get("shape");
            if (shapeNode == null || !shapeNode.isArray()) {
                throw new InvalidRequestException("input '" + name + "': 'shape' is required, e.g. [1, 15]");
            }
            long[] shape = new long[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = shapeNode.get(i);
                if (!d.canConvertToLong() || d.asLong() < 0) {
                    throw new InvalidRequestException("input '" + name + "': shape entries must be non-negative"
                            + " integers; received " + shapeNode);
                }
                shape[i] = d.asLong();
            }
            JsonNode data = input.get("data");
            if (data == null || !data.isArray()) {
                throw new InvalidRequestException("input '" + name + "': 'data' is required, a row-major array");
            }
            return new Tensor(name, datatype, shape, flatten(name, data));
        }

        /** Nested arrays are accepted and read row-major, as the protocol allows. */
        private static JsonNode flatten(String name, JsonNode data) {
            boolean nested = false;
            for (JsonNode v : data) {
                nested |= v.isArray();
            }
            if (!nested) {
                return data;
            }
            ArrayNode flat = JSON.arrayNode();
            Iterator<JsonNode> it = data.elements();
            flattenInto(flat, it);
            return flat;
        }

        private static void flattenInto(ArrayNode flat, Iterator<JsonNode> it) {
            while (it.hasNext()) {
                JsonNode v = it.next();
                if (v.isArray()) {
                    flattenInto(flat, v.elements());
                } else {
                    flat.add(v);
                }
            }
        }

        void checkSize(long expected) {
            if (data.size() != expected) {
                throw new InvalidRequestException(String.format(
                        Locale.ROOT,
                        "input '%s': shape %s holds %d value(s); 'data' has %d",
                        name,
                        java.util.Arrays.toString(shape),
                        expected,
                        data.size()));
            }
        }
    }

    /** {@code 404} for a version this function does not serve. */
    public static void checkVersion(LoadedModel model, String version) {
        if (version != null && !version.equals(model.version())) {
            throw new ModelNotFoundException("model " + model.name() + " version " + version + " is not served here;"
                    + " this function serves version " + model.version());
        }
    }
}
