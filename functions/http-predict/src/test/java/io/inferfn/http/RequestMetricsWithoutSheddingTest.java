package io.inferfn.http;

import java.net.URL;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;
import io.inferfn.testing.PrometheusText;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests are counted where load shedding (whose handler starts their record when it is on) is off: the request
 * meters install their own handler then.
 */
@QuarkusTest
@TestProfile(RequestMetricsWithoutSheddingTest.SheddingOff.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class RequestMetricsWithoutSheddingTest {

    public static class SheddingOff implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("inferfn.overload.enabled", "false");
        }
    }

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    PrometheusText scrape() {
        return PrometheusText.parse(
                given().get(metrics).then().statusCode(200).extract().asString());
    }

    @Test
    void okAndBadRequestsAreCountedWithSheddingOff() {
        PredictFunctionTest.seed();
        PrometheusText before = scrape();
        given().contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(200);
        given().contentType(ContentType.JSON)
                .body("{\"model\": \"fraud\"}")
                .post(predict)
                .then()
                .statusCode(400);
        PrometheusText after = scrape();
        assertThat(PredictMetricsTest.requests(after, "predict", "fraud", "ok")
                        - PredictMetricsTest.requests(before, "predict", "fraud", "ok"))
                .isEqualTo(1);
        assertThat(after.sum("inferfn_requests_total", "endpoint", "predict", "outcome", "bad_request")
                        - before.sum("inferfn_requests_total", "endpoint", "predict", "outcome", "bad_request"))
                .isEqualTo(1);
    }
}
