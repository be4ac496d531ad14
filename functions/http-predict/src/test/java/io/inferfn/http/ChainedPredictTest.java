package io.inferfn.http;

import java.net.URL;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;
import io.inferfn.testing.PrometheusText;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo chain over {@code /predict}, with a real Redis: review-priority reads the fraud model's score and
 * label; one request scores both, with one Redis round trip for both models' online features, and answers
 * with each stage's result. The fraud model alone answers as it always did.
 */
@QuarkusTest
@TestProfile(ChainedPredictTest.FraudThenPriority.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class ChainedPredictTest {

    public static class FraudThenPriority implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("inferfn.model.locations", "file:../../models/review-priority/1,file:../../models/fraud/2");
        }
    }

    static final String FEATURES =
            """
            "features": {"amount": 950.0, "merchant_category": "online", "timestamp": "2026-11-23T03:12:00Z",
             "card_present": false}""";

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    @TestHTTPResource("/v2/models/review-priority/infer")
    URL infer;

    @BeforeEach
    void seedFeatures() {
        PredictFunctionTest.seed();
    }

    JsonPath post(String body) {
        return given().contentType(ContentType.JSON)
                .body(body)
                .post(predict)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    double fetches() {
        String text = given().get(metrics).then().statusCode(200).extract().asString();
        return PrometheusText.parse(text).sum("inferfn_feature_fetch_duration_seconds_count");
    }

    @Test
    void oneRequestScoresBothModelsInOneRedisRoundTripAndShowsEachStage() {
        double before = fetches();
        JsonPath chained = post("{\"model\": \"review-priority\", \"entityId\": \"c-1042\", " + FEATURES + "}");
        assertThat(fetches() - before).isEqualTo(1);

        JsonPath fraud = post("{\"model\": \"fraud\", \"entityId\": \"c-1042\", " + FEATURES + "}");
        assertThat(chained.getString("model")).isEqualTo("review-priority");
        assertThat(chained.getString("label")).isEqualTo("urgent");
        assertThat(chained.getBoolean("degraded")).isFalse();
        assertThat(chained.getList("stages")).hasSize(1);
        assertThat(chained.getString("stages[0].model")).isEqualTo("fraud");
        assertThat(chained.getString("stages[0].version")).isEqualTo("2");
        assertThat(chained.getFloat("stages[0].score")).isEqualTo(fraud.getFloat("score"));
        assertThat(chained.getString("stages[0].label")).isEqualTo(fraud.getString("label"));
        assertThat(chained.getList("stages[0].missingFeatures")).isEmpty();
        // a model that reads no other model answers as before: no stages
        assertThat(fraud.getMap("$")).doesNotContainKey("stages");
    }

    @Test
    void aBatchShowsEachRowsStagesAndAStageServedDegradedDegradesTheChain() {
        double before = fetches();
        JsonPath batch = post("{\"model\": \"review-priority\", \"rows\": [{\"entityId\": \"c-1042\", " + FEATURES
                + "}, {\"entityId\": \"c-unknown\", " + FEATURES + "}]}");
        assertThat(fetches() - before).isEqualTo(1);
        List<Map<String, Object>> rows = batch.getList("predictions");
        assertThat(rows).extracting(r -> r.get("entityId")).containsExactly("c-1042", "c-unknown");
        assertThat(batch.getBoolean("predictions[0].degraded")).isFalse();
        // the unknown customer: both models fall back to defaults, each stage says which features
        assertThat(batch.getBoolean("predictions[1].degraded")).isTrue();
        assertThat(batch.getBoolean("predictions[1].stages[0].degraded")).isTrue();
        assertThat(batch.getList("predictions[1].stages[0].missingFeatures", String.class))
                .containsExactlyElementsOf(PredictFunctionTest.STORE_FEATURES);
        assertThat(batch.getList("predictions[1].missingFeatures", String.class))
                .containsExactly("chargebacks_1y", "account_age_days");
    }

    @Test
    void whatTheFraudModelGivesMayNotBeSentAndEveryModelsRequestFeaturesAreChecked() {
        given().contentType(ContentType.JSON)
                .body("{\"model\": \"review-priority\", \"entityId\": \"c-1042\", \"features\": {\"amount\": 9.0,"
                        + " \"timestamp\": 1795392000, \"fraud_score\": 0.0}}")
                .post(predict)
                .then()
                .statusCode(400)
                .body(
                        "error",
                        org.hamcrest.Matchers.equalTo("feature 'fraud_score' is the output of another model, scored"
                                + " first in the same call; model review-priority takes amount (number)"));
        given().contentType(ContentType.JSON)
                .body("{\"model\": \"review-priority\", \"entityId\": \"c-1042\", \"features\": {\"amount\": 9.0}}")
                .post(predict)
                .then()
                .statusCode(400)
                .body("error", org.hamcrest.Matchers.startsWith("feature 'timestamp' is required"));
    }

    @Test
    void theInferenceProtocolsFeaturesModeTakesEveryStagesFeaturesAndAnswersTheLastModel() {
        JsonPath chained = post("{\"model\": \"review-priority\", \"entityId\": \"c-1042\", " + FEATURES + "}");
        JsonPath v2 = given().contentType(ContentType.JSON)
                .body(
                        """
                        {"inputs": [
                          {"name": "entity_id", "shape": [1], "datatype": "BYTES", "data": ["c-1042"]},
                          {"name": "amount", "shape": [1], "datatype": "FP64", "data": [950.0]},
                          {"name": "merchant_category", "shape": [1], "datatype": "BYTES", "data": ["online"]},
                          {"name": "timestamp", "shape": [1], "datatype": "BYTES", "data": ["2026-11-23T03:12:00Z"]},
                          {"name": "card_present", "shape": [1], "datatype": "BOOL", "data": [false]}]}""")
                .post(infer)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(v2.getList("outputs.name"))
                .containsExactly("score", "label", "degraded", "fraud.score", "fraud.label");
        assertThat(v2.getFloat("outputs[0].data[0]")).isEqualTo(chained.getFloat("score"));
        assertThat(v2.getString("outputs[1].data[0]")).isEqualTo("urgent");
        // each earlier stage's result, as /predict's stages give it
        assertThat(v2.getFloat("outputs[3].data[0]")).isEqualTo(chained.getFloat("stages[0].score"));
        assertThat(v2.getString("outputs[4].data[0]")).isEqualTo(chained.getString("stages[0].label"));
    }
}
