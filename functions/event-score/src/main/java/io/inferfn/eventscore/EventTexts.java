package io.inferfn.eventscore;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import io.inferfn.scoring.InvalidRequestException;

/**
 * Reads one text message value, a JSON object with the text and, when the message has no key, its id ({@code {"id":
 * "m-1", "text": "..."}}). Every way a value can be unusable (not JSON, not an object, no text, a text that is not a
 * string or is empty) is an {@link InvalidRequestException} whose message says what was wrong and what was expected: it
 * becomes the dead-letter reason. Other fields are ignored, so an existing event that carries a text field can be
 * scored as it is.
 *
 * <p>The id is the message key (a Kafka key, a Kinesis partition key); a message without one (an SQS message, a
 * keyless Kafka record) may name it in the value's {@code idField}, as readings name their entity.
 */
public final class EventTexts {

    /** One message's text and the id its prediction carries (null when it has none). */
    public record Text(String id, String text) {}

    private final String textField;
    private final String idField;

    /**
     * @param textField the value's field holding the text
     * @param idField the value's field naming the message when it has no key
     */
    public EventTexts(String textField, String idField) {
        this.textField = textField;
        this.idField = idField;
    }

    /**
     * The text of one message.
     *
     * @param key the message key, or null
     * @param value the message value bytes (UTF-8 JSON)
     * @param keyIsFallback true when the key names the message only if the value does not (a Kinesis partition key)
     */
    public Text read(String key, byte[] value, boolean keyIsFallback) {
        String expected = "expected a JSON object with the text, e.g. {\"" + idField + "\": \"m-1\", \"" + textField
                + "\": \"The cat sits on the mat.\"}";
        if (value == null || value.length == 0) {
            throw new InvalidRequestException("empty value: " + expected);
        }
        if (value.length > EventReadings.MAX_VALUE_BYTES) {
            throw new InvalidRequestException("value of " + value.length + " bytes is larger than the "
                    + EventReadings.MAX_VALUE_BYTES + " a text message may have");
        }
        String id = EventReadings.blankToNull(key);
        String text = null;
        boolean seenText = false;
        try (JsonParser p = EventReadings.JSON.createParser(value)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw new InvalidRequestException("value is not a JSON object: " + expected + "; got "
                        + (first == null ? "nothing" : describe(first)));
            }
            String name;
            while ((name = p.nextFieldName()) != null) {
                JsonToken t = p.nextToken();
                if (name.equals(textField)) {
                    if (seenText) {
                        throw new InvalidRequestException("field '" + textField + "' appears twice");
                    }
                    seenText = true;
                    if (t != JsonToken.VALUE_STRING) {
                        throw new InvalidRequestException("'" + textField + "' must be a string; got " + describe(t));
                    }
                    text = p.getText();
                } else if (name.equals(idField)) {
                    String named =
                            switch (t) {
                                case VALUE_STRING -> EventReadings.blankToNull(p.getText());
                                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> EventReadings.number(p.getDoubleValue());
                                case VALUE_NULL -> null;
                                default ->
                                    throw new InvalidRequestException(
                                            "'" + idField + "' must be a string or a number; got " + describe(t));
                            };
                    if (keyIsFallback && named != null) {
                        id = named;
                    } else if (id != null && named != null && !id.equals(named)) {
                        throw new InvalidRequestException("key '" + id + "' and field '" + idField + "' ('" + named
                                + "') name different messages");
                    } else if (id == null) {
                        id = named;
                    }
                } else {
                    p.skipChildren(); // not ours: the event may carry anything else
                }
            }
            if (p.nextToken() != null) {
                throw new InvalidRequestException("trailing content after the JSON object at byte "
                        + p.currentTokenLocation().getByteOffset());
            }
        } catch (IOException e) {
            throw new InvalidRequestException("value is not valid JSON: " + EventReadings.firstLine(e.getMessage()));
        }
        if (!seenText) {
            throw new InvalidRequestException("no '" + textField + "' field: " + expected);
        }
        if (text.isBlank()) {
            throw new InvalidRequestException(
                    "'" + textField + "' is " + (text.isEmpty() ? "empty" : "blank") + ": expected the text to score");
        }
        return new Text(id, text);
    }

    private static String describe(JsonToken t) {
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : "'" + t.asString() + "'";
        };
    }
}
