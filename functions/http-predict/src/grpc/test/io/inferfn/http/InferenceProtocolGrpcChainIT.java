package io.inferfn.http;

import java.net.URL;
import java.time.Duration;

import com.google.protobuf.ByteString;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.inferfn.http.grpc.v2.InferTensorContents;
import io.inferfn.http.grpc.v2.ModelInferRequest;
import io.inferfn.http.grpc.v2.ModelInferResponse;
import io.inferfn.localstack.RedisTestResource;

import static io.inferfn.http.InferenceProtocolGrpcIT.input;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A chained model over gRPC: {@code ModelInfer} to review-priority in features mode scores the fraud model first,
 * in the same call, and answers both: the last model's score and label, then {@code fraud.score} and
 * {@code fraud.label}, equal to what {@code /predict} gives for the same transaction.
 */
@QuarkusIntegrationTest
@TestProfile(ChainedPredictTest.FraudThenPriority.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class InferenceProtocolGrpcChainIT {

    @TestHTTPResource("/v2")
    URL v2;

    @RegisterExtension
    final GrpcChannel channel = new GrpcChannel(() -> v2, Duration.ofSeconds(30));

    @Test
    void modelInferToAChainedModelAnswersEachStageAsPredictDoes() {
        PredictFunctionTest.seed();
        JsonPath predict = given().contentType(ContentType.JSON)
                .body("{\"model\": \"review-priority\", \"entityId\": \"c-1042\", " + ChainedPredictTest.FEATURES + "}")
                .post(v2.toString().replace("/v2", "/predict"))
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();

        ModelInferResponse answer = channel.inference()
                .modelInfer(ModelInferRequest.newBuilder()
                        .setModelName("review-priority")
                        .addInputs(input("entity_id", "BYTES", 1).setContents(bytes("c-1042")))
                        .addInputs(input("amount", "FP64", 1)
                                .setContents(InferTensorContents.newBuilder().addFp64Contents(950.0)))
                        .addInputs(input("merchant_category", "BYTES", 1).setContents(bytes("online")))
                        .addInputs(input("timestamp", "BYTES", 1).setContents(bytes("2026-11-23T03:12:00Z")))
                        .addInputs(input("card_present", "BOOL", 1)
                                .setContents(InferTensorContents.newBuilder().addBoolContents(false)))
                        .build());

        assertThat(answer.getOutputsList())
                .extracting(o -> o.getName())
                .containsExactly("score", "label", "degraded", "fraud.score", "fraud.label");
        assertThat(answer.getOutputs(0).getContents().getFp32Contents(0)).isEqualTo(predict.getFloat("score"));
        assertThat(answer.getOutputs(1).getContents().getBytesContents(0).toStringUtf8())
                .isEqualTo(predict.getString("label"));
        assertThat(answer.getOutputs(3).getContents().getFp32Contents(0))
                .isEqualTo(predict.getFloat("stages[0].score"));
        assertThat(answer.getOutputs(4).getContents().getBytesContents(0).toStringUtf8())
                .isEqualTo(predict.getString("stages[0].label"));
    }

    private static InferTensorContents.Builder bytes(String value) {
        return InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8(value));
    }
}
