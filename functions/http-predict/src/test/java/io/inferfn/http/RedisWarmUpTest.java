package io.inferfn.http;

import java.net.URL;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The feature store's warm-up at start, against a healthy Redis: once readiness is UP, every event loop's own Redis
 * connection has already made a scoring round trip ({@code MULTI}/{@code HMGET}/{@code EXEC}), so the first request,
 * on whichever loop, runs a warm path and is scored with features within the default 25 ms budget.
 */
@QuarkusTest
@TestProfile(RedisWarmUpTest.ThreeEventLoops.class)
class RedisWarmUpTest {

    static final int EVENT_LOOPS = 3;

    public static class ThreeEventLoops implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(RedisTestResource.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            // a known number of loops, each with its own pipelined connection; the budget stays the default 25 ms. The
            // idle probe is set far off: its PING would replace the warm-up's EXEC as a connection's last command
            // (CI 2026-12-01 23:30: the test read CLIENT LIST 7 s after the connections were made)
            return Map.of(
                    "quarkus.vertx.event-loops-pool-size",
                    Integer.toString(EVENT_LOOPS),
                    "inferfn.feature-store.pipeline.idle-probe-after",
                    "1h");
        }
    }

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/q/health/ready")
    URL ready;

    @Test
    void onceReadyEveryEventLoopsConnectionHasMadeAScoringRoundTripAndTheFirstRequestIsNotDegraded() {
        PredictFunctionTest.seed(RedisTestResource.redis());
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> given().get(ready).statusCode() == 200);
        JsonPath readiness = given().get(ready).then().extract().jsonPath();
        assertThat(readiness.getString("checks.find { it.name == 'inferfn-feature-store' }.data.redis"))
                .isEqualTo("reachable");

        // CLIENT LIST: one line per connection, cmd= its last command. The function's connections so far are its
        // pool's and its event loops'; the test's own last command is this CLIENT LIST
        String clients = RedisTestResource.redis().command("CLIENT", "LIST");
        long afterExec = Arrays.stream(clients.split("\n"))
                .filter(c -> c.contains(" cmd=exec "))
                .count();
        assertThat(afterExec)
                .as("connections whose last command was EXEC, one per event loop (and the pool's):%n%s", clients)
                .isGreaterThanOrEqualTo(EVENT_LOOPS);

        JsonPath first = given().contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(first.getBoolean("degraded"))
                .as("the first request after readiness, on a warm path")
                .isFalse();
        assertThat(first.getList("missingFeatures")).isEmpty();
    }
}
