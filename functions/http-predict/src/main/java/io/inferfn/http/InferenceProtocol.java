package io.inferfn.http;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectReader;

import io.inferfn.http.InferenceProtocolBodies.Floats;
import io.inferfn.http.InferenceProtocolBodies.InferRequest;
import io.inferfn.http.InferenceProtocolBodies.InferResponse;
import io.inferfn.http.InferenceProtocolBodies.ModelMetadata;
import io.inferfn.http.InferenceProtocolBodies.ModelParameters;
import io.inferfn.http.InferenceProtocolBodies.Numbers;
import io.inferfn.http.InferenceProtocolBodies.RequestInput;
import io.inferfn.http.InferenceProtocolBodies.RequestOutput;
import io.inferfn.http.InferenceProtocolBodies.ResponseOutput;
import io.inferfn.http.InferenceProtocolBodies.TensorData;
import io.inferfn.http.InferenceProtocolBodies.TensorMetadata;
import io.inferfn.http.InferenceProtocolBodies.Values;
import io.inferfn.model.FeatureSpec;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelIo;
import io.inferfn.model.ModelManifest;
import io.inferfn.model.ModelManifest.FeatureType;
import io.inferfn.model.OnnxModel;
import io.inferfn.model.TextModel;
import io.inferfn.scoring.InferenceException;
import io.inferfn.scoring.InvalidRequestException;
import io.inferfn.scoring.ModelNotFoundException;
import io.inferfn.scoring.PayloadTooLargeException;
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
 * Every shape and datatype, and every output asked for, is checked against the model before ONNX
 * Runtime or Redis is called; a mismatch is an {@link InvalidRequestException} that says what was
 * expected and what came. The bodies are the typed records of {@link InferenceProtocolBodies}.
 */
public final class InferenceProtocol {

    /** The features-mode input naming each row's entity (fills {@code {entityId}} in store keys). */
    public static final String ENTITY_INPUT = "entity_id";

    static final String EXPECTED_REQUEST = "expected a JSON object {\"inputs\": [{\"name\", \"shape\", \"datatype\","
            + " \"data\"}, ...]} with optional \"id\", \"parameters\" and \"outputs\": [{\"name\"}, ...]";

    private static final Set<String> DATATYPES = Set.of(
            "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64",
            "BYTES");

    private final Scorer scorer;
    private final int maxRows;

    public InferenceProtocol(Scorer scorer, int maxRows) {
        this.scorer = scorer;
        this.maxRows = maxRows;
    }

    /** {@code GET /v2/models/{name}[/versions/{version}]}: inputs and outputs from the session's own metadata. */
    public static ModelMetadata metadata(LoadedModel model) {
        if (model.text() != null) {
            return textMetadata(model);
        }
        List<TensorMetadata> inputs = new ArrayList<>();
        List<TensorMetadata> outputs = new ArrayList<>();
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
        List<TensorMetadata> features = new ArrayList<>();
        features.add(new TensorMetadata(ENTITY_INPUT, "BYTES", null));
        for (FeatureSpec f : model.manifest().features()) {
            if (f instanceof FeatureSpec.Request || f instanceof FeatureSpec.Store s && s.acceptedFromCaller()) {
                features.add(new TensorMetadata(f.name(), datatypeOf(f.type()), null));
            }
        }
        return new ModelMetadata(
                model.name(),
                List.of(model.version()),
                "onnxruntime_onnx",
                inputs,
                outputs,
                new ModelParameters(
                        model.manifest().quantization().json(), model.manifest().sha256(), features));
    }

    /** The name of a text model's one input: a BYTES tensor of texts. */
    public static final String TEXT_INPUT = "text";

    /** A text model's metadata: its one BYTES input of texts and what it answers per text. */
    private static ModelMetadata textMetadata(LoadedModel model) {
        TextModel text = model.text();
        List<TensorMetadata> outputs = text.embeds()
                ? List.of(new TensorMetadata("embedding", "FP32", new long[] {-1, text.width()}))
                : List.of(
                        new TensorMetadata("label", "BYTES", new long[] {-1}),
                        new TensorMetadata("probabilities", "FP32", new long[] {
                            -1, text.labels().size()
                        }));
        return new ModelMetadata(
                model.name(),
                List.of(model.version()),
                "onnxruntime_onnx",
                List.of(new TensorMetadata(TEXT_INPUT, "BYTES", new long[] {-1})),
                outputs,
                new ModelParameters(
                        model.manifest().quantization().json(), model.manifest().sha256(), List.of()));
    }

    /**
     * The texts of an infer request to a text model: one BYTES input named {@value #TEXT_INPUT} of shape {@code [n]}
     * (or {@code [n, 1]}), each value a string, at most {@code maxTexts}; anything else is a 4xx saying so.
     */
    static List<String> texts(LoadedModel model, InferRequest request, int maxTexts) {
        List<RequestInput> inputs = request.inputs();
        String expected = "model " + model.name() + " is a text model: send one input {\"name\": \"" + TEXT_INPUT
                + "\", \"datatype\": \"BYTES\", \"shape\": [n], \"data\": [\"...\", ...]}";
        if (inputs == null || inputs.size() != 1 || inputs.get(0) == null) {
            throw new InvalidRequestException(expected);
        }
        RequestInput input = inputs.get(0);
        check(input);
        if (!TEXT_INPUT.equals(input.name()) || !"BYTES".equals(input.datatype())) {
            throw new InvalidRequestException(
                    expected + "; received input '" + input.name() + "' of " + input.datatype());
        }
        long[] shape = input.shape();
        int n = input.data().size();
        if (shape.length < 1 || shape.length > 2 || shape[0] != n || (shape.length == 2 && shape[1] != 1)) {
            throw new InvalidRequestException("input '" + TEXT_INPUT + "': shape must be [n] or [n, 1] for its " + n
                    + " texts; received " + Arrays.toString(shape));
        }
        if (n == 0) {
            throw new InvalidRequestException("input '" + TEXT_INPUT + "' is empty; send at least one text");
        }
        if (n > maxTexts) {
            throw new PayloadTooLargeException("batch of " + n + " texts is over the limit of " + maxTexts
                    + " (inferfn.http.max-batch-texts); split it");
        }
        List<String> texts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (!(input.data().get(i) instanceof String one)) {
                throw new InvalidRequestException("input '" + TEXT_INPUT + "' value " + i + " must be a string;"
                        + " received " + input.data().get(i));
            }
            texts.add(one);
        }
        List<String> answers = model.text().embeds() ? List.of("embedding") : List.of("label", "probabilities");
        if (request.outputs() != null) {
            for (RequestOutput w : request.outputs()) {
                String name = w == null ? null : w.name();
                if (!answers.contains(name)) {
                    throw new InvalidRequestException(
                            "unknown output '" + name + "'; model " + model.name() + " answers " + answers);
                }
            }
        }
        return texts;
    }

    /** The answer to a text model's infer request: {@code embedding} [n, dim], or {@code label} and probabilities. */
    static InferResponse textResponse(LoadedModel model, InferRequest request, List<TextModel.Result> results) {
        int n = results.size();
        List<ResponseOutput> outputs = new ArrayList<>();
        java.util.Set<String> wanted = request.outputs() == null
                ? null
                : request.outputs().stream().map(RequestOutput::name).collect(java.util.stream.Collectors.toSet());
        if (model.text().embeds()) {
            int dim = results.get(0).embedding().length;
            float[] flat = new float[n * dim];
            for (int i = 0; i < n; i++) {
                System.arraycopy(results.get(i).embedding(), 0, flat, i * dim, dim);
            }
            outputs.add(ResponseOutput.of("embedding", "FP32", new long[] {n, dim}, new Floats(flat)));
        } else {
            List<String> labels = model.text().labels();
            float[] p = new float[n * labels.size()];
            List<String> label = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                label.add(results.get(i).label());
                for (int c = 0; c < labels.size(); c++) {
                    p[i * labels.size() + c] = results.get(i).probabilities().get(labels.get(c));
                }
            }
            if (wanted == null || wanted.contains("label")) {
                outputs.add(ResponseOutput.of("label", "BYTES", new long[] {n}, new Values(label)));
            }
            if (wanted == null || wanted.contains("probabilities")) {
                outputs.add(ResponseOutput.of("probabilities", "FP32", new long[] {n, labels.size()}, new Floats(p)));
            }
        }
        return new InferResponse(model.name(), model.version(), request.id(), request.parameters(), outputs);
    }

    private static TensorMetadata tensorMetadata(String name, NodeInfo info) {
        if (info.getInfo() instanceof TensorInfo tensor) {
            return new TensorMetadata(name, datatype(tensor.type), tensor.getShape());
        }
        return new TensorMetadata(name, null, null);
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

    /**
     * Reads an infer request body. A body that is not JSON, or whose fields have the wrong JSON type,
     * is an {@link InvalidRequestException} naming where (e.g. {@code inputs[0].shape}), in the
     * protocol's terms rather than Jackson's (which name Java types).
     */
    public static InferRequest read(ObjectReader reader, byte[] body) {
        InferRequest request;
        try {
            request = body.length == 0 ? null : reader.readValue(body);
        } catch (StreamReadException e) {
            throw malformed(e);
        } catch (DatabindException e) {
            for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
                if (c instanceof StreamReadException syntax) {
                    throw malformed(syntax);
                }
                if (c instanceof InferenceException ours) { // from TensorData's deserializer
                    throw new InvalidRequestException(at(e) + ": " + ours.getMessage());
                }
            }
            String at = at(e);
            throw new InvalidRequestException(
                    at.isEmpty() ? EXPECTED_REQUEST : "'" + at + "' has the wrong JSON type; " + EXPECTED_REQUEST);
        } catch (IOException e) {
            throw new InvalidRequestException("unreadable body; " + EXPECTED_REQUEST);
        }
        if (request == null) {
            throw new InvalidRequestException(EXPECTED_REQUEST);
        }
        return request;
    }

    private static InvalidRequestException malformed(StreamReadException e) {
        return new InvalidRequestException("malformed JSON: " + e.getOriginalMessage() + "; " + EXPECTED_REQUEST);
    }

    /** Where in the body a field failed, as a JSON path ({@code inputs[0].data}). */
    private static String at(DatabindException e) {
        StringBuilder path = new StringBuilder();
        if (e instanceof JsonMappingException mapping) {
            for (JsonMappingException.Reference ref : mapping.getPath()) {
                if (ref.getFieldName() != null) {
                    path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
                } else if (ref.getIndex() >= 0) {
                    path.append('[').append(ref.getIndex()).append(']');
                }
            }
        }
        return path.toString();
    }

    /** {@code POST .../infer}: validates {@code request}, scores it, and builds the response body. */
    public InferResponse infer(LoadedModel model, InferRequest request) {
        return infer(model, request, null);
    }

    /** As {@link #infer(LoadedModel, InferRequest)}, telling {@code tracked} (if any) the rows scored. */
    InferResponse infer(LoadedModel model, InferRequest request, RequestMetrics.Tracked tracked) {
        Checked checked = check(model, request);
        if (checked.tensorMode()) {
            return tensor(model, checked, tracked);
        }
        return features(model, checked, scorer.scoreBatch(model, checked.batch()), tracked);
    }

    /**
     * An infer request checked against its model before anything runs: in tensor mode the one ONNX input,
     * else the rows of features mode, which {@link Scorer} scores (with their one Redis round trip).
     *
     * @param onnxInput the model's input name in tensor mode, null in features mode
     * @param batch the rows to score in features mode, null in tensor mode
     */
    record Checked(
            InferRequest request,
            List<String> wanted,
            Map<String, RequestInput> tensors,
            String onnxInput,
            List<Row> batch) {

        boolean tensorMode() {
            return onnxInput != null;
        }
    }

    /** Checks {@code request}'s inputs and outputs against {@code model}; features mode builds its rows here. */
    Checked check(LoadedModel model, InferRequest request) {
        if (model.text() != null) {
            // REST and gRPC serve text models before this check (texts(), textResponse())
            throw new InvalidRequestException(
                    "model " + model.name() + " is a text model: send one BYTES input '" + TEXT_INPUT + "'");
        }
        List<RequestInput> inputs = request.inputs();
        if (inputs == null || inputs.isEmpty()) {
            throw new InvalidRequestException("'inputs' is required: a non-empty array of tensors");
        }
        Map<String, RequestInput> tensors = new LinkedHashMap<>();
        for (RequestInput input : inputs) {
            check(input);
            if (tensors.put(input.name(), input) != null) {
                throw new InvalidRequestException("input '" + input.name() + "' appears twice");
            }
        }
        String onnxInput = model.manifest().inputs().get(0).name();
        boolean tensorMode = tensors.containsKey(onnxInput);
        if (model.onnx().io() != null) {
            tensorMode = tensorModeOf(model, tensors);
        }
        List<String> answers = tensorMode ? List.of(model.manifest().output().tensor()) : featureAnswers(model);
        List<String> wanted = answers;
        if (request.outputs() != null) {
            wanted = new ArrayList<>(request.outputs().size());
            for (RequestOutput w : request.outputs()) {
                String name = w == null ? null : w.name();
                if (!answers.contains(name)) {
                    throw new InvalidRequestException(
                            "unknown output '" + name + "'; model " + model.name() + " answers " + answers);
                }
                wanted.add(name);
            }
        }
        return tensorMode
                ? new Checked(request, wanted, tensors, onnxInput, null)
                : new Checked(request, wanted, tensors, null, featuresBatch(model, tensors));
    }

    /** Runs a tensor-mode request through ONNX Runtime (no Redis) and builds the response. */
    InferResponse tensor(LoadedModel model, Checked checked, RequestMetrics.Tracked tracked) {
        if (model.onnx().io() != null) {
            return response(model, checked, tensorModeInputs(model, model.onnx().io(), checked.tensors(), tracked));
        }
        return response(model, checked, tensorMode(model, checked.tensors(), checked.onnxInput(), tracked));
    }

    /**
     * Whether a request to a model of several inputs (or inputs of other types) is in tensor mode. Its features are
     * often named like its ONNX inputs (skl2onnx writes one input per column), so a name alone does not tell: the
     * request is in tensor mode when it names an ONNX input that no feature is named like, or when every input it
     * sends is an ONNX input with that input's datatype and rank (and it sends no {@value #ENTITY_INPUT}).
     */
    private static boolean tensorModeOf(LoadedModel model, Map<String, RequestInput> tensors) {
        if (tensors.containsKey(ENTITY_INPUT)) {
            return false;
        }
        Map<String, ModelManifest.InputSpec> inputs = new HashMap<>();
        for (ModelManifest.InputSpec input : model.manifest().inputs()) {
            inputs.put(input.name(), input);
        }
        boolean allMatch = true;
        for (RequestInput t : tensors.values()) {
            ModelManifest.InputSpec input = inputs.get(t.name());
            if (input == null) {
                allMatch = false;
                continue;
            }
            if (model.plan().suppliedType(t.name()) == null) {
                return true; // an ONNX input no feature is named like
            }
            allMatch &= datatype(input.elementType()).equals(t.datatype())
                    && t.shape().length == input.shape().size();
        }
        return allMatch;
    }

    /** The features-mode outputs of {@code model}: score, label where there are labels, probabilities, degraded. */
    private static List<String> featureAnswers(LoadedModel model) {
        ModelManifest.OutputSpec output = model.manifest().output();
        List<String> answers =
                switch (output.outputKind()) {
                    case MULTICLASS -> List.of("score", "label", "probabilities", "degraded");
                    case REGRESSION -> List.of("score", "degraded");
                    case EMBEDDING -> List.of("embedding"); // text models answer through textResponse()
                    case BINARY ->
                        output.labels() != null ? List.of("score", "label", "degraded") : List.of("score", "degraded");
                };
        if (model.chain() == null) {
            return answers;
        }
        // a chained model: each earlier stage's score (and label) too, as <model>.score, <model>.label
        List<String> all = new ArrayList<>(answers);
        for (LoadedModel stage : earlierStages(model)) {
            all.add(stage.name() + ".score");
            if (labelled(stage)) {
                all.add(stage.name() + ".label");
            }
        }
        return all;
    }

    /** The models a chained model's call scores before it, in order (the chain's stages end with the model). */
    private static List<LoadedModel> earlierStages(LoadedModel model) {
        List<LoadedModel> stages = model.chain().stages();
        return stages.get(stages.size() - 1).name().equals(model.name())
                ? stages.subList(0, stages.size() - 1)
                : stages;
    }

    /** Whether {@code model}'s predictions carry a label: a multiclass model, or thresholds with labels. */
    private static boolean labelled(LoadedModel model) {
        ModelManifest.OutputSpec output = model.manifest().output();
        return output.labels() != null || output.outputKind() == ModelManifest.OutputKind.MULTICLASS;
    }

    /**
     * Tensor mode of a model with several inputs or inputs of other types: one request input per ONNX input,
     * each of its datatype and shape ({@code [rows]} or {@code [rows, columns]}), every value checked against the
     * input's type; the answer is the manifest's output, {@code [rows, columns]} FP32 (a ZipMap's probabilities in
     * class order).
     */
    private Map<String, ResponseOutput> tensorModeInputs(
            LoadedModel model, ModelIo io, Map<String, RequestInput> tensors, RequestMetrics.Tracked tracked) {
        List<String> names = new ArrayList<>(io.inputCount());
        for (int k = 0; k < io.inputCount(); k++) {
            names.add(io.inputName(k));
        }
        for (String name : tensors.keySet()) {
            if (!names.contains(name)) {
                throw new InvalidRequestException("unknown input '" + name + "': tensor mode of model " + model.name()
                        + " takes one input per ONNX input, " + names);
            }
        }
        int rows = -1;
        for (int k = 0; k < io.inputCount(); k++) {
            RequestInput t = tensors.get(io.inputName(k));
            String expected = datatype(io.inputType(k));
            boolean rank1 = model.manifest().inputs().get(k).rank1();
            String shape = rank1 ? "[rows]" : "[rows, " + io.inputWidth(k) + "]";
            if (t == null) {
                throw new InvalidRequestException("input '" + io.inputName(k) + "' is required in tensor mode: "
                        + expected + " " + shape + "; model " + model.name() + " takes " + names);
            }
            if (!t.datatype().equals(expected)) {
                throw new InvalidRequestException(
                        "input '" + t.name() + "': expected datatype " + expected + ", received " + t.datatype());
            }
            long[] s = t.shape();
            if (s.length != (rank1 ? 1 : 2) || (!rank1 && s[1] != io.inputWidth(k))) {
                throw new InvalidRequestException(
                        "input '" + t.name() + "': expected shape " + shape + ", received " + Arrays.toString(s));
            }
            if (rows >= 0 && s[0] != rows) {
                throw new InvalidRequestException(
                        "input '" + t.name() + "' has " + s[0] + " rows; the other inputs have " + rows);
            }
            rows = rows(s[0]);
            checkSize(t, (long) rows * io.inputWidth(k));
        }
        ModelIo.Inputs inputs = io.inputs(rows);
        for (int k = 0; k < io.inputCount(); k++) {
            RequestInput t = tensors.get(io.inputName(k));
            int width = io.inputWidth(k);
            for (int i = 0; i < rows * width; i++) {
                Object v = t.data().get(i);
                if (io.inputType(k) == ModelManifest.InputType.STRING) {
                    if (!(v instanceof String text)) {
                        throw new InvalidRequestException(
                                "input '" + t.name() + "': BYTES data must be strings; got " + show(v));
                    }
                    inputs.string(k, i / width, i % width, text);
                } else {
                    double d = v instanceof Boolean b ? (b ? 1 : 0) : v instanceof Double n ? n : Double.NaN;
                    if ((v instanceof Boolean) != (io.inputType(k) == ModelManifest.InputType.BOOL)
                            || !inputs.number(k, i / width, i % width, d)) {
                        throw new InvalidRequestException("input '" + t.name() + "': " + show(v) + " is not a "
                                + datatype(io.inputType(k)) + " value");
                    }
                }
            }
        }
        if (tracked != null) {
            tracked.scored(rows, false); // no online features in tensor mode: never degraded
        }
        ModelIo.Outputs out;
        try {
            out = io.run(inputs);
        } catch (OrtException e) {
            throw new ScoringException(
                    "ONNX Runtime failed on " + rows + " row(s) of model " + model.name() + ": " + e.getMessage(), e);
        }
        String tensor = model.manifest().output().tensor();
        return Map.of(
                tensor, ResponseOutput.of(tensor, "FP32", new long[] {rows, out.stride()}, new Floats(out.values())));
    }

    private static String datatype(ModelManifest.InputType type) {
        return switch (type) {
            case FLOAT32 -> "FP32";
            case FLOAT64 -> "FP64";
            case INT64 -> "INT64";
            case INT32 -> "INT32";
            case BOOL -> "BOOL";
            case STRING -> "BYTES";
        };
    }

    /** Builds the response of a features-mode request from its rows' predictions. */
    InferResponse features(
            LoadedModel model, Checked checked, List<Prediction> predictions, RequestMetrics.Tracked tracked) {
        return response(model, checked, featuresOutputs(model, predictions, tracked));
    }

    private static InferResponse response(LoadedModel model, Checked checked, Map<String, ResponseOutput> outputs) {
        List<ResponseOutput> selected = new ArrayList<>(checked.wanted().size());
        for (String name : checked.wanted()) {
            selected.add(outputs.get(name));
        }
        InferRequest request = checked.request();
        return new InferResponse(model.name(), model.version(), request.id(), request.parameters(), selected);
    }

    /** What every input needs, whichever the mode. */
    private static void check(RequestInput input) {
        if (input == null || input.name() == null || input.name().isBlank()) {
            throw new InvalidRequestException("every input needs a 'name'");
        }
        String name = input.name();
        if (!DATATYPES.contains(input.datatype())) {
            throw new InvalidRequestException("input '" + name + "': 'datatype' must be one of BOOL, INT8..INT64,"
                    + " UINT8..UINT64, FP16, FP32, FP64, BYTES; received '"
                    + (input.datatype() == null ? "" : input.datatype()) + "'");
        }
        if (input.shape() == null) {
            throw new InvalidRequestException("input '" + name + "': 'shape' is required, e.g. [1, 15]");
        }
        for (long d : input.shape()) {
            if (d < 0) {
                throw new InvalidRequestException("input '" + name + "': shape entries must be non-negative"
                        + " integers; received " + Arrays.toString(input.shape()));
            }
        }
        if (input.data() == null) {
            throw new InvalidRequestException("input '" + name + "': 'data' is required, a row-major array");
        }
    }

    private Map<String, ResponseOutput> tensorMode(
            LoadedModel model, Map<String, RequestInput> tensors, String onnxInput, RequestMetrics.Tracked tracked) {
        if (tensors.size() != 1) {
            throw new InvalidRequestException(
                    "tensor mode takes one input, '" + onnxInput + "'; got " + tensors.keySet());
        }
        RequestInput t = tensors.get(onnxInput);
        int width = model.onnx().width();
        if (!t.datatype().equals("FP32")) {
            throw new InvalidRequestException(
                    "input '" + onnxInput + "': expected datatype FP32, received " + t.datatype());
        }
        long[] shape = t.shape();
        if (shape.length != 2 || shape[1] != width) {
            throw new InvalidRequestException("input '" + onnxInput + "': expected shape [rows, " + width
                    + "], received " + Arrays.toString(shape));
        }
        int rows = rows(shape[0]);
        checkSize(t, (long) rows * width);
        if (!(t.data() instanceof Numbers numbers)) {
            throw new InvalidRequestException(
                    "input '" + onnxInput + "': FP32 data must be numbers; got " + firstNonNumber(t.data()));
        }
        String tensor = model.manifest().output().tensor();
        if (tracked != null) {
            tracked.scored(rows, false); // no online features in tensor mode: never degraded
        }
        try (OnnxModel.Run run = model.onnx().begin(rows)) {
            FloatBuffer in = run.input();
            double[] values = numbers.values();
            for (int i = 0; i < rows * width; i++) {
                float f = (float) values[i];
                if (!Float.isFinite(f)) {
                    throw new InvalidRequestException(
                            "input '" + onnxInput + "': " + values[i] + " is not a finite FP32");
                }
                in.put(f);
            }
            FloatBuffer out;
            try {
                out = run.execute();
            } catch (OrtException e) {
                // the message is for the log only (Errors): the client gets "internal error" and an id
                throw new ScoringException(
                        "ONNX Runtime failed on " + rows + " row(s) of model " + model.name() + ": " + e.getMessage(),
                        e);
            }
            int stride = run.stride();
            float[] data = new float[rows * stride];
            out.get(0, data); // absolute: the pooled buffer's position stays put
            return Map.of(tensor, ResponseOutput.of(tensor, "FP32", new long[] {rows, stride}, new Floats(data)));
        }
    }

    private static String firstNonNumber(TensorData data) {
        for (int i = 0; i < data.size(); i++) {
            Object v = data.get(i);
            if (!(v instanceof Number)) {
                return show(v);
            }
        }
        return "non-numbers"; // unreachable: all-number data are Numbers
    }

    private List<Row> featuresBatch(LoadedModel model, Map<String, RequestInput> tensors) {
        Map<String, FeatureType> requestFeatures = new LinkedHashMap<>();
        // a model that reads other models' outputs takes their request features too (one row feeds every stage)
        List<FeatureSpec> specs = new ArrayList<>();
        if (model.chain() == null) {
            specs.addAll(model.manifest().features());
        } else {
            model.chain()
                    .stages()
                    .forEach(stage -> specs.addAll(stage.manifest().features()));
        }
        for (FeatureSpec f : specs) {
            if (f instanceof FeatureSpec.Request || f instanceof FeatureSpec.Store s && s.acceptedFromCaller()) {
                requestFeatures.putIfAbsent(f.name(), f.type());
            }
        }
        String accepted = requestFeatures.keySet().toString();
        for (FeatureSpec f : specs) {
            if (f instanceof FeatureSpec.Store
                    && tensors.containsKey(f.name())
                    && !requestFeatures.containsKey(f.name())) {
                // a store-only feature: the scorer's own check rejects it, with the same message as /predict
                requestFeatures.put(f.name(), f.type());
            }
        }
        int rows = -1;
        for (RequestInput t : tensors.values()) {
            boolean entity = t.name().equals(ENTITY_INPUT);
            FeatureType type = requestFeatures.get(t.name());
            if (!entity && type == null) {
                throw new InvalidRequestException("unknown input '" + t.name() + "': model " + model.name()
                        + " takes " + tensorInputs(model) + " (tensor mode) or the features "
                        + accepted + " plus '" + ENTITY_INPUT + "' (features mode)");
            }
            long[] shape = t.shape();
            if (shape.length == 0 || shape.length > 2 || (shape.length == 2 && shape[1] != 1)) {
                throw new InvalidRequestException("input '" + t.name()
                        + "': expected shape [rows] or [rows, 1], received " + Arrays.toString(shape));
            }
            if (rows >= 0 && shape[0] != rows) {
                throw new InvalidRequestException(
                        "input '" + t.name() + "' has " + shape[0] + " rows; the other inputs" + " have " + rows);
            }
            rows = rows(shape[0]);
            checkSize(t, rows);
            String expected = entity ? "BYTES" : datatypeOf(type);
            if (!accepts(expected, t.datatype())) {
                throw new InvalidRequestException("input '" + t.name() + "': expected datatype " + expected
                        + (expected.equals("FP64") ? " (or FP32, INT32, INT64)" : "") + ", received " + t.datatype());
            }
        }
        List<Row> batch = new ArrayList<>(rows);
        RequestInput entities = tensors.get(ENTITY_INPUT);
        for (int r = 0; r < rows; r++) {
            Map<String, Object> features = new HashMap<>();
            for (RequestInput t : tensors.values()) {
                if (t != entities) {
                    features.put(t.name(), value(t, r));
                }
            }
            batch.add(Row.of(entities == null ? null : text(entities, r), features));
        }
        return batch;
    }

    private static String tensorInputs(LoadedModel model) {
        List<String> names = new ArrayList<>();
        for (ModelManifest.InputSpec input : model.manifest().inputs()) {
            names.add("'" + input.name() + "' (" + datatype(input.elementType()) + ")");
        }
        return String.join(", ", names);
    }

    private static Map<String, ResponseOutput> featuresOutputs(
            LoadedModel model, List<Prediction> predictions, RequestMetrics.Tracked tracked) {
        int rows = predictions.size();
        if (tracked != null) {
            tracked.scored(rows, Answers.anyDegraded(predictions));
        }
        float[] scores = new float[rows];
        List<String> labels = new ArrayList<>(rows);
        List<Boolean> degraded = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            Prediction p = predictions.get(r);
            scores[r] = p.score();
            labels.add(p.label());
            degraded.add(p.degraded());
        }
        long[] shape = {rows};
        Map<String, ResponseOutput> outputs = new LinkedHashMap<>();
        outputs.put("score", ResponseOutput.of("score", "FP32", shape, new Floats(scores)));
        ModelManifest.OutputKind kind = model.manifest().output().outputKind();
        if (model.manifest().output().labels() != null || kind == ModelManifest.OutputKind.MULTICLASS) {
            outputs.put("label", ResponseOutput.of("label", "BYTES", shape, new Values(labels)));
        }
        if (kind == ModelManifest.OutputKind.MULTICLASS) {
            outputs.put("probabilities", probabilities(predictions));
        }
        outputs.put("degraded", ResponseOutput.of("degraded", "BOOL", shape, new Values(degraded)));
        if (model.chain() != null) {
            List<LoadedModel> stages = earlierStages(model);
            for (int k = 0; k < stages.size(); k++) {
                float[] stageScores = new float[rows];
                List<String> stageLabels = new ArrayList<>(rows);
                for (int r = 0; r < rows; r++) {
                    Prediction.Stage stage = predictions.get(r).stages().get(k);
                    stageScores[r] = stage.score();
                    stageLabels.add(stage.label());
                }
                String name = stages.get(k).name();
                outputs.put(
                        name + ".score", ResponseOutput.of(name + ".score", "FP32", shape, new Floats(stageScores)));
                if (labelled(stages.get(k))) {
                    outputs.put(
                            name + ".label",
                            ResponseOutput.of(name + ".label", "BYTES", shape, new Values(stageLabels)));
                }
            }
        }
        return outputs;
    }

    /** The class probabilities of a multiclass model's rows, FP32 [rows, classes], classes in the model's order. */
    private static ResponseOutput probabilities(List<Prediction> predictions) {
        int rows = predictions.size();
        int classes = rows == 0 ? 0 : predictions.get(0).probabilities().size();
        float[] data = new float[rows * classes];
        List<String> names = rows == 0
                ? List.of()
                : new ArrayList<>(predictions.get(0).probabilities().keySet());
        for (int r = 0; r < rows; r++) {
            int c = 0;
            for (float p : predictions.get(r).probabilities().values()) {
                data[r * classes + c++] = p;
            }
        }
        return new ResponseOutput(
                "probabilities",
                new long[] {rows, classes},
                "FP32",
                Map.<String, Object>of("classes", names),
                new Floats(data));
    }

    private static boolean accepts(String expected, String received) {
        return expected.equals(received)
                || (expected.equals("FP64")
                        && (received.equals("FP32") || received.equals("INT32") || received.equals("INT64")));
    }

    private static Object value(RequestInput t, int row) {
        Object v = t.data().get(row);
        return switch (t.datatype()) {
            case "BOOL" -> {
                if (!(v instanceof Boolean)) {
                    throw new InvalidRequestException("input '" + t.name() + "' row " + row
                            + ": BOOL data must be true or false; got " + show(v));
                }
                yield v;
            }
            case "BYTES" -> text(t, row);
            default -> {
                if (!(v instanceof Double)) {
                    throw new InvalidRequestException("input '" + t.name() + "' row " + row + ": " + t.datatype()
                            + " data must be numbers; got " + show(v));
                }
                yield v;
            }
        };
    }

    private static String text(RequestInput t, int row) {
        Object v = t.data().get(row);
        if (!(v instanceof String s)) {
            throw new InvalidRequestException(
                    "input '" + t.name() + "' row " + row + ": BYTES data must be strings; got " + show(v));
        }
        return s;
    }

    /** A request value as the client wrote it, near enough for an error message. */
    private static String show(Object v) {
        return v instanceof String s ? '"' + s + '"' : String.valueOf(v);
    }

    private static void checkSize(RequestInput t, long expected) {
        if (t.data().size() != expected) {
            throw new InvalidRequestException(String.format(
                    Locale.ROOT,
                    "input '%s': shape %s holds %d value(s); 'data' has %d",
                    t.name(),
                    Arrays.toString(t.shape()),
                    expected,
                    t.data().size()));
        }
    }

    private int rows(long rows) {
        if (rows < 1) {
            throw new InvalidRequestException("a tensor needs at least one row; got shape[0] = " + rows);
        }
        if (rows > maxRows) {
            throw new PayloadTooLargeException(rows + " rows is over the limit of " + maxRows
                    + " (inferfn.http.max-batch-rows); split the request");
        }
        return (int) rows;
    }

    /** {@code 404} for a version this function does not serve. */
    public static void checkVersion(LoadedModel model, String version) {
        if (version != null && !version.equals(model.version())) {
            throw new ModelNotFoundException("model " + model.name() + " version " + version + " is not served here;"
                    + " this function serves version " + model.version());
        }
    }
}
