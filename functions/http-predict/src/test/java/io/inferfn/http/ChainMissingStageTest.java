package io.inferfn.http;

import java.net.URL;
import java.time.Duration;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

/**
 * A function configured with review-priority but not the fraud model it reads: the load is refused with a message
 * naming the model, the feature and the missing model (here in {@code background} mode: readiness DOWN, 503s).
 */
@QuarkusTest
@TestProfile(ChainMissingStageTest.PriorityWithoutFraud.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class ChainMissingStageTest {

    public static class PriorityWithoutFraud implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "inferfn.model.locations", "file:../../models/review-priority/1",
                    "inferfn.model.startup", "background");
        }
    }

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/q/health/ready")
    URL ready;

    @Test
    void theLoadIsRefusedNamingTheFeatureAndTheModelItReads() {
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get(ready)
                .then()
                .statusCode(503)
                .body("checks.find { it.name == 'inferfn-models' }.data.state", containsString("failed")));
        given().contentType(ContentType.JSON)
                .body("{\"entityId\": \"c-1042\", \"features\": {\"amount\": 9.0}}")
                .post(predict)
                .then()
                .statusCode(503)
                .body(
                        "error",
                        containsString("model review-priority: feature 'fraud_score' reads the output of model"
                                + " 'fraud', which this function does not load (it loads [review-priority]); add the"
                                + " model's location to inferfn.model.locations, or fix the name"));
    }
}
