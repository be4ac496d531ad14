package io.inferfn.http;

import java.net.URL;
import java.time.Duration;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

/**
 * A model with window features is refused by http-predict at load time, with the reason: only a
 * stream function keeps windows (the container in {@code background} mode stays up to say so).
 */
@QuarkusTest
@TestProfile(WindowModelRefusedTest.DriftModel.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class WindowModelRefusedTest {

    public static class DriftModel implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "inferfn.model.locations",
                    "file:../../models/sensor-drift/1",
                    "inferfn.model.startup",
                    "background");
        }
    }

    @TestHTTPResource("/q/health/ready")
    URL ready;

    @Test
    void aModelWithWindowFeaturesIsRefusedWithTheReason() {
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get(ready)
                .then()
                .statusCode(503)
                .body(
                        "checks.find { it.name == 'inferfn-models' }.data.state",
                        containsString("reads window features, which only a stream function keeps")));
    }
}
