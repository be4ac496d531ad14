package io.inferfn.http;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;
import io.inferfn.testing.EmfLines;
import io.inferfn.testing.LambdaMockEvents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * On Lambda (EMF on, JSON logs, as the {@code %lambda} profile sets them), an API Gateway event through the
 * extension's mock event server, as the Lambda runtime hands it over: the invocation's metrics leave as a valid EMF
 * line on stdout as it ends (with the meter's model dimension and the invocation's request id), an idle invocation
 * writes no EMF line, and the invocation's log lines are JSON with the same {@code AWSRequestId} in their MDC.
 */
@QuarkusTest
@TestProfile(LambdaObservabilityTest.OnLambda.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class LambdaObservabilityTest {

    static final Path LOG = Path.of("target/lambda-observability-test.log");

    /** What {@code %lambda} sets, plus a JSON log file to read back and the filter's DEBUG line. */
    public static class OnLambda implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "inferfn.metrics.emf.enabled", "true",
                    "quarkus.log.file.enabled", "true",
                    "quarkus.log.file.path", LOG.toString(),
                    "quarkus.log.file.json.enabled", "true",
                    "quarkus.log.category.\"io.inferfn.http.LambdaInvocationFilter\".level", "DEBUG");
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    MeterRegistry registry;

    PrintStream stdout;

    final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    @BeforeEach
    void captureStdout() {
        stdout = System.out;
        System.setOut(new PrintStream(new TeeStream(stdout, captured), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreStdout() {
        System.setOut(stdout);
    }

    @Test
    void anInvocationWritesItsMetricsAsOneEmfLineWithTheModelAndItsRequestIdAndJsonLogsCarryTheSameId()
            throws Exception {
        PredictFunctionTest.seed();
        registry.counter("inferfn.test.marks", "function", "http-predict", "model", "fraud", "version", "2")
                .increment(3);
        assertThat(emfLines()).as("no invocation yet, so no flush").isEmpty();

        assertThat(PredictLambdaTest.invoke(PredictLambdaTest.README_REQUEST).getInt("statusCode"))
                .isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> !emfLines().isEmpty());
        List<JsonNode> lines = emfLines();
        JsonNode marks = lines.stream()
                .filter(l -> l.has("inferfn.test.marks"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no EMF line with inferfn.test.marks in " + lines));
        assertThat(marks.path("inferfn.test.marks").asDouble()).isEqualTo(3);
        assertThat(marks.path("model").asText()).isEqualTo("fraud");
        assertThat(marks.path("_aws")
                        .path("CloudWatchMetrics")
                        .get(0)
                        .path("Namespace")
                        .asText())
                .isEqualTo("inferfn");
        String requestId = marks.path("AWSRequestId").asText();
        assertThat(requestId).as("the invocation's request id").isNotBlank();

        // the same invocation's log line: JSON, with the request id in its MDC
        await().atMost(Duration.ofSeconds(10)).until(() -> !logLines(requestId).isEmpty());
        JsonNode log = logLines(requestId).get(0);
        assertThat(log.path("message").asText()).contains("Lambda invocation: POST /predict");
        assertThat(log.path("mdc").path("AWSRequestId").asText()).isEqualTo(requestId);
    }

    @Test
    void anInvocationThatMeasuredNothingWritesNoEmfLineAndTheNextIncreaseIsExact() throws Exception {
        PredictFunctionTest.seed();
        // settle what earlier invocations or startup left unflushed
        LambdaMockEvents.invoke(health());
        captured.reset();

        LambdaMockEvents.invoke(health());
        assertThat(emfLines()).as("nothing measured since the last flush").isEmpty();

        registry.counter("inferfn.test.marks", "function", "http-predict", "model", "fraud", "version", "2")
                .increment(5);
        LambdaMockEvents.invoke(health());
        await().atMost(Duration.ofSeconds(10)).until(() -> !emfLines().isEmpty());
        assertThat(emfLines())
                .filteredOn(l -> l.has("inferfn.test.marks"))
                .singleElement()
                .satisfies(
                        l -> assertThat(l.path("inferfn.test.marks").asDouble()).isEqualTo(5));
    }

    static String health() throws Exception {
        return AuthLambdaTest.asGet(Files.readString(PredictLambdaTest.EVENT), "/q/health/live");
    }

    /** The EMF lines on stdout since the capture began, each checked against the EMF specification. */
    List<JsonNode> emfLines() {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : captured.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("{\"_aws\"")) {
                lines.add(EmfLines.valid(line));
            }
        }
        return lines;
    }

    static List<JsonNode> logLines(String requestId) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        if (!Files.exists(LOG)) {
            return lines;
        }
        for (String line : Files.readAllLines(LOG)) {
            if (line.contains(requestId)) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }

    /** Writes to both the real stdout and the capture. */
    static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            synchronized (b) {
                b.write(c);
            }
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            synchronized (b) {
                b.write(buf, off, len);
            }
        }
    }
}
