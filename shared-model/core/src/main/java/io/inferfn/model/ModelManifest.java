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
        List<InputSpec> inputs,
        List<FeatureSpec> features,
        OutputSpec output,
        ScoreReference reference) {

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
                name, newVersion, newSha256, newQuantization, description, inputs, features, output, reference);
    }

    /** A copy with {@code newReference} as its reference score histogram (the publisher's, from a data set). */
    public ModelManifest withReference(ScoreReference newReference) {
        return new ModelManifest(
                name, version, sha256, quantization, description, inputs, features, output, newReference);
    }

    /** The single model input (one float32 feature tensor is what this version serves). */
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
        require(
                inputs != null && inputs.size() == 1,
                where
                        + "'inputs' must declare exactly one float32 feature tensor; got "
                        + (inputs == null ? "none" : inputs.size()));
        require(features != null && !features.isEmpty(), where + "'features' must declare at least one feature");
        require(output != null, where + "'output' is required (tensor, column, thresholds, labels)");

        Map<String, FeatureSpec> declared = new HashMap<>();
        for (FeatureSpec feature : features) {
            feature.validate(where, declared);
            if (declared.put(feature.name(), feature) != null) {
                throw new ManifestException(where + "feature '" + feature.name() + "' is declared twice");
            }
        }
        InputSpec input = input();
        input.validate(where);
        Set<String> columns = new HashSet<>();
        int width = 0;
        for (String column : input.features()) {
            FeatureSpec feature = declared.get(column);
            require(
                    feature != null,
                    where + "input '" + input.name() + "' lists feature '" + column
                            + "' which is not declared in 'features'");
            require(columns.add(column), where + "input '" + input.name() + "' lists feature '" + column + "' twice");
            require(
                    feature.type() != FeatureType.STRING,
                    where + "feature '" + column
                            + "' is a string; feed it to the model through a one_hot derived feature");
            width += feature.width();
        }
        require(
                input.shape().get(1) == width,
                where + "input '" + input.name() + "' shape says "
                        + input.shape().get(1) + " columns; its features fill " + width);
        output.validate(where);
        if (reference != null) {
            reference.validate(where);
        }
    }

    static void require(boolean condition, String message) {
        if (!condition) {
            throw new ManifestException(message);
        }
    }

    static String quote(Object value) {
        return value == null ? "nothing" : "'" + value + "'";
    }

    /** The model's input tensor and which features fill its columns, in order. */
    public record InputSpec(String name, String type, List<Long> shape, List<String> features) {

        void validate(String where) {
            require(name != null && !name.isBlank(), where + "input 'name' is required");
            require(
                    "float32".equals(type),
                    where + "input '" + name + "' has type " + quote(type)
                            + "; expected 'float32' (the only feature tensor type served)");
            require(
                    shape != null && shape.size() == 2,
                    where + "input '" + name + "' must have a 2-d shape [batch, columns], e.g. [-1, 12]; got " + shape);
            require(
                    features != null && !features.isEmpty(),
                    where + "input '" + name + "' must list the features that fill its columns");
        }
    }

    /** Where a feature comes from. */
    public enum FeatureSource {
        REQUEST("request"),
        STORE("store"),
        DERIVED("derived");

        private final String json;

        FeatureSource(String json) {
            this.json = json;
        }

        @JsonValue
        public String json() {
            return json;
        }

        /** The values of {@code "source"}, for messages. */
        static final String NAMES = "request, store or derived";

        /** The source of a {@link FeatureSpec} record class. */
        static String of(Class<?> spec) {
            if (spec == FeatureSpec.Request.class) {
                return REQUEST.json;
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

    /**
     * How predictions are read: {@code column} of output {@code tensor} is the score; when
     * {@code thresholds} (ascending) are set, the label is {@code labels[i]} where {@code i} is the
     * number of thresholds the score reaches, so {@code labels} has one entry more than thresholds.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OutputSpec(String tensor, Integer column, List<Double> thresholds, List<String> labels) {

        public int columnIndex() {
            return column == null ? 0 : column;
        }

        void validate(String where) {
            require(tensor != null && !tensor.isBlank(), where + "output 'tensor' is required");
            require(columnIndex() >= 0, where + "output 'column' must be >= 0; got " + column);
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
}
