package io.inferfn.http;

import java.net.URL;
import java.time.Duration;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.LocalRedis;
import io.inferfn.localstack.RedisTestResource;
import io.inferfn.testing.GrafanaDashboard;
import io.inferfn.testing.PrometheusText;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * {@code /q/metrics} after known traffic, scraped over a real socket and parsed as Prometheus text:
 * every request, row and degraded answer is counted exactly once, under its model and outcome.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class PredictMetricsTest {

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    @TestHTTPResource("/v2/models/fraud/infer")
    URL infer;

    /** Two rows with every online feature in Redis, one (c-unknown) with none: served degraded. */
    static final String BATCH =
            """
            {"rows": [
              {"entityId": "c-1042", "features": {"amount": 129.5, "merchant_category": "electronics",
               "timestamp": "2026-11-23T02:14:00Z", "card_present": false}},
              {"entityId": "c-1042", "features": {"amount": 12.0, "merchant_category": "grocery",
               "timestamp": 1795420800, "card_present": true}},
              {"entityId": "c-unknown", "features": {"amount": 999.0, "timestamp": 1795420800}}]}""";

    @BeforeEach
    void seedFeatures() {
        PredictFunctionTest.seed();
    }

    PrometheusText scrape() {
        String text = given().get(metrics).then().statusCode(200).extract().asString();
        return PrometheusText.parse(text);
    }

    static double requests(PrometheusText m, String endpoint, String model, String outcome) {
        return m.sum("inferfn_requests_total", "endpoint", endpoint, "model", model, "outcome", outcome);
    }

    static double predictions(PrometheusText m, String outcome) {
        return m.sum(
                "inferfn_predictions_total",
                "function",
                "http-predict",
                "model",
                "fraud",
                "version",
                "2",
                "outcome",
                outcome);
    }

    @Test
    void nPredictionsCountNRequestsNRowsAndNLatencySamples() {
        PrometheusText before = scrape();
        for (int i = 0; i < 7; i++) {
            given().contentType(ContentType.JSON)
                    .body(PredictFunctionTest.FRAUD_REQUEST)
                    .post(predict)
                    .then()
                    .statusCode(200)
                    .body("degraded", equalTo(false));
        }
        PrometheusText after = scrape();
        assertThat(requests(after, "predict", "fraud", "ok") - requests(before, "predict", "fraud", "ok"))
                .isEqualTo(7);
        assertThat(predictions(after, "ok") - predictions(before, "ok")).isEqualTo(7);
        assertThat(predictions(after, "degraded") - predictions(before, "degraded"))
                .isZero();
        String[] fraud = {"endpoint", "predict", "model", "fraud", "version", "2"};
        assertThat(after.sum("inferfn_request_duration_seconds_count", fraud)
                        - before.sum("inferfn_request_duration_seconds_count", fraud))
                .isEqualTo(7);
        // the SLO buckets, cumulative: the 250 ms bucket holds at least every request under 250 ms, +Inf all
        assertThat(after.find("inferfn_request_duration_seconds_bucket", fraud))
                .extracting(s -> s.labels().get("le"))
                .containsExactly("0.001", "0.002", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "+Inf");
        assertThat(after.sum(
                        "inferfn_request_duration_seconds_bucket",
                        "endpoint",
                        "predict",
                        "model",
                        "fraud",
                        "le",
                        "+Inf"))
                .isEqualTo(after.sum("inferfn_request_duration_seconds_count", fraud));
        // one Redis round trip and one ORT call per request
        assertThat(after.sum("inferfn_feature_fetch_duration_seconds_count", "outcome", "ok")
                        - before.sum("inferfn_feature_fetch_duration_seconds_count", "outcome", "ok"))
                .isEqualTo(7);
        assertThat(after.sum("inferfn_inference_duration_seconds_count", "model", "fraud")
                        - before.sum("inferfn_inference_duration_seconds_count", "model", "fraud"))
                .isEqualTo(7);
        assertThat(after.sum("inferfn_request_rows_count", "endpoint", "predict", "model", "fraud")
                        - before.sum("inferfn_request_rows_count", "endpoint", "predict", "model", "fraud"))
                .as("single-row requests are not batches: the rows summary is batch sizes")
                .isZero();
    }

    @Test
    void aBatchOfThreeRowsIsOneRequestAndThreePredictions() {
        PrometheusText before = scrape();
        given().contentType(ContentType.JSON).body(BATCH).post(predict).then().statusCode(200);
        PrometheusText after = scrape();
        double okRequests = requests(after, "predict", "fraud", "ok") - requests(before, "predict", "fraud", "ok");
        double degradedRequests =
                requests(after, "predict", "fraud", "degraded") - requests(before, "predict", "fraud", "degraded");
        // c-unknown has no features in Redis: its row is degraded, and so the request
        assertThat(okRequests).isZero();
        assertThat(degradedRequests).isEqualTo(1);
        assertThat(predictions(after, "ok") - predictions(before, "ok")).isEqualTo(2);
        assertThat(predictions(after, "degraded") - predictions(before, "degraded"))
                .isEqualTo(1);
        assertThat(after.sum("inferfn_request_rows_sum", "endpoint", "predict", "model", "fraud")
                        - before.sum("inferfn_request_rows_sum", "endpoint", "predict", "model", "fraud"))
                .isEqualTo(3);
    }

    @Test
    void eachBadRequestIsCountedOnceUnderItsKind() {
        PrometheusText before = scrape();
        // a value the model rejects: the model is known
        given().contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST.replace("\"amount\": 129.5,", ""))
                .post(predict)
                .then()
                .statusCode(400);
        // malformed JSON: no model named, counted under model "none"
        given().contentType(ContentType.JSON)
                .body("{\"entityId\": \"c-1042\", \"features\": {")
                .post(predict)
                .then()
                .statusCode(400);
        // a model this function does not serve
        given().contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST.replace("\"fraud\"", "\"churn\""))
                .post(predict)
                .then()
                .statusCode(404);
        given().contentType(ContentType.TEXT)
                .body("amount=1")
                .post(predict)
                .then()
                .statusCode(415);
        PrometheusText after = scrape();
        assertThat(requests(after, "predict", "fraud", "bad_request")
                        - requests(before, "predict", "fraud", "bad_request"))
                .isEqualTo(1);
        assertThat(requests(after, "predict", "none", "bad_request")
                        - requests(before, "predict", "none", "bad_request"))
                .isEqualTo(1);
        assertThat(requests(after, "predict", "none", "not_found") - requests(before, "predict", "none", "not_found"))
                .isEqualTo(1);
        assertThat(requests(after, "predict", "none", "unsupported_media_type")
                        - requests(before, "predict", "none", "unsupported_media_type"))
                .isEqualTo(1);
        assertThat(predictions(after, "ok") - predictions(before, "ok")).isZero();
        assertThat(requests(after, "predict", "fraud", "ok") - requests(before, "predict", "fraud", "ok"))
                .isZero();
    }

    @Test
    void aStalledRedisIsCountedAsADegradedRequestAndATimedOutFetch() {
        PrometheusText before = scrape();
        LocalRedis redis = RedisTestResource.redis();
        redis.pause(Duration.ofSeconds(2));
        try (LocalRedis.StallProbe probe = redis.stallProbe()) {
            given().contentType(ContentType.JSON)
                    .body(PredictFunctionTest.FRAUD_REQUEST)
                    .post(predict)
                    .then()
                    .statusCode(200)
                    .body("degraded", equalTo(true));
            assertThat(probe.unanswered()).as("Redis was still stalled").isTrue();
            PrometheusText after = scrape();
            assertThat(requests(after, "predict", "fraud", "degraded")
                            - requests(before, "predict", "fraud", "degraded"))
                    .isEqualTo(1);
            assertThat(predictions(after, "degraded") - predictions(before, "degraded"))
                    .isEqualTo(1);
            assertThat(after.sum("inferfn_feature_fetch_duration_seconds_count", "outcome", "timeout")
                            - before.sum("inferfn_feature_fetch_duration_seconds_count", "outcome", "timeout"))
                    .isEqualTo(1);
            probe.awaitAnswer(Duration.ofSeconds(10));
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(200)
                .body("degraded", equalTo(false)));
    }

    @Test
    void theOpenInferenceProtocolIsCountedUnderItsOwnEndpoint() {
        PrometheusText before = scrape();
        given().contentType(ContentType.JSON)
                .body(
                        """
                        {"inputs": [
                          {"name": "entity_id", "datatype": "BYTES", "shape": [1], "data": ["c-1042"]},
                          {"name": "amount", "datatype": "FP64", "shape": [1, 1], "data": [129.5]},
                          {"name": "merchant_category", "datatype": "BYTES", "shape": [1], "data": ["electronics"]},
                          {"name": "timestamp", "datatype": "BYTES", "shape": [1], "data": ["2026-11-23T02:14:00Z"]},
                          {"name": "card_present", "datatype": "BOOL", "shape": [1], "data": [false]}]}""")
                .post(infer)
                .then()
                .statusCode(200);
        PrometheusText after = scrape();
        assertThat(requests(after, "v2", "fraud", "ok") - requests(before, "v2", "fraud", "ok"))
                .isEqualTo(1);
        assertThat(requests(after, "predict", "fraud", "ok") - requests(before, "predict", "fraud", "ok"))
                .isZero();
    }

    /** What a Prometheus server asks for when it stores exemplars. */
    static final String OPEN_METRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    @Test
    void modelLoadTimeStartupPhasesAndTheBreakerAreGauges() {
        PrometheusText m = scrape();
        assertThat(m.find("inferfn_model_load_duration_seconds", "model", "fraud", "version", "2"))
                .singleElement()
                .satisfies(s -> assertThat(s.value()).isPositive());
        assertThat(m.find("inferfn_startup_phase_duration_seconds", "phase", "models"))
                .singleElement()
                .satisfies(s -> assertThat(s.value()).isPositive());
        assertThat(m.find("inferfn_feature_breaker_state")).singleElement().satisfies(s -> assertThat(s.value())
                .isZero());
    }

    @Test
    void everyMetricTheGrafanaDashboardReadsIsServedBySomeFunction() {
        given().contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(200);
        PrometheusText m = scrape();
        assertThat(GrafanaDashboard.queries()).as("panels with queries").hasSizeGreaterThan(10);
        assertThat(m.names()).containsAll(GrafanaDashboard.servedBy("http-predict"));
        // the rest belong to event-score and batch-score (checked by their tests); none belongs to nobody
        java.util.Set<String> unowned = new java.util.TreeSet<>(GrafanaDashboard.metricNames());
        GrafanaDashboard.SERVED_BY
                .values()
                .forEach(prefixes -> unowned.removeIf(n -> prefixes.stream().anyMatch(n::startsWith)));
        assertThat(unowned).as("dashboard metrics no function serves").isEmpty();
    }
}
