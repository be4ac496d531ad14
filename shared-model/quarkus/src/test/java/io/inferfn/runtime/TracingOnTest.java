package io.inferfn.runtime;

import java.util.Map;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import io.inferfn.runtime.tracing.TracingOffByDefault;

import static org.assertj.core.api.Assertions.assertThat;

/** When the scorer records spans: only when someone asked for tracing, whichever build it is. */
class TracingOnTest {

    private static SmallRyeConfig config(boolean sdkPresent, Map<String, String> application) {
        return new SmallRyeConfigBuilder()
                .withSources(new TracingOffByDefault(sdkPresent))
                .withSources(new PropertiesConfigSource(application, "application.properties", 250))
                .build();
    }

    @Test
    void aContainerBuildWithTheSdkTracesOnlyWhenTurnedOn() {
        assertThat(ScoringProducers.tracingOn(config(true, Map.of()))).isFalse();
        assertThat(ScoringProducers.tracingOn(config(true, Map.of("quarkus.otel.sdk.disabled", "false"))))
                .isTrue();
        assertThat(ScoringProducers.tracingOn(config(
                        true, Map.of("quarkus.otel.sdk.disabled", "false", "quarkus.otel.traces.enabled", "false"))))
                .as("traces turned off while the SDK runs")
                .isFalse();
    }

    @Test
    void aBuildWithoutTheSdkIsOffUnlessTracingIsAskedFor() {
        assertThat(ScoringProducers.tracingOn(config(false, Map.of())))
                .as("nothing set: no SDK, no spans, and no failure")
                .isFalse();
        assertThat(ScoringProducers.tracingOn(config(false, Map.of("quarkus.otel.sdk.disabled", "false"))))
                .as("asked for: the producer then fails the start saying the build has no SDK")
                .isTrue();
    }
}
