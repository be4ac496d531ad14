package io.inferfn.http;

import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;
import io.inferfn.scoring.Scorer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With tracing on, one {@code /predict} is one trace: the HTTP server span, and under it the
 * feature-store round trip and the ONNX Runtime call, each naming the model.
 */
@QuarkusTest
@TestProfile(TracingTest.TracingOn.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class TracingTest {

    public static class TracingOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.otel.sdk.disabled", "false",
                    // spans go to the in-memory exporter below (a CDI SpanExporter), not to an OTLP collector
                    "quarkus.otel.exporter.otlp.enabled", "false",
                    "quarkus.otel.bsp.schedule.delay", "50ms");
        }
    }

    /** The spans the function exports, kept in memory. */
    @Singleton
    static class Exporter {
        @Produces
        @Singleton
        InMemorySpanExporter inMemorySpanExporter() {
            return InMemorySpanExporter.create();
        }
    }

    @Inject
    InMemorySpanExporter spans;

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    @Test
    void aPredictionIsATraceWithTheStoreRoundTripAndTheOrtCallUnderTheServerSpan() {
        PredictFunctionTest.seed();
        spans.reset();
        given().contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(200);

        await().atMost(Duration.ofSeconds(10))
                .until(() -> spans.getFinishedSpanItems().stream().anyMatch(s -> s.getKind() == SpanKind.SERVER));
        List<SpanData> finished = spans.getFinishedSpanItems();
        SpanData server = finished.stream()
                .filter(s -> s.getKind() == SpanKind.SERVER)
                .findFirst()
                .orElseThrow();
        SpanData fetch = one(finished, Scorer.FETCH_SPAN);
        SpanData inference = one(finished, Scorer.INFERENCE_SPAN);

        for (SpanData child : List.of(fetch, inference)) {
            assertThat(child.getTraceId()).isEqualTo(server.getTraceId());
            assertThat(child.getParentSpanId()).as(child.getName()).isEqualTo(server.getSpanId());
            assertThat(child.getAttributes().get(Scorer.MODEL)).isEqualTo("fraud");
            assertThat(child.getAttributes().get(Scorer.VERSION)).isEqualTo("2");
            assertThat(child.getAttributes().get(Scorer.ROWS)).isEqualTo(1L);
        }
        assertThat(fetch.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(fetch.getAttributes().get(Scorer.KEYS)).isEqualTo(1L);
        assertThat(fetch.getAttributes().get(Scorer.UNAVAILABLE)).isNull();
        // and the metrics link to it: Prometheus exemplars carry the trace id while tracing is on
        String openMetrics = given().accept(PredictMetricsTest.OPEN_METRICS)
                .get(metrics)
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(openMetrics).contains("trace_id=\"" + server.getTraceId() + "\"");
    }

    static SpanData one(List<SpanData> spans, String name) {
        List<SpanData> named =
                spans.stream().filter(s -> s.getName().equals(name)).toList();
        assertThat(named).as("spans named '%s' among %s", name, spans).hasSize(1);
        return named.get(0);
    }
}
