package io.inferfn.http;

import java.net.URL;
import java.time.Duration;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * What a caller may not put in a request: the features the store supplies, and entity ids that
 * would reach other Redis keys; and a bad key in Redis degrades only its own row.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class CallerInputTest {

    /** The README's request: c-1042 at 03:12, 950 online, which the model calls fraud. */
    static final String README_REQUEST =
            """
            {"entityId": "c-1042", "features": {"amount": 950.0, "merchant_category": "online",
             "timestamp": "2026-11-23T03:12:00Z", "card_present": false%s}}""";

    /** The store features of a long-standing customer who usually spends this much. */
    static final String OWN_STORE_FEATURES =
            """
            , "avg_amount_30d": 950.0, "account_age_days": 5000, "txn_count_24h": 1, "chargebacks_1y": 0""";

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/v2/models/fraud/infer")
    URL infer;

    @TestHTTPResource("/q/health/ready")
    URL ready;

    @BeforeEach
    void seed() {
        PredictFunctionTest.seed();
        RedisTestResource.redis().command("SET", "customer:c-string", "not a hash");
    }

    @Test
    void aRequestCarryingAStoreFeatureIsA400NamingIt() {
        JsonPath scored = post(README_REQUEST.formatted(""), 200);
        assertThat(scored.getBoolean("degraded")).isFalse();

        assertThat(post(README_REQUEST.formatted(OWN_STORE_FEATURES), 400).getString("error"))
                .isEqualTo("feature 'avg_amount_30d' comes from the feature store (customer:{entityId}) and may not"
                        + " be sent; model fraud takes amount (number), merchant_category (string, optional),"
                        + " timestamp (timestamp), card_present (boolean, optional)");
        // one is enough, even a null one; in a batch the row is named
        assertThat(post(README_REQUEST.formatted(", \"chargebacks_1y\": null"), 400)
                        .getString("error"))
                .startsWith("feature 'chargebacks_1y' comes from the feature store");
        String rows = "{\"rows\": [" + README_REQUEST.formatted("") + ","
                + README_REQUEST.formatted(", \"txn_count_24h\": 0") + "]}";
        assertThat(post(rows, 400).getString("error"))
                .startsWith("rows[1]: feature 'txn_count_24h' comes from the feature store");
    }

    @Test
    void anOpenInferenceProtocolInputThatIsAStoreFeatureIsA400NamingIt() {
        String request =
                """
                {"inputs": [
                  {"name": "entity_id", "shape": [1], "datatype": "BYTES", "data": ["c-1042"]},
                  {"name": "amount", "shape": [1], "datatype": "FP64", "data": [950.0]},
                  {"name": "timestamp", "shape": [1], "datatype": "BYTES", "data": ["2026-11-23T03:12:00Z"]},
                  {"name": "avg_amount_30d", "shape": [1], "datatype": "FP64", "data": [950.0]}]}""";
        given().contentType(ContentType.JSON)
                .body(request)
                .post(infer)
                .then()
                .statusCode(400)
                .body(
                        "error",
                        containsString("feature 'avg_amount_30d' comes from the feature store (customer:{entityId})"
                                + " and may not be sent"));
    }

    @Test
    void anEntityIdThatWouldReachAnotherKeyIsA400WithThePattern() {
        for (String id : new String[] {"c-1042:x", "*", "c 1042", "x".repeat(129)}) {
            String body = README_REQUEST.formatted("").replace("\"c-1042\"", "\"" + id + "\"");
            assertThat(post(body, 400).getString("error"))
                    .as(id)
                    .startsWith("'entityId' must match [A-Za-z0-9_.-]{1,128} (it becomes part of the Redis key"
                            + " customer:{entityId}); got the string \"");
        }
        String rows = "{\"rows\": [" + README_REQUEST.formatted("") + ","
                + README_REQUEST.formatted("").replace("\"c-1042\"", "\"c-1042:*\"") + "]}";
        assertThat(post(rows, 400).getString("error")).startsWith("rows[1]: 'entityId' must match");
    }

    @Test
    void aKeyOfTheWrongTypeDegradesOnlyItsOwnRowAndNeverOpensTheCircuit() {
        String row =
                """
                {"entityId": "%s", "features": {"amount": 129.5, "timestamp": "2026-11-23T02:14:00Z"}}""";
        String batch = "{\"rows\": [" + row.formatted("c-1042") + "," + row.formatted("c-string") + ","
                + row.formatted("c-2001") + "]}";
        // This class starts its own application: its first batch can miss the 25 ms budget on a busy machine while
        // that path runs cold (all rows degraded, the budget doing its job; CI at 20:50 on 2026-12-01). That is not
        // what this test is about, so one batch goes first, unchecked.
        post(batch, 200);
        // far more than the breaker's window (10 calls at 50 % failures)
        for (int i = 0; i < 40; i++) {
            JsonPath body = post(batch, 200);
            assertThat(body.getList("predictions.degraded")).containsExactly(false, true, false);
            assertThat(body.getList("predictions[1].missingFeatures"))
                    .containsExactlyElementsOf(PredictFunctionTest.STORE_FEATURES);
            assertThat(body.getList("predictions[0].missingFeatures")).isEmpty();
        }
        // readiness also waits for the feature store's warm-up at start (RedisWarmUpTest)
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get(ready)
                .then()
                .statusCode(200)
                .body("checks.find { it.name == 'inferfn-feature-store' }.data.redis", equalTo("reachable"))
                .body("checks.find { it.name == 'inferfn-feature-store' }.data.circuit", equalTo("closed")));
        post(PredictFunctionTest.FRAUD_REQUEST, 200);
        assertThat(post(PredictFunctionTest.FRAUD_REQUEST, 200).getBoolean("degraded"))
                .isFalse();
    }

    private JsonPath post(String body, int status) {
        return given().contentType(ContentType.JSON)
                .body(body)
                .post(predict)
                .then()
                .statusCode(status)
                .extract()
                .jsonPath();
    }
}
