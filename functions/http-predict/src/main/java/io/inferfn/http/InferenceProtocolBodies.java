package io.inferfn.http;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import io.quarkus.runtime.annotations.RegisterForReflection;

import io.inferfn.scoring.InvalidRequestException;

/**
 * The Open Inference Protocol (KServe v2) REST bodies as typed records, every field named as the
 * protocol spells it (kserve/open-inference-protocol, "HTTP/REST"). Request bodies ignore fields
 * this server does not read: the protocol's extensions add their own, and this endpoint always has.
 */
// Read and written by the routes' ObjectMapper outside any REST endpoint, so a native image has to be told.
@RegisterForReflection
public final class InferenceProtocolBodies {

    private InferenceProtocolBodies() {}

    /** {@code POST /v2/models/{name}[/versions/{version}]/infer}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record InferRequest(
            String id, Map<String, Object> parameters, List<RequestInput> inputs, List<RequestOutput> outputs) {}

    /** One input tensor of a request; {@code data} flat or nested by rows ({@link TensorData}). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RequestInput(
            String name, long[] shape, String datatype, Map<String, Object> parameters, TensorData data) {}

    /** An output the client asks for; none asked means every output. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RequestOutput(String name, Map<String, Object> parameters) {}

    /** The answer to {@link InferRequest}: {@code id} and {@code parameters} echoed. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record InferResponse(
            @JsonProperty("model_name") String modelName,
            @JsonProperty("model_version") String modelVersion,
            String id,
            Map<String, Object> parameters,
            List<ResponseOutput> outputs) {}

    /** One output tensor of a response, {@code data} flat and row-major. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ResponseOutput(
            String name, long[] shape, String datatype, Map<String, Object> parameters, TensorData data) {

        static ResponseOutput of(String name, String datatype, long[] shape, TensorData data) {
            return new ResponseOutput(name, shape, datatype, null, data);
        }
    }

    /** {@code GET /v2/models/{name}[/versions/{version}]}. */
    public record ModelMetadata(
            String name,
            List<String> versions,
            String platform,
            List<TensorMetadata> inputs,
            List<TensorMetadata> outputs,
            ModelParameters parameters) {}

    /** A tensor the model takes or answers; {@code shape} {@code -1} where the graph leaves it dynamic. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TensorMetadata(String name, String datatype, long[] shape) {}

    /** What the model metadata adds to the protocol's fields: the artifact, and the features-mode inputs. */
    public record ModelParameters(
            String quantization,
            String sha256,
            @JsonProperty("features_mode_inputs") List<TensorMetadata> featuresModeInputs) {}

    /** {@code GET /v2}. */
    public record ServerMetadata(String name, String version, List<String> extensions) {}

    /** {@code GET /v2/health/live}. */
    public record ServerLive(boolean live) {}

    /** {@code GET /v2/health/ready}. */
    public record ServerReady(boolean ready) {}

    /** {@code GET /v2/models/{name}[/versions/{version}]/ready}. */
    public record ModelReady(String name, boolean ready) {}

    /**
     * A tensor's {@code data}, flat and row-major. The protocol lets a client send it flat or nested
     * by rows, and the body may carry {@code datatype} after {@code data}, so what the values mean is
     * not known while they are read: {@link FlatteningDeserializer} flattens any nesting as it reads
     * and keeps numbers as primitive doubles (exact for FP64 features; an FP32 tensor narrows each
     * one as it goes into ONNX Runtime's buffer, as before). The datatype is checked afterwards,
     * against what the values turned out to be.
     */
    @JsonDeserialize(using = FlatteningDeserializer.class)
    public sealed interface TensorData {

        /** The number of values. */
        int size();

        /** Value {@code index}, boxed: a number, boolean, string, null, or what else the client sent. */
        Object get(int index);
    }

    /** Request data that are all numbers: the first {@code size} entries of {@code values}. */
    public record Numbers(double[] values, int size) implements TensorData {

        @Override
        public Object get(int index) {
            return values[index];
        }

        @JsonValue
        double[] json() {
            return Arrays.copyOf(values, size);
        }
    }

    /** FP32 answer data. */
    public record Floats(float[] values) implements TensorData {

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public Object get(int index) {
            return values[index];
        }

        @JsonValue
        float[] json() {
            return values;
        }
    }

    /** Strings, booleans, or a mixture of kinds (a request's wrong values included, to be named in the error). */
    public record Values(List<?> values) implements TensorData {

        @Override
        public int size() {
            return values.size();
        }

        @Override
        public Object get(int index) {
            return values.get(index);
        }

        @JsonValue
        List<?> json() {
            return values;
        }
    }

    /**
     * Reads {@code data} in one pass over the parser's tokens, nested arrays row-major, numbers into
     * a growing {@code double[]} until a value of another kind turns up (then everything is boxed,
     * which only BYTES and BOOL tensors and wrong requests pay for).
     */
    static final class FlatteningDeserializer extends StdDeserializer<TensorData> {

        FlatteningDeserializer() {
            super(TensorData.class);
        }

        @Override
        public TensorData deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.isExpectedStartArrayToken()) {
                throw new InvalidRequestException(
                        "expected a row-major array (flat, or nested by rows); received " + kind(p.currentToken()));
            }
            double[] numbers = new double[64];
            Object[] values = null; // non-null once a value is not a number
            int size = 0;
            for (int depth = 1; depth > 0; ) {
                JsonToken token = p.nextToken();
                if (token == null) {
                    return ctxt.reportInputMismatch(this, "'data' ends before its closing ']'");
                }
                Object value;
                switch (token) {
                    case START_ARRAY -> {
                        depth++;
                        continue;
                    }
                    case END_ARRAY -> {
                        depth--;
                        continue;
                    }
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                        if (values == null) {
                            if (size == numbers.length) {
                                numbers = Arrays.copyOf(numbers, size * 2);
                            }
                            numbers[size++] = p.getDoubleValue();
                            continue;
                        }
                        value = p.getDoubleValue();
                    }
                    case VALUE_STRING -> value = p.getText();
                    case VALUE_TRUE -> value = Boolean.TRUE;
                    case VALUE_FALSE -> value = Boolean.FALSE;
                    case VALUE_NULL -> value = null;
                    default -> value = ctxt.readTree(p); // an object: kept as sent, for the error message
                }
                if (values == null) {
                    values = new Object[Math.max(16, size * 2)];
                    for (int i = 0; i < size; i++) {
                        values[i] = numbers[i];
                    }
                } else if (size == values.length) {
                    values = Arrays.copyOf(values, size * 2);
                }
                values[size++] = value;
            }
            return values == null
                    ? new Numbers(numbers, size)
                    : new Values(Arrays.asList(values).subList(0, size));
        }

        private static String kind(JsonToken token) {
            return switch (token) {
                case START_OBJECT -> "an object";
                case VALUE_STRING -> "a string";
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
                case VALUE_TRUE, VALUE_FALSE -> "a boolean";
                default -> String.valueOf(token);
            };
        }
    }
}
