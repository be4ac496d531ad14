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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.BlackHoleProxy;
import io.inferfn.localstack.BlackHoleRedisTestResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis gone silent without closing the socket while the function is idle: every event loop's connection, with no
 * call waiting on it, is sent a PING after {@code inferfn.feature-store.pipeline.idle-probe-after}, found silent
 * {@code dead-after} later and made again, with no request to pay for it; the first request after the quiet spell is
 * scored with features.
 */
@QuarkusTest
@TestProfile(RedisIdleProbeTest.ShortIdleProbe.class)
class RedisIdleProbeTest {

    static final int EVENT_LOOPS = 2;

    public static class ShortIdleProbe implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(BlackHoleRedisTestResource.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.vertx.event-loops-pool-size", Integer.toString(EVENT_LOOPS),
                    "inferfn.feature-store.timeout", "250ms",
                    "inferfn.feature-store.pipeline.dead-after", "500ms",
                    "inferfn.feature-store.pipeline.idle-probe-after", "300ms");
        }
    }

    @TestHTTPResource("/predict")
    URL predict;

    private final LoggedWarnings pipelineWarnings = new LoggedWarnings("io.inferfn.runtime.RedisPipelines");

    @BeforeEach
    void seedAndListen() {
        PredictFunctionTest.seed(BlackHoleRedisTestResource.redis());
        pipelineWarnings.listen();
    }

    @AfterEach
    void stopListening() {
        pipelineWarnings.stop();
    }

    @Test
    void idleConnectionsRedisWentSilentOnAreMadeAgainBeforeTheNextRequest() {
        BlackHoleProxy proxy = BlackHoleRedisTestResource.proxy();
        Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> !score().getBoolean("degraded"));
        int connections = proxy.connectionsOpened();

        proxy.blackHole();

        // no request from here: each loop's idle connection is probed, found silent and made again
        Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> proxy.connectionsOpened() >= connections + EVENT_LOOPS);
        JsonPath next = score();
        assertThat(next.getBoolean("degraded"))
                .as("the first request after the quiet spell is scored with features")
                .isFalse();
        assertThat(next.getList("missingFeatures")).isEmpty();
        assertThat(pipelineWarnings.messages())
                .as("one warning per silent connection, saying the idle probe found it")
                .hasSizeGreaterThanOrEqualTo(EVENT_LOOPS)
                .allSatisfy(w -> assertThat(w)
                        .contains("answered nothing for")
                        .contains("inferfn.feature-store.pipeline.idle-probe-after"));
    }

    private JsonPath score() {
        return PredictFunctionTest.scoreFraud(predict);
    }
}
