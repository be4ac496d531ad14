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
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * {@code manifest.json}: the single source of truth for a published model. It pins the sha256 of
 * {@code model.onnx}, declares its input tensor and the order of its feature columns, where each
 * feature comes from (the request, the online store, or derived on demand), the default of each
 * feature when it is missing and whether the model may be served degraded without it, and how the
 * output tensor is read (column, thresholds, labels).
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
        OutputSpec output) {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** The placeholder in store key patterns that stands for the request's entity id. */
    public static final String ENTITY_ID = "entityId";

    /** Reads and validates a manifest; {@code origin} names the file in error messages. */
    public static ModelManifest parse(InputStream json, String origin) {
        ModelManifest manifest;
        try {
            manifest = MAPPER.readValue(json, ModelManifest.class);
        } catch (JsonProcessingException e) {
            throw new ManifestException(
                    "manifest " + origin + " is not valid: " + e.getOriginalMessage() + " (at " + e.getLocation() + ")",
                    e);
        } catch (IOException e) {
            throw new ManifestException("cannot read manifest " + origin + ": " + e.getMessage(), e);
        }
        if (manifest == null) {
            throw new ManifestException("manifest " + origin + " is empty; expected a JSON object");
        }
        manifest.validate(origin);
        return manifest;
    }

    /** Parses a manifest held in memory (tests, tools). */
    public static ModelManifest parse(byte[] json, String origin) {
        return parse(new java.io.ByteArrayInputStream(json), origin);
    }

    /** Serializes the manifest as indented JSON (used by the publisher and the model generator). */
    public byte[] toJson() {
        try {
            return MAPPER.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("manifest cannot be serialized", e);
        }
    }

    /** A copy with another checksum, for publishers that hash the model after writing it. */
    public ModelManifest withSha256(String newSha256) {
        return new ModelManifest(name, version, newSha256, quantization, description, inputs, features, output);
    }

    /** A copy published as another version with another quantization (the publisher's rewrite). */
    public ModelManifest republished(String newVersion, Quantization newQuantization, String newSha256) {
        return new ModelManifest(name, newVersion, newSha256, newQuantization, description, inputs, features, output);
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

        @JsonCreator
        public static FeatureSource of(String value) {
            for (FeatureSource s : values()) {
                if (s.json.equals(value)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("source must be one of request, store, derived; got '" + value + "'");
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
     * One feature. {@code source=request}: read from the request's {@code features} by name.
     * {@code source=store}: field {@code field} of the Redis hash at {@code key}, a pattern whose
     * {@code {entityId}} or {@code {<request feature>}} placeholders are filled per row.
     * {@code source=derived}: {@code op} applied to {@code args} (features declared earlier).
     *
     * <p>{@code default} is used when the value is missing; a request feature without a default is
     * required. {@code optional=true} means a missing value does not make the response degraded.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FeatureSpec(
            String name,
            FeatureSource source,
            FeatureType type,
            @JsonProperty("default") Object defaultValue,
            Boolean optional,
            String key,
            String field,
            DerivedOp op,
            List<String> args,
            List<Double> boundaries,
            List<String> categories,
            String timezone) {

        @JsonCreator
        public FeatureSpec {
            type = type == null ? FeatureType.NUMBER : type;
        }

        /** Shorthand for a request feature. */
        public static FeatureSpec request(String name, FeatureType type, Object defaultValue) {
            return new FeatureSpec(
                    name, FeatureSource.REQUEST, type, defaultValue, null, null, null, null, null, null, null, null);
        }

        /** Shorthand for an online-store feature. */
        public static FeatureSpec store(String name, String key, String field, double defaultValue, boolean optional) {
            return new FeatureSpec(
                    name,
                    FeatureSource.STORE,
                    FeatureType.NUMBER,
                    defaultValue,
                    optional ? Boolean.TRUE : null,
                    key,
                    field,
                    null,
                    null,
                    null,
                    null,
                    null);
        }

        /** Shorthand for a derived feature. */
        public static FeatureSpec derived(
                String name, DerivedOp op, List<String> args, List<Double> boundaries, List<String> categories) {
            return new FeatureSpec(
                    name,
                    FeatureSource.DERIVED,
                    FeatureType.NUMBER,
                    null,
                    null,
                    null,
                    null,
                    op,
                    args,
                    boundaries,
                    categories,
                    null);
        }

        public boolean mayBeMissing() {
            return Boolean.TRUE.equals(optional);
        }

        /** Columns this feature fills in the input tensor. */
        public int width() {
            return op == DerivedOp.ONE_HOT ? categories.size() : 1;
        }

        void validate(String where, Map<String, FeatureSpec> earlier) {
            require(
                    name != null && name.matches("[A-Za-z_][A-Za-z0-9_]*"),
                    where + "feature names must be identifiers (letters, digits, '_'); got " + quote(name));
            String at = where + "feature '" + name + "': ";
            require(source != null, at + "'source' is required (request, store or derived)");
            require(!ENTITY_ID.equals(name), at + "'entityId' is reserved for the request's entity id");
            switch (source) {
                case REQUEST -> {
                    require(
                            key == null && field == null && op == null,
                            at + "a request feature takes no key, field or op");
                    checkDefault(at);
                }
                case STORE -> {
                    require(
                            type == FeatureType.NUMBER || type == FeatureType.BOOLEAN,
                            at + "store features are numbers or booleans; got " + type.json());
                    require(
                            key != null && !key.isBlank(),
                            at + "a store feature needs 'key', a Redis key pattern" + " such as 'customer:{entityId}'");
                    require(field != null && !field.isBlank(), at + "a store feature needs 'field', the hash field");
                    require(defaultValue != null, at + "a store feature needs a 'default' for when Redis has no value");
                    checkDefault(at);
                    for (String placeholder : placeholders(key)) {
                        if (!ENTITY_ID.equals(placeholder)) {
                            FeatureSpec ref = earlier.get(placeholder);
                            require(
                                    ref != null
                                            && ref.source == FeatureSource.REQUEST
                                            && ref.type == FeatureType.STRING,
                                    at + "key pattern '" + key
                                            + "' uses {" + placeholder
                                            + "}, which must be 'entityId' or a string request feature"
                                            + " declared before it");
                        }
                    }
                }
                case DERIVED -> {
                    require(op != null, at + "a derived feature needs 'op'");
                    require(
                            args != null && args.size() == op.arity(),
                            at + "op " + op.json() + " takes " + op.arity() + " argument(s); got "
                                    + (args == null ? 0 : args.size()));
                    for (String arg : args) {
                        FeatureSpec ref = earlier.get(arg);
                        require(
                                ref != null,
                                at + "argument '" + arg + "' must be a feature declared before '" + name + "'");
                        boolean stringArg = ref.type == FeatureType.STRING;
                        require(
                                !stringArg || op == DerivedOp.ONE_HOT,
                                at + "argument '" + arg + "' is a string; only one_hot takes strings");
                        boolean timeArg = ref.type == FeatureType.TIMESTAMP;
                        boolean timeOp = op == DerivedOp.HOUR_OF_DAY || op == DerivedOp.DAY_OF_WEEK;
                        require(
                                !timeOp || timeArg,
                                at + op.json() + " needs a timestamp feature; '" + arg + "' is " + ref.type.json());
                    }
                    if (op == DerivedOp.BUCKET) {
                        require(boundaries != null && !boundaries.isEmpty(), at + "bucket needs 'boundaries'");
                        for (int i = 1; i < boundaries.size(); i++) {
                            require(
                                    boundaries.get(i - 1) < boundaries.get(i),
                                    at + "bucket 'boundaries' must be strictly ascending; got " + boundaries);
                        }
                    }
                    if (op == DerivedOp.ONE_HOT) {
                        require(categories != null && !categories.isEmpty(), at + "one_hot needs 'categories'");
                        require(
                                new HashSet<>(categories).size() == categories.size(),
                                at + "one_hot 'categories' has duplicates: " + categories);
                    }
                    if (timezone != null) {
                        try {
                            java.time.ZoneId.of(timezone);
                        } catch (java.time.DateTimeException e) {
                            throw new ManifestException(at + "unknown timezone '" + timezone + "'");
                        }
                    }
                    if (op == DerivedOp.RATIO || op == DerivedOp.LOG1P) {
                        require(
                                defaultValue == null || defaultValue instanceof Number,
                                at + "'default' must be a number");
                    }
                }
            }
        }

        private void checkDefault(String at) {
            if (defaultValue == null) {
                return;
            }
            boolean ok =
                    switch (type) {
                        case NUMBER, TIMESTAMP -> defaultValue instanceof Number n && Double.isFinite(n.doubleValue());
                        case BOOLEAN -> defaultValue instanceof Boolean;
                        case STRING -> defaultValue instanceof String;
                    };
            require(ok, at + "'default' " + defaultValue + " is not a " + type.json());
        }

        /** Placeholder names in a key pattern: {@code "m:{merchant}:{entityId}"} -> merchant, entityId. */
        public static List<String> placeholders(String pattern) {
            List<String> names = new java.util.ArrayList<>();
            int from = 0;
            while (true) {
                int open = pattern.indexOf('{', from);
                if (open < 0) {
                    return names;
                }
                int close = pattern.indexOf('}', open);
                if (close < 0) {
                    throw new ManifestException("key pattern '" + pattern + "' has an unclosed '{'");
                }
                names.add(pattern.substring(open + 1, close));
                from = close + 1;
            }
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
