package io.inferfn.http;

import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.inferfn.http.grpc.v2.GRPCInferenceServiceGrpc;
import io.inferfn.http.grpc.v2.InferTensorContents;
import io.inferfn.http.grpc.v2.ModelInferRequest;
import io.inferfn.http.grpc.v2.ModelInferResponse;
import io.inferfn.localstack.RedisTestResource;

import static io.inferfn.http.InferenceProtocolGrpcIT.input;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The text demo model (all-MiniLM-L6-v2, int8) over gRPC {@code ModelInfer}, as a KServe client sends text: one BYTES
 * input {@code text}, typed ({@code bytes_contents}) or raw (4-byte little-endian lengths). The embeddings are the ones
 * REST {@code /v2} answers for the same batch (which {@code TextPredictTest} checks against the model's own call);
 * anything else is INVALID_ARGUMENT naming what a text model takes, a text over a non-truncating model's limit is
 * RESOURCE_EXHAUSTED (REST's 413).
 */
@QuarkusIntegrationTest
@TestProfile(TextPredictTest.TextAndFraud.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class InferenceProtocolGrpcTextIT {

    @TestHTTPResource("/v2")
    URL v2;

    @RegisterExtension
    final GrpcChannel channel = new GrpcChannel(() -> v2, Duration.ofSeconds(60));

    final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub grpc = channel.inference();

    @Test
    void typedAndRawTextsAnswerTheEmbeddingsRestAnswers() {
        List<String> texts = TextPredictTest.SENTENCES;
        List<Float> rest = given().contentType(ContentType.JSON)
                .body("{\"inputs\": [{\"name\": \"text\", \"datatype\": \"BYTES\", \"shape\": [3], \"data\": [\""
                        + String.join("\", \"", texts) + "\"]}]}")
                .post(v2 + "/models/minilm/infer")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("outputs[0].data", Float.class);
        assertThat(rest).hasSize(3 * 384);

        InferTensorContents.Builder typedTexts = InferTensorContents.newBuilder();
        texts.forEach(t -> typedTexts.addBytesContents(ByteString.copyFromUtf8(t)));
        ModelInferResponse typed = grpc.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("minilm")
                .addInputs(input("text", "BYTES", 3).setContents(typedTexts))
                .build());
        assertThat(typed.getModelName()).isEqualTo("minilm");
        assertThat(typed.getModelVersion()).isEqualTo("2");
        assertThat(typed.getOutputs(0).getName()).isEqualTo("embedding");
        assertThat(typed.getOutputs(0).getDatatype()).isEqualTo("FP32");
        assertThat(typed.getOutputs(0).getShapeList()).containsExactly(3L, 384L);
        assertThat(typed.getOutputs(0).getContents().getFp32ContentsList()).isEqualTo(rest);

        ModelInferResponse raw = grpc.modelInfer(ModelInferRequest.newBuilder()
                .setModelName("minilm")
                .addInputs(input("text", "BYTES", 3))
                .addRawInputContents(rawTexts(texts))
                .build());
        assertThat(raw.getOutputs(0).getShapeList()).containsExactly(3L, 384L);
        ByteBuffer floats = raw.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(floats.remaining()).isEqualTo(3 * 384 * 4);
        for (int i = 0; i < rest.size(); i++) {
            assertThat(floats.getFloat()).as("value %d", i).isEqualTo(rest.get(i));
        }
    }

    @Test
    void featuresToATextModelAndOverLongTextsAreRefusedSayingWhy() {
        StatusRuntimeException wrong = catchThrowableOfType(
                StatusRuntimeException.class,
                () -> grpc.modelInfer(ModelInferRequest.newBuilder()
                        .setModelName("minilm")
                        .addInputs(input("features", "FP32", 1, 2)
                                .setContents(InferTensorContents.newBuilder()
                                        .addFp32Contents(1f)
                                        .addFp32Contents(2f)))
                        .build()));
        assertThat(wrong.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(wrong.getStatus().getDescription())
                .contains("model minilm is a text model: send one input {\"name\": \"text\", \"datatype\": \"BYTES\"")
                .contains("received input 'features' of FP32");

        String longText = "word ".repeat(200);
        StatusRuntimeException tooLong = catchThrowableOfType(
                StatusRuntimeException.class,
                () -> grpc.modelInfer(ModelInferRequest.newBuilder()
                        .setModelName("minilm-strict")
                        .addInputs(input("text", "BYTES", 1)
                                .setContents(InferTensorContents.newBuilder()
                                        .addBytesContents(ByteString.copyFromUtf8(longText))))
                        .build()));
        assertThat(tooLong.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(tooLong.getStatus().getDescription()).contains("16");

        // the tabular model beside it still answers on the same channel
        assertThat(grpc.modelReady(io.inferfn.http.grpc.v2.ModelReadyRequest.newBuilder()
                                .setName("fraud")
                                .build())
                        .getReady())
                .isTrue();
    }

    private static ByteString rawTexts(List<String> values) {
        ByteString.Output out = ByteString.newOutput();
        for (String v : values) {
            byte[] b = v.getBytes(StandardCharsets.UTF_8);
            out.write(
                    ByteBuffer.allocate(4)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .putInt(b.length)
                            .array(),
                    0,
                    4);
            out.write(b, 0, b.length);
        }
        return out.toByteString();
    }
}
