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
import static org.hamcrest.Matchers.equalTo;

/**
 * {@code inferfn.metrics.enabled=false}: scoring is unchanged, the scrape still serves the JVM's meters, and none of
 * inferfn's (no request, prediction, Redis, ORT or drift meter) is there, however much was scored.
 */
@QuarkusTest
@TestProfile(MetricsOffTest.MetricsOff.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class MetricsOffTest {

    public static class MetricsOff implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("inferfn.metrics.enabled", "false");
        }
    }

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    @Test
    void scoringWorksAndTheScrapeHoldsNoInferfnMeter() {
        PredictFunctionTest.seed();
        for (int i = 0; i < 3; i++) {
            given().contentType(ContentType.JSON)
                    .body(PredictFunctionTest.FRAUD_REQUEST)
                    .post(predict)
                    .then()
                    .statusCode(200)
                    .body("degraded", equalTo(false));
        }
        given().contentType(ContentType.JSON).body("{}").post(predict).then().statusCode(400);
        String text = given().get(metrics).then().statusCode(200).extract().asString();
        PrometheusText scrape = PrometheusText.parse(text);
        assertThat(scrape.find("jvm_memory_used_bytes"))
                .as("the JVM's meters stay")
                .isNotEmpty();
        assertThat(text.lines().filter(line -> line.startsWith("inferfn_")))
                .as("no inferfn meter with metrics off")
                .isEmpty();
    }
}
