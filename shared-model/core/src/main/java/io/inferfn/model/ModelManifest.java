package io.inferfn.model;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * {@code manifest.json}: the single source of truth for a published model. It pins the sha256 of
 * {@code model.onnx}, declares its input tensor and the order of its feature columns, where each
 * feature comes from (the request, the online store, or derived on demand), the default of each
 * feature when it is missing and whether the model may be served degraded without it, and how the
 * output tensor is read (column, thresholds, labels), and optionally the {@link ScoreReference}
 * histogram of the scores it gave a reference data set, against which drift is measured.
 *
 * <p>{@code executionProvider} (optional: {@code cpu}, {@code cuda}, {@code cuda:<device>}) is where this model asks
 * to run; it takes precedence over the function's {@code inferfn.model.onnx.execution-provider} for this model, so one
 * GPU container can run a transformer on CUDA beside tabular models on the CPU. Where CUDA is unavailable the model
 * loads on the CPU and the start says why.
 *
 * <p>{@link #parse} validates everything that can be checked without the ONNX session: names are
 * unique, every reference resolves, derived features only use features declared before them, and
 * thresholds and labels agree. {@link OnnxModel} checks the rest against the session's own
 * metadata.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelManifest(
        String name,
        String version,
        String sha256,
        Quantization quantization,
        String description,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<InputSpec> inputs,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<FeatureSpec> features,
        OutputSpec output,
        ScoreReference reference,
        TextSpec text,
        String executionProvider) {

    /** A manifest without its own execution provider (the function's {@code inferfn.model.onnx} setting applies). */
    public ModelManifest(
            String name,
            String version,
            String sha256,
            Quantization quantization,
            String description,
            List<InputSpec> inputs,
            List<FeatureSpec> features,
            OutputSpec output,
            ScoreReference reference,
            TextSpec text) {
        this(name, version, sha256, quantization, description, inputs, features, output, reference, text, null);
    }

    /** A tabular model's manifest (no {@code text} section). */
    public ModelManifest(
            String name,
            String version,
            String sha256,
            Quantization quantization,
            String description,
            List<InputSpec> inputs,
            List<FeatureSpec> features,
            OutputSpec output,
            ScoreReference reference) {
        this(name, version, sha256, quantization, description, inputs, features, output, reference, null);
    }

    /** A text model's inputs come from its tokenizer: it declares no {@code inputs} or {@code features}. */
    public ModelManifest {
        if (text != null) {
            inputs = inputs == null ? List.of() : inputs;
            features = features == null ? List.of() : features;
        }
    }

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** The placeholder in store key patterns that stands for the request's entity id. */
    public static final String ENTITY_ID = "entityId";

    /** Reads and validates a manifest; {@code origin} names the file in error messages. */
    public static ModelManifest parse(InputStream json, String origin) {
        byte[] bytes;
        try {
            bytes = json.readAllBytes();
        } catch (IOException e) {
            throw new ManifestException("cannot read manifest " + origin + ": " + e.getMessage(), e);
        }
        return parse(bytes, origin);
    }

    /** Parses a manifest held in memory (tests, tools). */
    public static ModelManifest parse(byte[] json, String origin) {
        ModelManifest manifest;
        try {
            manifest = MAPPER.readValue(json, ModelManifest.class);
        } catch (InvalidTypeIdException | UnrecognizedPropertyException e) {
            String feature = featureOf(json, e);
            if (feature == null) {
                throw notValid(origin, e);
            }
            throw new ManifestException("manifest " + origin + ": " + feature + featureProblem(e), e);
        } catch (JsonProcessingException e) {
            throw notValid(origin, e);
        } catch (IOException e) {
            throw new ManifestException("cannot read manifest " + origin + ": " + e.getMessage(), e);
        }
        if (manifest == null) {
            throw new ManifestException("manifest " + origin + " is empty; expected a JSON object");
        }
        manifest.validate(origin);
        return manifest;
    }

    private static ManifestException notValid(String origin, JsonProcessingException e) {
        return new ManifestException(
                "manifest " + origin + " is not valid: " + e.getOriginalMessage() + " (at " + e.getLocation() + ")", e);
    }

    /**
     * Names the feature a mapping error is in ({@code feature 'amount': }, else {@code features[3]: }),
     * or null when the error is elsewhere. Jackson's own text would name Java classes.
     */
    private static String featureOf(byte[] json, JsonMappingException e) {
        List<JsonMappingException.Reference> path = e.getPath();
        if (path.size() < 2 || !"features".equals(path.get(0).getFieldName())) {
            return null;
        }
        int index = path.get(1).getIndex();
        try {
            JsonNode name = MAPPER.readTree(json).path("features").path(index).path("name");
            if (name.isTextual()) {
                return "feature '" + name.asText() + "': ";
            }
        } catch (IOException unreadable) {
            // the position is all there is to say
        }
        return "features[" + index + "]: ";
    }

    private static String featureProblem(JsonMappingException e) {
        if (e instanceof InvalidTypeIdException typeId) {
            return typeId.getTypeId() == null
                    ? "'source' is required (" + FeatureSource.NAMES + ")"
                    : "'source' must be one of " + FeatureSource.NAMES + "; got '" + typeId.getTypeId() + "'";
        }
        UnrecognizedPropertyException unknown = (UnrecognizedPropertyException) e;
        Class<?> spec = unknown.getReferringClass();
        JsonPropertyOrder fields = spec.getAnnotation(JsonPropertyOrder.class);
        return "a " + FeatureSource.of(spec) + " feature takes no '" + unknown.getPropertyName() + "'; it takes "
                + (fields == null ? unknown.getKnownPropertyIds() : String.join(", ", fields.value()));
    }

    /** Serializes the manifest as indented JSON (used by the publisher and the model generator). */
    public byte[] toJson() {
        try {
            return MAPPER.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("manifest cannot be serialized", e);
        }
    }

    /** A copy published as another version with another quantization (the publisher's rewrite). */
    public ModelManifest republished(String newVersion, Quantization newQuantization, String newSha256) {
        return new ModelManifest(
                name,
                newVersion,
                newSha256,
                newQuantization,
                description,
                inputs,
                features,
                output,
                reference,
                text,
                executionProvider);
    }

    /** A copy with {@code newReference} as its reference score histogram (the publisher's, from a data set). */
    public ModelManifest withReference(ScoreReference newReference) {
        return new ModelManifest(
                name,
                version,
                sha256,
                quantization,
                description,
                inputs,
                features,
                output,
                newReference,
                text,
                executionProvider);
    }

    /** The first model input (the one feature tensor of a model with a single input). */
    public InputSpec input() {
        return inputs.get(0);
    }

    private void validate(String origin) {
        String where = "manifest " + origin + ": ";
        require(
                name != null && name.matches("[a-z0-9][a-z0-9._-]*"),
                where + "'name' must be lower-case letters, digits, '.', '_' or '-'; got " + quote(name));
        require(version != null && !version.isBlank(), where + "'version' is required");
        require(
                sha256 != null && sha256.matches("[0-9a-f]{64}"),
                where + "'sha256' must be the 64 hex digit sha256 of model.onnx; got " + quote(sha256));
        require(quantization != null, where + "'quantization' is required (fp32 or int8)");
        if (executionProvider != null) {
            try {
                OnnxOptions.cudaDevice(executionProvider);
            } catch (IllegalArgumentException e) {
                throw new ManifestException(
                        where + "'executionProvider' must be cpu, cuda or cuda:<device number> (ONNX Runtime's CUDA"
                                + " execution provider); got " + quote(executionProvider),
                        e);
            }
        }
        if (text != null) {
            validateText(where);
            return;
        }
        require(
                output == null || output.outputKind() != OutputKind.EMBEDDING,
                where + "an 'embedding' output is a text model's: declare a 'text' section (tokenizer, pooling)");
        require(
                inputs != null && !inputs.isEmpty(),
                where + "'inputs' must declare at least one model input (name, type, shape, features)");
        require(features != null && !features.isEmpty(), where + "'features' must declare at least one feature");
        require(output != null, where + "'output' is required (tensor, column, thresholds, labels)");

        Map<String, FeatureSpec> declared = new HashMap<>();
        for (FeatureSpec feature : features) {
            feature.validate(where, declared);
            if (declared.put(feature.name(), feature) != null) {
                throw new ManifestException(where + "feature '" + feature.name() + "' is declared twice");
            }
        }
        Set<String> inputNames = new HashSet<>();
        for (InputSpec input : inputs) {
            require(input != null, where + "'inputs' has a null entry");
            input.validate(where);
            require(inputNames.add(input.name()), where + "input '" + input.name() + "' is declared twice");
            validateColumns(where, input, declared);
        }
        output.validate(where);
        if (reference != null) {
            reference.validate(where);
        }
    }

    private void validateText(String where) {
        require(
                inputs.isEmpty() && features.isEmpty(),
                where + "a text model takes no 'inputs' or 'features': its inputs (input_ids, attention_mask,"
                        + " token_type_ids) come from the tokenizer named in 'text'");
        require(
                output != null,
                where + "'output' is required: {\"kind\": \"embedding\", \"tensor\": ...} or {\"kind\":"
                        + " \"multiclass\", \"tensor\": ..., \"labels\": [...]}");
        text.validate(where);
        OutputKind k = output.outputKind();
        require(
                k == OutputKind.EMBEDDING || k == OutputKind.MULTICLASS,
                where + "a text model's output 'kind' must be embedding or multiclass; got " + k.json());
        output.validate(where);
        if (k == OutputKind.MULTICLASS) {
            require(
                    text.pooling == null && text.normalize == null,
                    where + "'text.pooling' and 'text.normalize' shape an embedding; a multiclass head takes neither");
        }
    }

    private static void validateColumns(String where, InputSpec input, Map<String, FeatureSpec> declared) {
        Set<String> columns = new HashSet<>();
        int width = 0;
        boolean string = input.elementType() == InputType.STRING;
        for (String column : input.columns()) {
            FeatureSpec feature = declared.get(column);
            require(
                    feature != null,
                    where + "input '" + input.name() + "' lists feature '" + column
                            + "' which is not declared in 'features'");
            require(columns.add(column), where + "input '" + input.name() + "' lists feature '" + column + "' twice");
            if (string) {
                require(
                        feature.type() == FeatureType.STRING,
                        where + "input '" + input.name() + "' is a string tensor; feature '" + column + "' is a "
                                + feature.type().json() + " (a string input takes string features only)");
            } else {
                require(
                        feature.type() != FeatureType.STRING,
                        where + "feature '" + column + "' is a string and input '" + input.name() + "' is "
                                + input.type() + "; feed it through a one_hot derived feature or a 'string' input");
            }
            width += feature.width();
        }
        long declaredWidth = input.shape().size() == 1 ? 1 : input.shape().get(1);
        require(
                declaredWidth == width,
                where + "input '" + input.name() + "' shape says " + declaredWidth + " columns; its features fill "
                        + width);
    }

    static void require(boolean condition, String message) {
        if (!condition) {
            throw new ManifestException(message);
        }
    }

    static String quote(Object value) {
        return value == null ? "nothing" : "'" + value + "'";
    }

    /**
     * One model input and the features that fill it: {@code features} fill its columns in order (one
     * column per feature, a one_hot as many as its categories), or {@code feature} fills the whole
     * input, one value per row (shape {@code [batch]} or {@code [batch, 1]}, as skl2onnx writes one
     * input per column). {@code type} is the tensor's element type: {@code float32} (the default
     * feature tensor), {@code float64}, {@code int64}, {@code int32}, {@code bool} or {@code string}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record InputSpec(String name, String type, List<Long> shape, List<String> features, String feature) {

        /** A float32 feature tensor filled by {@code features}, column by column (today's manifests). */
        public InputSpec(String name, String type, List<Long> shape, List<String> features) {
            this(name, type, shape, features, null);
        }

        /** The features that fill the columns, in order: {@code features}, or the one {@code feature}. */
        public List<String> columns() {
            return feature != null ? List.of(feature) : features;
        }

        /** The tensor's element type (validated: one of {@link InputType}). */
        public InputType elementType() {
            return InputType.of(type);
        }

        /** Whether the tensor is {@code [batch]} rather than {@code [batch, columns]}. */
        public boolean rank1() {
            return shape.size() == 1;
        }

        void validate(String where) {
            require(name != null && !name.isBlank(), where + "input 'name' is required");
            require(
                    InputType.of(type) != null,
                    where + "input '" + name + "' has type " + quote(type) + "; expected one of " + InputType.NAMES);
            require(
                    shape != null && (shape.size() == 1 || shape.size() == 2),
                    where + "input '" + name + "' must have a shape [batch, columns] (e.g. [-1, 12]) or [batch]; got "
                            + shape);
            require(
                    (features != null && !features.isEmpty()) != (feature != null),
                    where + "input '" + name + "' must list the features that fill its columns ('features')"
                            + " or name the one feature that fills it ('feature'), not both");
        }
    }

    /** The element type of a model input tensor, as a manifest writes it. */
    public enum InputType {
        FLOAT32("float32"),
        FLOAT64("float64"),
        INT64("int64"),
        INT32("int32"),
        BOOL("bool"),
        STRING("string");

        private final String json;

        InputType(String json) {
            this.json = json;
        }

        /** The values of an input's {@code "type"}, for messages. */
        public static final String NAMES = "float32, float64, int64, int32, bool, string";

        public String json() {
            return json;
        }

        /** The type named {@code value}, or null when there is none of that name. */
        public static InputType of(String value) {
            for (InputType t : values()) {
                if (t.json.equals(value)) {
                    return t;
                }
            }
            return null;
        }
    }

    /** Where a feature comes from. */
    public enum FeatureSource {
        REQUEST("request"),
        STORE("store"),
        DERIVED("derived"),
        /** Another model's output, scored first in the same call (a chain). */
        MODEL("model"),
        /** A rolling statistic of the entity's recent readings, kept in Redis by the stream function. */
        WINDOW("window");

        private final String json;

        FeatureSource(String json) {
            this.json = json;
        }

        @JsonValue
        public String json() {
            return json;
        }

        /** The values of {@code "source"}, for messages. */
        static final String NAMES = "request, store, derived, model or window";

        /** The source of a {@link FeatureSpec} record class. */
        static String of(Class<?> spec) {
            if (spec == FeatureSpec.Request.class) {
                return REQUEST.json;
            }
            if (spec == FeatureSpec.Model.class) {
                return MODEL.json;
            }
            if (spec == FeatureSpec.Window.class) {
                return WINDOW.json;
            }
            return spec == FeatureSpec.Store.class ? STORE.json : DERIVED.json;
        }
    }

    /** The value type of a feature. Timestamps are epoch seconds or ISO-8601 strings in requests. */
    public enum FeatureType {
        NUMBER("number"),
        BOOLEAN("boolean"),
        STRING("string"),
        TIMESTAMP("timestamp");

        private final String json;

        FeatureType(String json) {
            this.json = json;
        }

        @JsonValue
        public String json() {
            return json;
        }

        @JsonCreator
        public static FeatureType of(String value) {
            for (FeatureType t : values()) {
                if (t.json.equals(value)) {
                    return t;
                }
            }
            throw new IllegalArgumentException(
                    "type must be one of number, boolean, string, timestamp; got '" + value + "'");
        }
    }

    /** The declared on-demand transformations; a derived feature names one and its arguments. */
    public enum DerivedOp {
        /** {@code a / b}; the feature's default when {@code b} is 0. */
        RATIO("ratio", 2),
        /** {@code a - b}. */
        DIFFERENCE("difference", 2),
        /** {@code ln(1 + a)}; the default when {@code a <= -1}. */
        LOG1P("log1p", 1),
        /** Index of the bucket {@code a} falls in: the number of {@code boundaries} that are {@code <= a}. */
        BUCKET("bucket", 1),
        /** One column per entry of {@code categories}: 1 where the argument equals it, else 0. */
        ONE_HOT("one_hot", 1),
        /** Hour of day 0..23 of a timestamp, in {@code timezone} (default UTC). */
        HOUR_OF_DAY("hour_of_day", 1),
        /** Day of week 0 (Monday) .. 6 (Sunday) of a timestamp, in {@code timezone} (default UTC). */
        DAY_OF_WEEK("day_of_week", 1);

        private final String json;
        private final int arity;

        DerivedOp(String json, int arity) {
            this.json = json;
            this.arity = arity;
        }

        public int arity() {
            return arity;
        }

        @JsonValue
        public String json() {
            return json;
        }

        @JsonCreator
        public static DerivedOp of(String value) {
            for (DerivedOp op : values()) {
                if (op.json.equals(value)) {
                    return op;
                }
            }
            throw new IllegalArgumentException("op must be one of ratio, difference, log1p, bucket, one_hot,"
                    + " hour_of_day, day_of_week; got '" + value + "'");
        }
    }

    /** What a model's output is, and so how a prediction reads it. */
    public enum OutputKind {
        /** One score per row, {@code column} of {@code tensor}; {@code thresholds} and {@code labels} label it. */
        BINARY("binary"),
        /** Class probabilities per row; the label is the most probable class that reaches its threshold. */
        MULTICLASS("multiclass"),
        /** One value per row, {@code column} of {@code tensor}; no label. */
        REGRESSION("regression"),
        /**
         * A text model's vector per text: {@code tensor} is {@code [batch, tokens, hidden]} (pooled as {@code
         * text.pooling} says) or {@code [batch, hidden]} (already pooled); no label.
         */
        EMBEDDING("embedding");

        private final String json;

        OutputKind(String json) {
            this.json = json;
        }

        @JsonValue
        public String json() {
            return json;
        }

        @JsonCreator
        public static OutputKind of(String value) {
            for (OutputKind k : values()) {
                if (k.json.equals(value)) {
                    return k;
                }
            }
            throw new IllegalArgumentException(
                    "output kind must be one of binary, multiclass, regression, embedding; got '" + value + "'");
        }
    }

    /**
     * How predictions are read, by {@code kind} (binary when absent):
     *
     * <ul>
     *   <li><b>binary</b>: {@code column} of output {@code tensor} is the score; when {@code thresholds}
     *       (ascending) are set, the label is {@code labels[i]} where {@code i} is the number of
     *       thresholds the score reaches, so {@code labels} has one entry more than thresholds.
     *   <li><b>multiclass</b>: {@code tensor} holds one probability per class, a float tensor
     *       {@code [batch, classes]} or a ZipMap {@code seq(map)}; {@code labels} name the classes in
     *       order (else a ZipMap's keys, else the model's {@code classes} metadata, else the class
     *       index); the label is the most probable class among those whose probability reaches their
     *       {@code classThresholds} entry (classes without an entry always qualify), and the score is
     *       its probability.
     *   <li><b>regression</b>: {@code column} of {@code tensor} is the predicted value, returned as
     *       the score; no label.
     * </ul>
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OutputSpec(
            String tensor,
            Integer column,
            List<Double> thresholds,
            List<String> labels,
            OutputKind kind,
            Map<String, Double> classThresholds) {

        /** A binary score output (today's manifests). */
        public OutputSpec(String tensor, Integer column, List<Double> thresholds, List<String> labels) {
            this(tensor, column, thresholds, labels, null, null);
        }

        public int columnIndex() {
            return column == null ? 0 : column;
        }

        /** The kind of output; binary when the manifest says none. */
        public OutputKind outputKind() {
            return kind == null ? OutputKind.BINARY : kind;
        }

        void validate(String where) {
            require(tensor != null && !tensor.isBlank(), where + "output 'tensor' is required");
            require(columnIndex() >= 0, where + "output 'column' must be >= 0; got " + column);
            OutputKind k = outputKind();
            require(
                    classThresholds == null || k == OutputKind.MULTICLASS,
                    where + "output 'classThresholds' belong to a multiclass output; this one is " + k.json());
            if (k == OutputKind.EMBEDDING) {
                require(
                        thresholds == null && labels == null && column == null,
                        where + "an embedding output gives a vector: it takes no 'thresholds', 'labels' or 'column'");
                return;
            }
            if (k == OutputKind.REGRESSION) {
                require(
                        thresholds == null && labels == null,
                        where + "a regression output gives a value, not a label: it takes no 'thresholds' or"
                                + " 'labels'");
                return;
            }
            if (k == OutputKind.MULTICLASS) {
                require(
                        thresholds == null,
                        where + "a multiclass output takes per-class thresholds as 'classThresholds' {label:"
                                + " probability}, not 'thresholds'");
                require(
                        column == null,
                        where + "a multiclass output reads every class of '" + tensor + "'; it takes no 'column'");
                if (labels != null) {
                    require(
                            labels.size() >= 2 && new HashSet<>(labels).size() == labels.size(),
                            where + "output 'labels' must name two or more distinct classes; got " + labels);
                }
                if (classThresholds != null) {
                    for (Map.Entry<String, Double> e : classThresholds.entrySet()) {
                        require(
                                e.getValue() != null && e.getValue() >= 0 && e.getValue() <= 1,
                                where + "classThresholds['" + e.getKey() + "'] must be a probability in [0, 1];"
                                        + " got " + e.getValue());
                        require(
                                labels == null || labels.contains(e.getKey()),
                                where + "classThresholds names class '" + e.getKey() + "', which is not one of"
                                        + " the labels " + labels);
                    }
                }
                return;
            }
            List<Double> t = thresholds == null ? List.of() : thresholds;
            for (int i = 0; i < t.size(); i++) {
                require(t.get(i) != null && Double.isFinite(t.get(i)), where + "output thresholds must be numbers");
                require(
                        i == 0 || t.get(i - 1) < t.get(i),
                        where + "output 'thresholds' must be strictly ascending;" + " got " + t);
            }
            if (!t.isEmpty() || labels != null) {
                require(
                        labels != null && labels.size() == t.size() + 1,
                        where + "output needs one label more than"
                                + " thresholds (" + t.size() + " thresholds -> " + (t.size() + 1) + " labels); got "
                                + (labels == null ? "none" : labels.size()));
            }
        }
    }

    /** How a text model pools its token vectors into one embedding. */
    public enum Pooling {
        /** The mean of the token vectors over the attention mask (sentence-transformers' default). */
        MEAN("mean"),
        /** The first token's vector ({@code [CLS]}). */
        CLS("cls");

        private final String json;

        Pooling(String json) {
            this.json = json;
        }

        @JsonValue
        public String json() {
            return json;
        }

        @JsonCreator
        public static Pooling of(String value) {
            for (Pooling p : values()) {
                if (p.json.equals(value)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("pooling must be mean or cls; got '" + value + "'");
        }
    }

    /**
     * A text model: the request carries text, which {@code tokenizer} (a Hugging Face {@code tokenizer.json} in the
     * model directory, its sha256 pinned as {@code tokenizerSha256} like {@code model.onnx}'s) turns into the
     * session's {@code input_ids}, {@code attention_mask} and (if it has one) {@code token_type_ids}.
     *
     * @param maxLength most tokens per text, special tokens included (default {@value #DEFAULT_MAX_LENGTH}), capped
     *     at the tokenizer's own limit when its {@code tokenizer.json} declares one
     * @param truncation whether a longer text is cut to {@code maxLength} (the default) or refused with a 413
     * @param pooling how an embedding output's token vectors become one vector: mean (default) or cls
     * @param normalize whether an embedding is scaled to unit length (L2; default true)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TextSpec(
            String tokenizer,
            String tokenizerSha256,
            Integer maxLength,
            Boolean truncation,
            Pooling pooling,
            Boolean normalize) {

        /** The default of {@code maxLength}. */
        public static final int DEFAULT_MAX_LENGTH = 256;

        public int maxLengthOrDefault() {
            return maxLength == null ? DEFAULT_MAX_LENGTH : maxLength;
        }

        public boolean truncates() {
            return truncation == null || truncation;
        }

        public Pooling poolingOrDefault() {
            return pooling == null ? Pooling.MEAN : pooling;
        }

        public boolean normalizes() {
            return normalize == null || normalize;
        }

        void validate(String where) {
            require(
                    tokenizer != null && tokenizer.matches("[A-Za-z0-9][A-Za-z0-9._-]*\\.json"),
                    where + "'text.tokenizer' must name the tokenizer.json file in the model directory; got "
                            + quote(tokenizer));
            require(
                    tokenizerSha256 != null && tokenizerSha256.matches("[0-9a-f]{64}"),
                    where + "'text.tokenizerSha256' must be the 64 hex digit sha256 of " + tokenizer + "; got "
                            + quote(tokenizerSha256));
            require(
                    maxLength == null || maxLength >= 2,
                    where + "'text.maxLength' must be at least 2 tokens (room for the special tokens); got "
                            + maxLength);
        }
    }
}
