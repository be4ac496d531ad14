package io.inferfn.http;

import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.BlackHoleRedisTestResource;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Redis that accepts connections but answers nothing from before the start (a hung server, a partition): readiness
 * is DOWN while the feature store warms up, then, once {@code inferfn.feature-store.warm-up-timeout} has passed, UP
 * with Redis reported unreachable and the reason; the function answers degraded meanwhile, and scores with features
 * once Redis answers.
 */
@QuarkusTest
@TestProfile(RedisSilentAtStartTest.SilentAtStart.class)
class RedisSilentAtStartTest {

    public static class SilentAtStart implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(
                    BlackHoleRedisTestResource.class, Map.of(BlackHoleRedisTestResource.SILENT_AT_START, "true")));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    // long enough that the test sees the warm-up under way on a busy machine
                    "inferfn.feature-store.warm-up-timeout", "5s",
                    "inferfn.feature-store.timeout", "250ms");
        }
    }

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/q/health/ready")
    URL ready;

    @Test
    void readinessWaitsForTheWarmUpThenIsUpWithRedisUnreachableAndTheReason() {
        JsonPath warming = readiness(503);
        assertThat(warming.getString("checks.find { it.name == 'inferfn-feature-store' }.status"))
                .isEqualTo("DOWN");
        assertThat(warming.getString("checks.find { it.name == 'inferfn-feature-store' }.data.redis"))
                .startsWith("warming up");
        assertThat(warming.getString("checks.find { it.name == 'inferfn-models' }.status"))
                .as("the model is loaded: only the warm-up holds readiness")
                .isEqualTo("UP");

        // the warm-up gives up on a Redis that never answers: the function is in service, degraded
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> given().get(ready).statusCode() == 200);
        JsonPath up = readiness(200);
        assertThat(up.getString("checks.find { it.name == 'inferfn-feature-store' }.data.redis"))
                .isEqualTo("unreachable (serving defaults, degraded)");
        assertThat(up.getString("checks.find { it.name == 'inferfn-feature-store' }.data.reason"))
                .contains("did not answer within 5000 ms at start")
                .contains("inferfn.feature-store.warm-up-timeout");
        JsonPath degraded = score();
        assertThat(degraded.getBoolean("degraded")).isTrue();
        assertThat(degraded.getList("missingFeatures", String.class)).isEqualTo(PredictFunctionTest.STORE_FEATURES);

        PredictFunctionTest.seed(BlackHoleRedisTestResource.redis());
        BlackHoleRedisTestResource.proxy().answerAgain();
        Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> !score().getBoolean("degraded"));
    }

    private JsonPath readiness(int status) {
        return given().get(ready).then().statusCode(status).extract().jsonPath();
    }

    private JsonPath score() {
        return PredictFunctionTest.scoreFraud(predict);
    }
}
