package io.inferfn.http;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * Redis gone silent without closing the socket (a network partition, a failover to another host, a stopped VM): the
 * function reaches Redis through a proxy that stops forwarding on the connections open at a moment and keeps their
 * sockets open, while it forwards new ones. Requests answer degraded within the feature-store budget, and past
 * {@code inferfn.feature-store.pipeline.dead-after} the function connects again by itself and scores with features,
 * although the old connection never answers.
 *
 * <p>Requests go over one kept-alive HTTP connection, so one event loop, and so one pipelined Redis connection,
 * serves them all: the other loops' connections are black-holed too but have nothing waiting on them. The idle probe,
 * which would find those too ({@code RedisIdleProbeTest}), is set far off here, so that only the connection requests
 * wait on is found silent.
 */
@QuarkusTest
@TestProfile(RedisGoneSilentTest.ShortDeadAfter.class)
class RedisGoneSilentTest {

    public static class ShortDeadAfter implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(BlackHoleRedisTestResource.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    // a budget a busy 2-core test machine keeps before the black hole, well under dead-after
                    "inferfn.feature-store.timeout", "250ms",
                    "inferfn.feature-store.pipeline.dead-after", "500ms",
                    "inferfn.feature-store.pipeline.idle-probe-after", "1h");
        }
    }

    @TestHTTPResource("/predict")
    URL predict;

    /** One connection kept alive: every request is served by the same event loop. */
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

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
    void requestsOnASilentRedisAnswerDegradedThenScoreWithFeaturesOnANewConnection() {
        BlackHoleProxy proxy = BlackHoleRedisTestResource.proxy();
        awaitScoresWithFeatures();
        int connections = proxy.connectionsOpened();
        pipelineWarnings.clear();

        proxy.blackHole();

        JsonPath degraded = score();
        assertThat(degraded.getBoolean("degraded")).isTrue();
        assertThat(degraded.getList("missingFeatures", String.class)).isEqualTo(PredictFunctionTest.STORE_FEATURES);
        // requests keep coming (some answered degraded, then some refused at once by the open circuit) until the
        // function has given up on the silent connection and scores from a new one
        awaitScoresWithFeatures();
        assertThat(proxy.connectionsOpened())
                .as("connections opened through the proxy: the old one never answers")
                .isGreaterThan(connections);
        assertThat(pipelineWarnings.messages())
                .as("warnings about the silent connection, however many requests it degraded")
                .singleElement()
                .asString()
                .contains("answered nothing for")
                .contains("inferfn.feature-store.pipeline.dead-after");
    }

    @Test
    void aSilentConnectionIsMadeAgainWithoutWaitingForTheNextRequest() {
        BlackHoleProxy proxy = BlackHoleRedisTestResource.proxy();
        awaitScoresWithFeatures();
        int connections = proxy.connectionsOpened();

        proxy.blackHole();
        assertThat(score().getBoolean("degraded")).isTrue();

        // no request from here: the function notices the silence and connects again by itself
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> proxy.connectionsOpened() > connections);
        JsonPath next = score();
        assertThat(next.getBoolean("degraded"))
                .as("the first request after the quiet spell is scored with features")
                .isFalse();
        assertThat(next.getList("missingFeatures")).isEmpty();
    }

    private void awaitScoresWithFeatures() {
        Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> !score().getBoolean("degraded"));
    }

    /** One {@code POST /predict} of the demo request; it must answer (200) well within the HTTP timeout. */
    private JsonPath score() {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(predict.toString()))
                            .header("Content-Type", "application/json")
                            .timeout(Duration.ofSeconds(10))
                            .POST(HttpRequest.BodyPublishers.ofString(PredictFunctionTest.FRAUD_REQUEST))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            return JsonPath.from(response.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
