package io.inferfn.http;

import java.net.URL;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;
import io.inferfn.runtime.ModelCatalog;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A model whose ORT call at the largest batch is over {@code inferfn.http.event-loop-budget} (here any model: the
 * budget is 0) is scored on worker threads, with the same answers as on the event loop.
 */
@QuarkusTest
@TestProfile(ScoringOnWorkersTest.NoEventLoopBudget.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class ScoringOnWorkersTest {

    /** No model fits the event loop's budget. */
    public static class NoEventLoopBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("inferfn.http.event-loop-budget", "0ms");
        }
    }

    @Inject
    ScoringThreads threads;

    @Inject
    ModelCatalog catalog;

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/v2/models/fraud/infer")
    URL infer;

    @BeforeEach
    void seed() {
        PredictFunctionTest.seed();
    }

    @Test
    void aModelOverTheBudgetIsScoredOnWorkersWithTheSameAnswers() throws Exception {
        assertThat(threads.onWorker(catalog.resolve("fraud"))).isTrue();

        float score = given().contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getFloat("score");
        assertThat(score).isEqualTo(PredictFunctionTest.directOrt(InferenceProtocolTest.VECTOR));

        StringBuilder data = new StringBuilder();
        for (float v : InferenceProtocolTest.VECTOR) {
            data.append(data.length() == 0 ? "" : ", ").append(v);
        }
        List<Float> tensor = given().contentType(ContentType.JSON)
                .body("{\"inputs\": [{\"name\": \"features\", \"shape\": [1, 15], \"datatype\": \"FP32\", \"data\": ["
                        + data + "]}]}")
                .post(infer)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("outputs[0].data", Float.class);
        assertThat(tensor).containsExactly(score);

        float features = given().contentType(ContentType.JSON)
                .body(
                        """
                        {"inputs": [
                          {"name": "entity_id", "shape": [1], "datatype": "BYTES", "data": ["c-1042"]},
                          {"name": "amount", "shape": [1], "datatype": "FP64", "data": [129.5]},
                          {"name": "merchant_category", "shape": [1], "datatype": "BYTES", "data": ["electronics"]},
                          {"name": "timestamp", "shape": [1], "datatype": "BYTES", "data": ["2026-11-23T02:14:00Z"]},
                          {"name": "card_present", "shape": [1], "datatype": "BOOL", "data": [false]}]}""")
                .post(infer)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getFloat("outputs[0].data[0]");
        assertThat(features).isEqualTo(score);

        given().contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST.replace("129.5", "\"lots\""))
                .post(predict)
                .then()
                .statusCode(400);
    }
}
