package io.inferfn.runtime.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.Test;

import io.inferfn.testing.EmfLines;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The EMF registry writes, per flush, exactly what changed since the previous one, as lines CloudWatch accepts: a
 * counter's increase, a timer's count/sum/min/max in milliseconds, a gauge when it moves; no line when idle.
 */
class EmfMeterRegistryTest {

    final List<String> lines = new ArrayList<>();

    final EmfMeterRegistry registry =
            new EmfMeterRegistry("inferfn", "inferfn.", Set.of("model", "version", "reason"), Clock.SYSTEM, lines::add);

    Counter predictions(String outcome) {
        return Counter.builder("inferfn.predictions")
                .tags("function", "http-predict", "model", "fraud", "version", "2", "outcome", outcome)
                .register(registry);
    }

    @Test
    void nIncrementsAreCountNInTheNextLineAndAnIdleFlushWritesNothing() {
        for (int i = 0; i < 7; i++) {
            predictions("ok").increment();
        }

        assertThat(registry.flush()).isEqualTo(1);
        JsonNode line = EmfLines.valid(lines.get(0));
        assertThat(line.path("inferfn.predictions").asDouble()).isEqualTo(7);
        assertThat(line.path("model").asText()).isEqualTo("fraud");
        assertThat(line.path("outcome").asText()).isEqualTo("ok");
        JsonNode directive = line.path("_aws").path("CloudWatchMetrics").get(0);
        assertThat(directive.path("Namespace").asText()).isEqualTo("inferfn");
        assertThat(directive.path("Metrics").get(0).path("Unit").asText()).isEqualTo("Count");

        lines.clear();
        assertThat(registry.flush()).as("nothing happened since").isZero();
        assertThat(lines).isEmpty();

        predictions("ok").increment(2);
        registry.flush();
        assertThat(EmfLines.valid(lines.get(0)).path("inferfn.predictions").asDouble())
                .as("the increase since the last flush, not the total")
                .isEqualTo(2);
    }

    @Test
    void aTimerIsItsCountSumMinAndMaxInMillisecondsSinceTheLastFlush() {
        Timer timer = Timer.builder("inferfn.inference.duration")
                .tags("function", "http-predict", "model", "fraud", "version", "2")
                .register(registry);
        timer.record(Duration.ofMillis(5));
        timer.record(Duration.ofMillis(10));
        timer.record(Duration.ofMillis(30));

        registry.flush();

        JsonNode line = EmfLines.valid(lines.get(0));
        assertThat(line.path("inferfn.inference.duration.count").asDouble()).isEqualTo(3);
        assertThat(line.path("inferfn.inference.duration.sum").asDouble()).isEqualTo(45);
        assertThat(line.path("inferfn.inference.duration.min").asDouble()).isEqualTo(5);
        assertThat(line.path("inferfn.inference.duration.max").asDouble()).isEqualTo(30);
        for (JsonNode metric :
                line.path("_aws").path("CloudWatchMetrics").get(0).path("Metrics")) {
            String expected = metric.path("Name").asText().endsWith(".count") ? "Count" : "Milliseconds";
            assertThat(metric.path("Unit").asText()).as(metric.toString()).isEqualTo(expected);
        }

        lines.clear();
        timer.record(Duration.ofMillis(2));
        registry.flush();
        JsonNode next = EmfLines.valid(lines.get(0));
        assertThat(next.path("inferfn.inference.duration.count").asDouble()).isEqualTo(1);
        assertThat(next.path("inferfn.inference.duration.max").asDouble())
                .as("the max of this window, not of all time")
                .isEqualTo(2);
        assertThat(timer.count()).as("Micrometer's own view stays cumulative").isEqualTo(4);
    }

    @Test
    void theTagsAreTheDimensionsPlusASetWithoutModelAndVersionForAlarmsOverEveryModel() {
        predictions("degraded").increment();

        registry.flush();

        JsonNode dimensions = EmfLines.valid(lines.get(0))
                .path("_aws")
                .path("CloudWatchMetrics")
                .get(0)
                .path("Dimensions");
        assertThat(dimensions.toString())
                .isEqualTo("[[\"function\",\"model\",\"outcome\",\"version\"],[\"function\",\"outcome\"]]");
    }

    @Test
    void deadLettersAreCountedByReasonAndInTotalWithoutADimension() {
        registry.counter("inferfn.events.dead.letters", "reason", "not_json").increment();

        registry.flush();

        JsonNode line = EmfLines.valid(lines.get(0));
        assertThat(line.path("_aws")
                        .path("CloudWatchMetrics")
                        .get(0)
                        .path("Dimensions")
                        .toString())
                .isEqualTo("[[\"reason\"],[]]");
        assertThat(line.path("inferfn.events.dead.letters").asDouble()).isEqualTo(1);
    }

    @Test
    void aGaugeIsWrittenWhenItMovesOnly() {
        double[] state = {0};
        registry.gauge("inferfn.feature.breaker.state", Tags.empty(), state, s -> s[0]);

        assertThat(registry.flush()).as("first value").isEqualTo(1);
        assertThat(EmfLines.valid(lines.get(0))
                        .path("inferfn.feature.breaker.state")
                        .asDouble())
                .isZero();
        assertThat(registry.flush()).as("unchanged").isZero();
        state[0] = 2;
        assertThat(registry.flush()).isEqualTo(1);
        assertThat(EmfLines.valid(lines.get(1))
                        .path("inferfn.feature.breaker.state")
                        .asDouble())
                .isEqualTo(2);
    }

    @Test
    void metersWithTheSameTagsShareLinesOfAtMostAHundredMetrics() {
        for (int i = 0; i < 150; i++) {
            registry.counter("inferfn.test.c" + i, "function", "batch-score").increment();
        }

        assertThat(registry.flush()).isEqualTo(2);

        int metrics = 0;
        for (String line : lines) {
            int inLine = EmfLines.valid(line)
                    .path("_aws")
                    .path("CloudWatchMetrics")
                    .get(0)
                    .path("Metrics")
                    .size();
            assertThat(inLine).isLessThanOrEqualTo(100);
            metrics += inLine;
        }
        assertThat(metrics).isEqualTo(150);
    }

    @Test
    void aMeterWithMoreThanThirtyTagsKeepsThirtyDimensions() {
        Tags tags = Tags.empty();
        for (int i = 0; i < 35; i++) {
            tags = tags.and(String.format("t%02d", i), "v");
        }
        registry.counter("inferfn.test.wide", tags).increment();

        registry.flush();

        JsonNode line = EmfLines.valid(lines.get(0));
        assertThat(line.path("_aws")
                        .path("CloudWatchMetrics")
                        .get(0)
                        .path("Dimensions")
                        .get(0)
                        .size())
                .isEqualTo(EmfMeterRegistry.MAX_DIMENSIONS);
        assertThat(line.path("inferfn.test.wide").asDouble()).isEqualTo(1);
    }

    @Test
    void onlyInferfnMetersAreWrittenNotTheJvmOrHttpOnes() {
        registry.counter("jvm.gc.pause").increment();
        registry.counter("http.server.requests").increment();

        assertThat(registry.flush()).isZero();
        assertThat(lines).isEmpty();
    }
}
