package io.inferfn.runtime.tracing;

import java.net.URL;
import java.net.URLClassLoader;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TracingOffByDefaultTest {

    @Test
    void whereTheSdkIsPresentTracingIsOffUnlessAHigherSourceTurnsItOn() {
        assertThat(TracingOffByDefault.sdkPresent(getClass().getClassLoader()))
                .as("the test classpath has the OpenTelemetry SDK (quarkus-opentelemetry)")
                .isTrue();
        SmallRyeConfig defaults = new SmallRyeConfigBuilder()
                .withSources(new TracingOffByDefault())
                .build();
        assertThat(defaults.getValue(TracingOffByDefault.SDK_DISABLED, Boolean.class))
                .isTrue();

        SmallRyeConfig turnedOn = new SmallRyeConfigBuilder()
                .withSources(new TracingOffByDefault())
                .withSources(new PropertiesConfigSource(
                        java.util.Map.of(TracingOffByDefault.SDK_DISABLED, "false"), "application.properties", 250))
                .build();
        assertThat(turnedOn.getValue(TracingOffByDefault.SDK_DISABLED, Boolean.class))
                .isFalse();
    }

    @Test
    void withoutTheSdkTheKeyIsNotSetSoQuarkusHasNoUnknownKeyToWarnAbout() throws Exception {
        try (URLClassLoader noSdk = new URLClassLoader(new URL[0], null)) {
            assertThat(TracingOffByDefault.sdkPresent(noSdk)).isFalse();
        }
        TracingOffByDefault source = new TracingOffByDefault(false);
        assertThat(source.getPropertyNames()).isEmpty();
        assertThat(source.getValue(TracingOffByDefault.SDK_DISABLED)).isNull();
    }
}
