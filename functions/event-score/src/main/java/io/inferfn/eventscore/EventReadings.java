package io.inferfn.eventscore;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import io.inferfn.scoring.InvalidRequestException;
import io.inferfn.scoring.Row;

/**
 * Reads one message value, a flat JSON object of request features, into a {@link Row}. Every way a
 * value can be unusable (not JSON, not an object, a nested value, trailing bytes) is an {@link
 * InvalidRequestException} whose message says what was wrong and what was expected: it becomes the
 * dead-letter reason.
 *
 * <p>The entity id is the message key (a Kafka key, a Kinesis partition key); a message without one (an SQS message, a keyless Kafka
 * record) may name it in the value's {@code entityField} instead. That field is never a feature.
 */
public final class EventReadings {

    /** Readings are small: a value this large is a mistake, not a reading. */
    public static final int MAX_VALUE_BYTES = 64 * 1024;

    static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(8)
                    .maxStringLength(MAX_VALUE_BYTES)
                    .build())
            .build();

    private final String entityField;

    /** @param entityField the value's field that names the entity when the message has no key */
    public EventReadings(String entityField) {
        this.entityField = entityField;
    }

    public String entityField() {
        return entityField;
    }

    /**
     * The row for one message.
     *
     * @param key the message key (Kafka key), or null
     * @param value the message value bytes (UTF-8 JSON)
     */
    public Row read(String key, byte[] value) {
        return read(key, value, false);
    }

    /**
     * The row for one message whose key may be only a routing key.
     *
     * @param key the message key, or null
     * @param value the message value bytes (UTF-8 JSON)
     * @param keyIsFallback true when the key names the entity only if the value does not (a Kinesis partition key,
     *     often chosen to spread load): the value's entity field then wins, without a conflict
     */
    public Row read(String key, byte[] value, boolean keyIsFallback) {
        if (value == null || value.length == 0) {
            throw new InvalidRequestException(
                    "empty value: expected a JSON object of features, e.g." + " {\"temperature_c\": 71.5}");
        }
        if (value.length > MAX_VALUE_BYTES) {
            throw new InvalidRequestException("value of " + value.length + " bytes is larger than the "
                    + MAX_VALUE_BYTES + " a reading may have");
        }
        Map<String, Object> features = new HashMap<>(16);
        String entityId = blankToNull(key);
        try (JsonParser p = JSON.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidRequestException(
                        "value is not a JSON object: expected {\"feature\": value, ...}, got " + describe(p));
            }
            String name;
            while ((name = p.nextFieldName()) != null) {
                JsonToken t = p.nextToken();
                Object v =
                        switch (t) {
                            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getDoubleValue();
                            case VALUE_TRUE -> Boolean.TRUE;
                            case VALUE_FALSE -> Boolean.FALSE;
                            case VALUE_STRING -> p.getText();
                            case VALUE_NULL -> null;
                            default ->
                                throw new InvalidRequestException("field '" + name
                                        + "' is a JSON " + (t == JsonToken.START_ARRAY ? "array" : "object")
                                        + ": expected a number, boolean or string");
                        };
                if (name.equals(entityField)) {
                    String named = v == null ? null : blankToNull(v instanceof Double d ? number(d) : v.toString());
                    if (keyIsFallback && named != null) {
                        entityId = named;
                    } else if (entityId != null && named != null && !entityId.equals(named)) {
                        throw new InvalidRequestException("key '" + entityId + "' and field '" + entityField + "' ('"
                                + named + "') name different entities");
                    } else if (entityId == null) {
                        entityId = named;
                    }
                } else if (v != null && features.put(name, v) != null) {
                    throw new InvalidRequestException("field '" + name + "' appears twice");
                }
            }
            if (p.nextToken() != null) {
                throw new InvalidRequestException("trailing content after the JSON object at byte "
                        + p.currentTokenLocation().getByteOffset());
            }
        } catch (IOException e) {
            throw new InvalidRequestException("value is not valid JSON: " + firstLine(e.getMessage()));
        }
        return Row.of(entityId, features);
    }

    private static String describe(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        return t == null ? "nothing" : t == JsonToken.START_ARRAY ? "an array" : "'" + p.getText() + "'";
    }

    static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        String line = nl < 0 ? message : message.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
