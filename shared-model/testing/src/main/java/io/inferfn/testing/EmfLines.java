package io.inferfn.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/** EMF lines checked against the specification: its JSON schema, and the members its directives name. */
public final class EmfLines {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final JsonSchema SCHEMA;

    static {
        try (InputStream in = EmfLines.class.getResourceAsStream("/emf/emf-schema.json")) {
            SCHEMA = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private EmfLines() {}

    /** The line as JSON, after checking it is a valid EMF line; what is wrong otherwise, as an AssertionError. */
    public static JsonNode valid(String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
        Set<ValidationMessage> errors = SCHEMA.validate(node);
        List<String> problems = new ArrayList<>();
        errors.forEach(m -> problems.add(m.getMessage()));
        for (JsonNode directive : node.path("_aws").path("CloudWatchMetrics")) {
            for (JsonNode set : directive.path("Dimensions")) {
                for (JsonNode dimension : set) {
                    if (!node.path(dimension.asText()).isTextual()) {
                        problems.add("dimension " + dimension + " has no string value at the root");
                    }
                }
            }
            for (JsonNode metric : directive.path("Metrics")) {
                JsonNode value = node.path(metric.path("Name").asText());
                boolean ok = value.isNumber() || (value.isArray() && value.size() <= 100 && allNumbers(value));
                if (!ok) {
                    problems.add("metric " + metric.path("Name") + " has no number (or up to 100) at the root");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("not a valid EMF line " + problems + ": " + line);
        }
        return node;
    }

    private static boolean allNumbers(JsonNode array) {
        for (JsonNode n : array) {
            if (!n.isNumber()) {
                return false;
            }
        }
        return true;
    }
}
