package io.inferfn.http;

import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import com.google.protobuf.ByteString;
import grpc.reflection.v1alpha.Reflection.ServerReflectionRequest;
import grpc.reflection.v1alpha.ServerReflectionGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.inferfn.http.grpc.v2.GRPCInferenceServiceGrpc;
import io.inferfn.http.grpc.v2.InferParameter;
import io.inferfn.http.grpc.v2.InferTensorContents;
import io.inferfn.http.grpc.v2.ModelInferRequest;
import io.inferfn.http.grpc.v2.ModelInferRequest.InferInputTensor;
import io.inferfn.http.grpc.v2.ModelInferResponse;
import io.inferfn.http.grpc.v2.ModelMetadataRequest;
import io.inferfn.http.grpc.v2.ModelMetadataResponse;
import io.inferfn.http.grpc.v2.ModelReadyRequest;
import io.inferfn.http.grpc.v2.ServerLiveRequest;
import io.inferfn.http.grpc.v2.ServerMetadataRequest;
import io.inferfn.http.grpc.v2.ServerReadyRequest;
import io.inferfn.localstack.RedisTestResource;
import io.inferfn.testing.PrometheusText;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The Open Inference Protocol over gRPC, called as a KServe client calls it: grpc-java stubs generated from the
 * protocol's .proto over a plain-text channel to the HTTP port, against a real Redis. Every answer is compared
 * with what {@code /v2} REST answers for the same inputs.
 *
 * <p>Only against the packaged function: in {@code @QuarkusTest}s the Lambda HTTP extension (on the test class
 * path) makes the HTTP server virtual, and its mock event server speaks HTTP/1.1 events, not gRPC.
 */
@QuarkusIntegrationTest
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class InferenceProtocolGrpcIT {

    @TestHTTPResource("/v2")
    URL v2;

    @RegisterExtension
    final GrpcChannel channel = new GrpcChannel(() -> v2, Duration.ofSeconds(30));

    final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub grpc = channel.inference();

    @BeforeEach
    void seed() {
        PredictFunctionTest.seed();
    }

    @Test
    void serverAndModelMetadataMatchV2() {
        assertThat(grpc.serverLive(ServerLiveRequest.getDefaultInstance()).getLive())
                .isTrue();
        assertThat(grpc.serverReady(ServerReadyRequest.getDefaultInstance()).getReady())
                .isTrue();
        assertThat(grpc.serverMetadata(ServerMetadataRequest.getDefaultInstance())
                        .getName())
                .isEqualTo("inferfn");
        assertThat(grpc.modelReady(
                                ModelReadyRequest.newBuilder().setName("fraud").build())
                        .getReady())
                .isTrue();
        assertThat(grpc.modelReady(ModelReadyRequest.newBuilder()
                                .setName("fraud")
                                .setVersion("2")
                                .build())
                        .getReady())
                .isTrue();

        ModelMetadataResponse meta = grpc.modelMetadata(
                ModelMetadataRequest.newBuilder().setName("fraud").build());
        JsonPath rest = given().get(v2 + "/models/fraud")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(meta.getName()).isEqualTo(rest.getString("name"));
        assertThat(meta.getVersionsList()).containsExactly("2");
        assertThat(meta.getPlatform()).isEqualTo(rest.getString("platform"));
        assertThat(meta.getInputs(0).getName()).isEqualTo("features");
        assertThat(meta.getInputs(0).getDatatype()).isEqualTo("FP32");
        assertThat(meta.getInputs(0).getShapeList()).containsExactly(-1L, 15L);
        assertThat(meta.getOutputs(0).getName()).isEqualTo(rest.getString("outputs[0].name"));
    }

    /**
     * What grpcurl asks first without the {@code .proto}, the reflection service (v1, then v1alpha), is not served with
     * the production default: this class runs the test profile, which keeps it ({@link
     * InferenceProtocolGrpcReflectionIT} turns it on).
     */
    @Test
    void theReflectionServiceIsOffByDefault() {
        StatusRuntimeException v1 = catchThrowableOfType(
                () -> channel.firstAnswer(
                        io.grpc.reflection.v1.ServerReflectionGrpc.getServerReflectionInfoMethod(),
                        InferenceProtocolGrpcReflectionIT.LIST_SERVICES),
                StatusRuntimeException.class);
        StatusRuntimeException v1alpha = catchThrowableOfType(
                () -> channel.firstAnswer(
                        ServerReflectionGrpc.getServerReflectionInfoMethod(), // v1alpha: its package is grpc.*
                        ServerReflectionRequest.newBuilder().setListServices("").build()),
                StatusRuntimeException.class);

        assertThat(v1).as("grpc.reflection.v1 answered").isNotNull();
        assertThat(v1.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(v1alpha).as("grpc.reflection.v1alpha answered").isNotNull();
        assertThat(v1alpha.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        // the inference service itself is served on the same channel
        assertThat(grpc.serverLive(ServerLiveRequest.getDefaultInstance()).getLive())
                .isTrue();
    }

    @Test
    void tensorModeTypedAndRawEqualTheV2Answer() {
        float[] rows = new float[30];
        System.arraycopy(InferenceProtocolTest.VECTOR, 0, rows, 0, 15); // then an all-zero row
        List<Float> rest = restTensorScores(rows);

        InferTensorContents.Builder typed = InferTensorContents.newBuilder();
        for (float f : rows) {
            typed.addFp32Contents(f);
        }
        ModelInferResponse answer = grpc.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("fraud")
                .setId("42")
                .putParameters(
                        "priority", InferParameter.newBuilder().setInt64Param(1).build())
                .addInputs(input("features", "FP32", 2, 15).setContents(typed))
                .build());

        assertThat(answer.getModelName()).isEqualTo("fraud");
        assertThat(answer.getModelVersion()).isEqualTo("2");
        assertThat(answer.getId()).isEqualTo("42");
        assertThat(answer.getParametersMap().get("priority").getInt64Param()).isEqualTo(1);
        assertThat(answer.getOutputs(0).getName()).isEqualTo("score");
        assertThat(answer.getOutputs(0).getDatatype()).isEqualTo("FP32");
        assertThat(answer.getOutputs(0).getShapeList()).containsExactly(2L, 1L);
        assertThat(answer.getRawOutputContentsCount()).isZero();
        assertThat(answer.getOutputs(0).getContents().getFp32ContentsList()).isEqualTo(rest);

        ByteBuffer raw = ByteBuffer.allocate(4 * rows.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(rows);
        ModelInferResponse rawAnswer = grpc.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("fraud")
                .addInputs(input("features", "FP32", 2, 15))
                .addRawInputContents(ByteString.copyFrom(raw.array()))
                .build());

        assertThat(rawAnswer.getOutputs(0).hasContents()).isFalse();
        ByteBuffer out =
                rawAnswer.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(List.of(out.getFloat(), out.getFloat())).isEqualTo(rest);
    }

    @Test
    void featuresModeTypedAndRawEqualTheV2AnswerWithRedisFeatures() {
        JsonPath rest = given().contentType(ContentType.JSON)
                .body(
                        """
                        {"inputs": [
                          {"name": "entity_id", "shape": [2], "datatype": "BYTES", "data": ["c-1042", "c-9999"]},
                          {"name": "amount", "shape": [2], "datatype": "FP64", "data": [129.5, 129.5]},
                          {"name": "merchant_category", "shape": [2], "datatype": "BYTES", "data": ["electronics", "electronics"]},
                          {"name": "timestamp", "shape": [2], "datatype": "BYTES", "data": ["2026-11-23T02:14:00Z", "2026-11-23T02:14:00Z"]},
                          {"name": "card_present", "shape": [2], "datatype": "BOOL", "data": [false, false]}]}""")
                .post(v2 + "/models/fraud/infer")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        List<Float> scores = rest.getList("outputs[0].data", Float.class);
        List<String> labels = rest.getList("outputs[1].data", String.class);
        List<Boolean> degraded = rest.getList("outputs[2].data", Boolean.class);
        assertThat(degraded).as("c-9999 has no online features").containsExactly(false, true);

        ModelInferResponse typed = grpc.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("fraud")
                .addInputs(input("entity_id", "BYTES", 2).setContents(bytes("c-1042", "c-9999")))
                .addInputs(input("amount", "FP64", 2)
                        .setContents(InferTensorContents.newBuilder()
                                .addFp64Contents(129.5)
                                .addFp64Contents(129.5)))
                .addInputs(input("merchant_category", "BYTES", 2).setContents(bytes("electronics", "electronics")))
                .addInputs(input("timestamp", "BYTES", 2)
                        .setContents(bytes("2026-11-23T02:14:00Z", "2026-11-23T02:14:00Z")))
                .addInputs(input("card_present", "BOOL", 2)
                        .setContents(InferTensorContents.newBuilder()
                                .addBoolContents(false)
                                .addBoolContents(false)))
                .build());

        assertThat(typed.getOutputsList()).extracting(o -> o.getName()).containsExactly("score", "label", "degraded");
        assertThat(typed.getOutputs(0).getContents().getFp32ContentsList()).isEqualTo(scores);
        assertThat(typed.getOutputs(1).getContents().getBytesContentsList())
                .extracting(ByteString::toStringUtf8)
                .isEqualTo(labels);
        assertThat(typed.getOutputs(2).getContents().getBoolContentsList()).isEqualTo(degraded);

        // raw: the same values little-endian, BYTES as 4-byte lengths and bytes, BOOL one byte each
        ModelInferResponse raw = grpc.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("fraud")
                .addInputs(input("entity_id", "BYTES", 2))
                .addInputs(input("amount", "FP64", 2))
                .addInputs(input("merchant_category", "BYTES", 2))
                .addInputs(input("timestamp", "BYTES", 2))
                .addInputs(input("card_present", "BOOL", 2))
                .addRawInputContents(rawBytes("c-1042", "c-9999"))
                .addRawInputContents(rawDoubles(129.5, 129.5))
                .addRawInputContents(rawBytes("electronics", "electronics"))
                .addRawInputContents(rawBytes("2026-11-23T02:14:00Z", "2026-11-23T02:14:00Z"))
                .addRawInputContents(ByteString.copyFrom(new byte[] {0, 0}))
                .build());

        assertThat(raw.getRawOutputContentsCount()).isEqualTo(3);
        ByteBuffer score = raw.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(List.of(score.getFloat(), score.getFloat())).isEqualTo(scores);
        ByteBuffer label = raw.getRawOutputContents(1).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(List.of(string(label), string(label))).isEqualTo(labels);
        assertThat(raw.getRawOutputContents(2).toByteArray()).containsExactly(0, 1);
    }

    @Test
    void everyModelInferCallIsCountedUnderEndpointGrpcByModelAndOutcome() {
        PrometheusText before = scrape();
        InferTensorContents.Builder zeros = InferTensorContents.newBuilder();
        for (int i = 0; i < 30; i++) {
            zeros.addFp32Contents(0f);
        }
        for (int i = 0; i < 3; i++) {
            grpc.modelInfer(ModelInferRequest.newBuilder()
                    .setModelName("fraud")
                    .addInputs(input("features", "FP32", 2, 15).setContents(zeros))
                    .build());
        }
        // features mode with an entity Redis does not know: scored with defaults, degraded
        grpc.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("fraud")
                .addInputs(input("entity_id", "BYTES", 1).setContents(bytes("c-9999")))
                .addInputs(input("amount", "FP64", 1)
                        .setContents(InferTensorContents.newBuilder().addFp64Contents(12.5)))
                .addInputs(input("merchant_category", "BYTES", 1).setContents(bytes("electronics")))
                .addInputs(input("timestamp", "BYTES", 1).setContents(bytes("2026-11-23T02:14:00Z")))
                .addInputs(input("card_present", "BOOL", 1)
                        .setContents(InferTensorContents.newBuilder().addBoolContents(false)))
                .build());
        invalid(input("features", "FP32", 1, 14)
                .setContents(InferTensorContents.newBuilder().addFp32Contents(0f)));
        catchThrowableOfType(
                () -> grpc.modelInfer(ModelInferRequest.newBuilder()
                        .setModelName("churn")
                        .addInputs(input("features", "FP32", 1, 15).setContents(zeros))
                        .build()),
                StatusRuntimeException.class);
        PrometheusText after = scrape();

        assertThat(requests(after, "fraud", "ok") - requests(before, "fraud", "ok"))
                .isEqualTo(3);
        assertThat(requests(after, "fraud", "degraded") - requests(before, "fraud", "degraded"))
                .isEqualTo(1);
        assertThat(requests(after, "fraud", "bad_request") - requests(before, "fraud", "bad_request"))
                .isEqualTo(1);
        assertThat(requests(after, "none", "not_found") - requests(before, "none", "not_found"))
                .isEqualTo(1);
        String[] fraud = {"endpoint", "grpc", "model", "fraud"};
        assertThat(after.sum("inferfn_request_duration_seconds_count", fraud)
                        - before.sum("inferfn_request_duration_seconds_count", fraud))
                .isEqualTo(5);
        // rows per call: the three two-row calls (a single row is counted in requests only)
        assertThat(after.sum("inferfn_request_rows_count", fraud) - before.sum("inferfn_request_rows_count", fraud))
                .isEqualTo(3);
        // REST's meters did not move
        assertThat(after.sum("inferfn_requests_total", "endpoint", "v2"))
                .isEqualTo(before.sum("inferfn_requests_total", "endpoint", "v2"));
    }

    private PrometheusText scrape() {
        return PrometheusText.parse(given().get(v2.toString().replace("/v2", "/q/metrics"))
                .then()
                .statusCode(200)
                .extract()
                .asString());
    }

    private static double requests(PrometheusText m, String model, String outcome) {
        return m.sum("inferfn_requests_total", "endpoint", "grpc", "model", model, "outcome", outcome);
    }

    @Test
    void aBadInputIsInvalidArgumentNamingTheInputAndWhatWasExpected() {
        InferTensorContents.Builder fourteen = InferTensorContents.newBuilder();
        for (int i = 0; i < 14; i++) {
            fourteen.addFp32Contents(0f);
        }
        assertThat(invalid(input("features", "FP32", 1, 14).setContents(fourteen)))
                .isEqualTo("input 'features': expected shape [rows, 15], received [1, 14]");
        assertThat(invalid(input("features", "FP32", 1, 15).setContents(fourteen)))
                .isEqualTo("input 'features': shape [1, 15] holds 15 FP32 value(s) in contents.fp32_contents;"
                        + " received 14");
        InferTensorContents.Builder doubles = InferTensorContents.newBuilder();
        for (int i = 0; i < 15; i++) {
            doubles.addFp64Contents(0);
        }
        assertThat(invalid(input("features", "FP32", 1, 15).setContents(doubles)))
                .isEqualTo("input 'features': shape [1, 15] holds 15 FP32 value(s) in contents.fp32_contents;"
                        + " received 0 (and 15 in contents.fp64_contents)");
        assertThat(invalid(input("features", "FP64", 1, 15).setContents(doubles)))
                .isEqualTo("input 'features': expected datatype FP32, received FP64");
        assertThat(invalid(input("amount", "BOOL", 1)
                        .setContents(InferTensorContents.newBuilder().addBoolContents(true))))
                .contains("input 'amount': expected datatype FP64 (or FP32, INT32, INT64), received BOOL");

        StatusRuntimeException raw = catchThrowableOfType(
                () -> grpc.modelInfer(ModelInferRequest.newBuilder()
                        .setModelName("fraud")
                        .addInputs(input("features", "FP32", 1, 15))
                        .addRawInputContents(ByteString.copyFrom(new byte[59]))
                        .build()),
                StatusRuntimeException.class);
        assertThat(raw.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(raw.getStatus().getDescription())
                .isEqualTo("input 'features': raw_input_contents[0] has 59 bytes, not a whole number of 4-byte FP32"
                        + " values");
    }

    @Test
    void anUnknownModelOrVersionIsNotFound() {
        StatusRuntimeException unknown = catchThrowableOfType(
                () -> grpc.modelInfer(ModelInferRequest.newBuilder()
                        .setModelName("churn")
                        .addInputs(input("features", "FP32", 1, 15))
                        .build()),
                StatusRuntimeException.class);
        assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(unknown.getStatus().getDescription()).contains("unknown model 'churn'");

        StatusRuntimeException version = catchThrowableOfType(
                () -> grpc.modelMetadata(ModelMetadataRequest.newBuilder()
                        .setName("fraud")
                        .setVersion("1")
                        .build()),
                StatusRuntimeException.class);
        assertThat(version.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(version.getStatus().getDescription()).contains("version 1 is not served");
    }

    private String invalid(InferInputTensor.Builder input) {
        StatusRuntimeException e = catchThrowableOfType(
                () -> grpc.modelInfer(ModelInferRequest.newBuilder()
                        .setModelName("fraud")
                        .addInputs(input)
                        .build()),
                StatusRuntimeException.class);
        assertThat(e).as("an error").isNotNull();
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        return e.getStatus().getDescription();
    }

    private List<Float> restTensorScores(float[] rows) {
        StringBuilder data = new StringBuilder();
        for (float f : rows) {
            data.append(data.length() == 0 ? "" : ", ").append(f);
        }
        return given().contentType(ContentType.JSON)
                .body("{\"inputs\": [{\"name\": \"features\", \"shape\": [2, 15], \"datatype\": \"FP32\", \"data\": ["
                        + data + "]}]}")
                .post(v2 + "/models/fraud/infer")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("outputs[0].data", Float.class);
    }

    static InferInputTensor.Builder input(String name, String datatype, long... shape) {
        InferInputTensor.Builder input =
                InferInputTensor.newBuilder().setName(name).setDatatype(datatype);
        for (long d : shape) {
            input.addShape(d);
        }
        return input;
    }

    private static InferTensorContents.Builder bytes(String... values) {
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        for (String v : values) {
            contents.addBytesContents(ByteString.copyFromUtf8(v));
        }
        return contents;
    }

    private static ByteString rawBytes(String... values) {
        ByteString.Output out = ByteString.newOutput();
        for (String v : values) {
            byte[] b = v.getBytes(StandardCharsets.UTF_8);
            byte[] length = ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(b.length)
                    .array();
            out.write(length, 0, 4);
            out.write(b, 0, b.length);
        }
        return out.toByteString();
    }

    private static ByteString rawDoubles(double... values) {
        ByteBuffer out = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            out.putDouble(v);
        }
        return ByteString.copyFrom(out.array());
    }

    private static String string(ByteBuffer raw) {
        byte[] b = new byte[raw.getInt()];
        raw.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
