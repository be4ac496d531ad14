package io.inferfn.model;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonValue;

import io.inferfn.model.ModelManifest.DerivedOp;
import io.inferfn.model.ModelManifest.FeatureSource;
import io.inferfn.model.ModelManifest.FeatureType;

import static io.inferfn.model.ModelManifest.ENTITY_ID;
import static io.inferfn.model.ModelManifest.quote;
import static io.inferfn.model.ModelManifest.require;

/**
 * One feature of a manifest, one record per {@code source}: {@link Request} (read from the
 * request's {@code features} by name), {@link Store} (a field of a Redis hash), {@link Derived}
 * (computed on demand from features declared before it), {@link Model} (another model's output, a chain) or
 * {@link Window} (a rolling statistic of an entity's recent readings, kept in Redis by the stream function). Each
 * record holds only its own fields and
 * validates itself; the manifest's JSON is unchanged ({@code "source"} picks the record).
 *
 * <p>{@code default} is used when the value is missing; a request feature without a default is
 * required.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "source")
@JsonSubTypes({
    @JsonSubTypes.Type(value = FeatureSpec.Request.class, name = "request"),
    @JsonSubTypes.Type(value = FeatureSpec.Store.class, name = "store"),
    @JsonSubTypes.Type(value = FeatureSpec.Derived.class, name = "derived"),
    @JsonSubTypes.Type(value = FeatureSpec.Model.class, name = "model"),
    @JsonSubTypes.Type(value = FeatureSpec.Window.class, name = "window")
})
public sealed interface FeatureSpec {

    /** The feature's name: the request's key, an input column, an argument of derived features. */
    String name();

    /** Where the value comes from; the JSON discriminator. */
    @JsonProperty("source")
    FeatureSource source();

    /** The value type. */
    FeatureType type();

    /** The value used when the feature is missing, or null (a required request feature). */
    Object defaultValue();

    /** Columns this feature fills in the input tensor. */
    default int width() {
        return 1;
    }

    /**
     * Checks this feature against the features declared before it; {@code where} starts every
     * message with the manifest's name.
     */
    void validate(String where, Map<String, FeatureSpec> earlier);

    /** A feature read from the request's {@code features} by name; required unless it has a default. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"name", "source", "type", "default"})
    record Request(String name, FeatureType type, @JsonProperty("default") Object defaultValue) implements FeatureSpec {

        public Request {
            type = type == null ? FeatureType.NUMBER : type;
        }

        @Override
        public FeatureSource source() {
            return FeatureSource.REQUEST;
        }

        @Override
        public void validate(String where, Map<String, FeatureSpec> earlier) {
            checkDefault(checkName(where, name), type, defaultValue);
        }
    }

    /**
     * Field {@code field} of the Redis hash at {@code key}, a pattern whose {@code {entityId}} or
     * {@code {<string request feature>}} placeholders are filled per row. {@code optional=true}
     * means a missing value does not make the prediction degraded.
     *
     * <p>Only the store supplies it: a request or message that carries it is rejected, because a
     * caller could otherwise replace what the store knows about an entity (its history, its
     * baselines) with values of its choosing. {@code acceptFromCaller=true} lets callers send it
     * (then the store is not read for it); trusted batch sources may always carry it.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"name", "source", "type", "default", "optional", "acceptFromCaller", "key", "field"})
    record Store(
            String name,
            FeatureType type,
            @JsonProperty("default") Object defaultValue,
            Boolean optional,
            Boolean acceptFromCaller,
            String key,
            String field)
            implements FeatureSpec {

        public Store {
            type = type == null ? FeatureType.NUMBER : type;
        }

        /** A numeric online feature that only the store supplies. */
        public Store(String name, String key, String field, double defaultValue, boolean optional) {
            this(name, FeatureType.NUMBER, defaultValue, optional ? Boolean.TRUE : null, null, key, field);
        }

        /** Whether a request or message may carry this feature (used as sent, the store not read for it). */
        public boolean acceptedFromCaller() {
            return Boolean.TRUE.equals(acceptFromCaller);
        }

        @Override
        public FeatureSource source() {
            return FeatureSource.STORE;
        }

        /** Whether the model may be served without it, not degraded. */
        public boolean mayBeMissing() {
            return Boolean.TRUE.equals(optional);
        }

        @Override
        public void validate(String where, Map<String, FeatureSpec> earlier) {
            String at = checkName(where, name);
            require(
                    type == FeatureType.NUMBER || type == FeatureType.BOOLEAN,
                    at + "store features are numbers or booleans; got " + type.json());
            require(
                    key != null && !key.isBlank(),
                    at + "a store feature needs 'key', a Redis key pattern such as 'customer:{entityId}'");
            require(field != null && !field.isBlank(), at + "a store feature needs 'field', the hash field");
            require(defaultValue != null, at + "a store feature needs a 'default' for when Redis has no value");
            checkDefault(at, type, defaultValue);
            for (String placeholder : placeholders(key)) {
                if (!ENTITY_ID.equals(placeholder)) {
                    require(
                            earlier.get(placeholder) instanceof Request ref && ref.type() == FeatureType.STRING,
                            at + "key pattern '" + key + "' uses {" + placeholder
                                    + "}, which must be 'entityId' or a string request feature declared before it");
                }
            }
        }

        /** Placeholder names in a key pattern: {@code "m:{merchant}:{entityId}"} -> merchant, entityId. */
        public static List<String> placeholders(String pattern) {
            List<String> names = new ArrayList<>();
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
     * {@code op} applied to {@code args}, features declared before it. {@code boundaries} are the
     * bucket edges, {@code categories} the one-hot columns, {@code timezone} the zone of
     * hour_of_day and day_of_week (UTC when absent); {@code default} replaces a ratio by zero or a
     * log1p of {@code <= -1}. A derived feature is a number.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"name", "source", "type", "default", "op", "args", "boundaries", "categories", "timezone"})
    record Derived(
            String name,
            FeatureType type,
            @JsonProperty("default") Object defaultValue,
            DerivedOp op,
            List<String> args,
            List<Double> boundaries,
            List<String> categories,
            String timezone)
            implements FeatureSpec {

        public Derived {
            type = type == null ? FeatureType.NUMBER : type;
        }

        /** {@code op} of {@code args}, for ops that take nothing else (ratio, difference, log1p, hour_of_day...). */
        public static Derived of(String name, DerivedOp op, String... args) {
            return new Derived(name, FeatureType.NUMBER, null, op, List.of(args), null, null, null);
        }

        /** The bucket index of {@code arg} among ascending {@code boundaries}. */
        public static Derived bucket(String name, String arg, List<Double> boundaries) {
            return new Derived(name, FeatureType.NUMBER, null, DerivedOp.BUCKET, List.of(arg), boundaries, null, null);
        }

        /** One column per category: 1 where {@code arg} equals it. */
        public static Derived oneHot(String name, String arg, List<String> categories) {
            return new Derived(name, FeatureType.NUMBER, null, DerivedOp.ONE_HOT, List.of(arg), null, categories, null);
        }

        @Override
        public FeatureSource source() {
            return FeatureSource.DERIVED;
        }

        @Override
        public int width() {
            return op == DerivedOp.ONE_HOT ? categories.size() : 1;
        }

        @Override
        public void validate(String where, Map<String, FeatureSpec> earlier) {
            String at = checkName(where, name);
            require(type == FeatureType.NUMBER, at + "a derived feature is a number; got type " + type.json());
            require(op != null, at + "a derived feature needs 'op'");
            require(
                    args != null && args.size() == op.arity(),
                    at + "op " + op.json() + " takes " + op.arity() + " argument(s); got "
                            + (args == null ? 0 : args.size()));
            boolean timeOp = op == DerivedOp.HOUR_OF_DAY || op == DerivedOp.DAY_OF_WEEK;
            for (String arg : args) {
                FeatureSpec ref = earlier.get(arg);
                require(ref != null, at + "argument '" + arg + "' must be a feature declared before '" + name + "'");
                require(
                        ref.type() != FeatureType.STRING || op == DerivedOp.ONE_HOT,
                        at + "argument '" + arg + "' is a string; only one_hot takes strings");
                require(
                        !timeOp || ref.type() == FeatureType.TIMESTAMP,
                        at + op.json() + " needs a timestamp feature; '" + arg + "' is "
                                + ref.type().json());
            }
            require(
                    boundaries == null || op == DerivedOp.BUCKET,
                    at + "'boundaries' belong to bucket; op " + op.json() + " takes none");
            require(
                    categories == null || op == DerivedOp.ONE_HOT,
                    at + "'categories' belong to one_hot; op " + op.json() + " takes none");
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
                require(
                        timeOp,
                        at + "'timezone' belongs to hour_of_day and day_of_week; op " + op.json() + " takes none");
                try {
                    ZoneId.of(timezone);
                } catch (DateTimeException e) {
                    throw new ManifestException(at + "unknown timezone '" + timezone + "'");
                }
            }
            require(defaultValue == null || defaultValue instanceof Number, at + "'default' must be a number");
        }
    }

    /**
     * The output of model {@code model}, another model of the same catalog scored first on the same row (a
     * chain): {@code output} is {@code score} (a binary score, a regression value, a multiclass model's top
     * probability), {@code label} (the class label: a string feature, or a number through {@code encoding}
     * {label: number}) or {@code probability} (the probability of class {@code class} of a multiclass model).
     * {@code default} stands in where the upstream model gives no label, or one {@code encoding} lacks. Only the
     * upstream model supplies it: a request that carries it is rejected. The catalog checks, at load, that the
     * model is loaded, gives that output, and that the chain has no cycle ({@link ModelChain}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"name", "source", "type", "default", "model", "output", "class", "encoding"})
    record Model(
            String name,
            FeatureType type,
            @JsonProperty("default") Object defaultValue,
            String model,
            String output,
            @JsonProperty("class") String className,
            Map<String, Double> encoding)
            implements FeatureSpec {

        /** {@code output} values, for messages. */
        public static final String OUTPUTS = "score, label or probability";

        public Model {
            type = type == null
                    ? (LABEL.equals(output) && encoding == null ? FeatureType.STRING : FeatureType.NUMBER)
                    : type;
        }

        /** The upstream's score, regression value or top class probability. */
        public static final String SCORE = "score";
        /** The upstream's class label. */
        public static final String LABEL = "label";
        /** The upstream's probability of one class. */
        public static final String PROBABILITY = "probability";

        /** What is read: {@code score} when the manifest says nothing. */
        public String outputName() {
            return output == null ? SCORE : output;
        }

        @Override
        public FeatureSource source() {
            return FeatureSource.MODEL;
        }

        @Override
        public void validate(String where, Map<String, FeatureSpec> earlier) {
            String at = checkName(where, name);
            require(
                    model != null && model.matches("[a-z0-9][a-z0-9._-]*"),
                    at + "a model feature needs 'model', the name of the model whose output it reads; got "
                            + quote(model));
            String out = outputName();
            require(
                    SCORE.equals(out) || LABEL.equals(out) || PROBABILITY.equals(out),
                    at + "'output' must be one of " + OUTPUTS + "; got " + quote(output)
                            + ("embedding".equals(output) ? " (no output kind gives an embedding yet)" : ""));
            require(
                    className == null || PROBABILITY.equals(out),
                    at + "'class' belongs to output probability; output " + out + " takes none");
            require(
                    encoding == null || LABEL.equals(out),
                    at + "'encoding' maps labels to numbers and belongs to output label; output " + out
                            + " is already a number");
            if (PROBABILITY.equals(out)) {
                require(
                        className != null,
                        at + "output probability needs 'class', the class whose probability it reads");
            }
            if (LABEL.equals(out)) {
                if (type == FeatureType.STRING) {
                    require(
                            encoding == null,
                            at + "a string label takes no 'encoding'; declare type number to encode it");
                } else {
                    require(
                            type == FeatureType.NUMBER && encoding != null && !encoding.isEmpty(),
                            at + "model " + model + "'s label is a class name, and this feature is a " + type.json()
                                    + ": declare 'encoding' {label: number} (e.g. {\"legit\": 0, \"fraud\": 1}),"
                                    + " or type string to feed a one_hot or a string input");
                    for (Map.Entry<String, Double> e : encoding.entrySet()) {
                        require(
                                e.getValue() != null && Double.isFinite(e.getValue()),
                                at + "encoding['" + e.getKey() + "'] must be a finite number; got " + e.getValue());
                    }
                }
            } else {
                require(
                        type == FeatureType.NUMBER,
                        at + "output " + out + " of model " + model + " is a number; this feature is a " + type.json());
            }
            checkDefault(at, type, defaultValue);
        }
    }

    /**
     * A rolling statistic of request feature {@code of} over the entity's readings before this one:
     * the last {@code last} readings, or those whose event time is within {@code seconds} before
     * this one's (the timestamp request feature {@code time}, else the message's own timestamp). The
     * window lives in Redis under {@code key} (a pattern with {@code {entityId}}), so every consumer
     * of every partition and every Lambda sees one window; each reading is appended once, whatever
     * the redeliveries (see README "Window features"). All window features of one {@code key} share
     * one window and must agree on {@code of}, {@code last}/{@code seconds}, {@code time} and
     * {@code ttlSeconds}. {@code default} is used while the window has nothing to say (no earlier
     * reading; for {@code delta}, no last one); only a Redis fault makes the prediction degraded.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({
        "name",
        "source",
        "type",
        "default",
        "of",
        "stat",
        "last",
        "seconds",
        "time",
        "key",
        "ttlSeconds"
    })
    record Window(
            String name,
            FeatureType type,
            @JsonProperty("default") Object defaultValue,
            String of,
            Stat stat,
            Integer last,
            Double seconds,
            String time,
            String key,
            Long ttlSeconds)
            implements FeatureSpec {

        /** The longest count window: the script reads the whole window per reading. */
        public static final int MAX_READINGS = 1000;

        /** A time window's readings are capped at this many too (the oldest go first). */
        public static final int MAX_TIME_READINGS = 1000;

        /**
         * Readings per window whose statistics are kept to answer their redeliveries exactly as they were
         * first scored (a redelivery older than that is scored against the window as it is, and not counted).
         */
        public static final int REDELIVERY_READINGS = 500;

        /** How long a window outlives its entity's last reading unless {@code ttlSeconds} says otherwise: 7 days. */
        public static final long DEFAULT_TTL_SECONDS = 7 * 86_400L;

        public Window {
            type = type == null ? FeatureType.NUMBER : type;
        }

        /** {@code stat} of {@code of} over the entity's last {@code last} readings, in window {@code key}. */
        public static Window lastReadings(
                String name, String of, Stat stat, int last, String key, double defaultValue) {
            return new Window(name, FeatureType.NUMBER, defaultValue, of, stat, last, null, null, key, null);
        }

        @Override
        public FeatureSource source() {
            return FeatureSource.WINDOW;
        }

        /** How long the window's keys live after its last reading. */
        public long ttl() {
            return ttlSeconds != null ? ttlSeconds : DEFAULT_TTL_SECONDS;
        }

        /** Whether the window spans a time ({@code seconds}) rather than a number of readings. */
        public boolean timed() {
            return seconds != null;
        }

        @Override
        public void validate(String where, Map<String, FeatureSpec> earlier) {
            String at = checkName(where, name);
            require(type == FeatureType.NUMBER, at + "a window feature is a number; got type " + type.json());
            require(stat != null, at + "a window feature needs 'stat' (" + Stat.NAMES + ")");
            require(
                    of != null && earlier.get(of) instanceof Request r && r.type() == FeatureType.NUMBER,
                    at + "'of' must name a number request feature declared before it (the reading the window"
                            + " keeps); got " + quote(of));
            require(
                    (last == null) != (seconds == null),
                    at + "a window spans the last N readings ('last': N) or the last T seconds of event time"
                            + " ('seconds': T), one of the two");
            if (last != null) {
                require(
                        last >= 1 && last <= MAX_READINGS,
                        at + "'last' must be 1 to " + MAX_READINGS + " readings; got " + last);
                require(time == null, at + "'time' belongs to a window of 'seconds'; this one counts readings");
            } else {
                require(
                        Double.isFinite(seconds) && seconds > 0 && seconds <= 30 * 86_400,
                        at + "'seconds' must be more than 0 and at most 30 days (2592000); got " + seconds);
                require(
                        time == null || (earlier.get(time) instanceof Request r && r.type() == FeatureType.TIMESTAMP),
                        at + "'time' must name a timestamp request feature declared before it (the reading's"
                                + " event time); got " + quote(time));
            }
            require(
                    key != null && Store.placeholders(key).equals(List.of(ENTITY_ID)),
                    at + "a window feature needs 'key', a Redis key pattern with one {entityId} placeholder, such"
                            + " as 'window:temperature:{entityId}'; got " + quote(key));
            require(
                    ttlSeconds == null || (ttlSeconds > 0 && (!timed() || ttlSeconds >= seconds)),
                    at + "'ttlSeconds' must be positive and at least the window's 'seconds'; got " + ttlSeconds);
            require(defaultValue != null, at + "a window feature needs a 'default' for when its window is empty");
            checkDefault(at, type, defaultValue);
            for (FeatureSpec other : earlier.values()) {
                if (other instanceof Store s) {
                    require(
                            !key.equals(s.key()),
                            at + "key '" + key + "' is also store feature '" + s.name() + "''s hash; a window needs"
                                    + " a key of its own");
                } else if (other instanceof Window w && key.equals(w.key())) {
                    require(
                            of.equals(w.of())
                                    && java.util.Objects.equals(last, w.last())
                                    && java.util.Objects.equals(seconds, w.seconds())
                                    && java.util.Objects.equals(time, w.time())
                                    && ttl() == w.ttl(),
                            at + "window features of key '" + key + "' share one window: 'of', 'last'/'seconds',"
                                    + " 'time' and 'ttlSeconds' must be those of '" + w.name() + "'");
                }
            }
        }

        /** What a window feature reads of its window. */
        public enum Stat {
            /** Readings in the window (0 for an entity's first reading). */
            COUNT("count"),
            /** Their mean. */
            MEAN("mean"),
            /** Their standard deviation (population: 0 for a single reading). */
            STD("std"),
            /** Their least value. */
            MIN("min"),
            /** Their greatest value. */
            MAX("max"),
            /** The entity's previous reading (the latest in the window). */
            LAST("last"),
            /** This reading minus the previous one. */
            DELTA("delta"),
            /** This reading's z-score against the window: (value - mean) / std; the default when std is 0. */
            ZSCORE("zscore");

            /** The values of {@code "stat"}, for messages. */
            public static final String NAMES = "count, mean, std, min, max, last, delta, zscore";

            private final String json;

            Stat(String json) {
                this.json = json;
            }

            @JsonValue
            public String json() {
                return json;
            }

            @JsonCreator
            public static Stat of(String value) {
                for (Stat s : values()) {
                    if (s.json.equals(value)) {
                        return s;
                    }
                }
                throw new IllegalArgumentException("stat must be one of " + NAMES + "; got '" + value + "'");
            }
        }
    }

    /** Checks the name every feature has; returns the prefix of this feature's messages. */
    private static String checkName(String where, String name) {
        require(
                name != null && name.matches("[A-Za-z_][A-Za-z0-9_]*"),
                where + "feature names must be identifiers (letters, digits, '_'); got " + quote(name));
        String at = where + "feature '" + name + "': ";
        require(!ENTITY_ID.equals(name), at + "'entityId' is reserved for the request's entity id");
        return at;
    }

    private static void checkDefault(String at, FeatureType type, Object defaultValue) {
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
}
