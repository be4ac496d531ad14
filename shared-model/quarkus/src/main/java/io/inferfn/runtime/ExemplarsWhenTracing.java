package io.inferfn.runtime;

import java.util.Optional;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.prometheus.client.exemplars.ExemplarSampler;
import io.quarkus.micrometer.runtime.export.exemplars.OpentelemetryExemplarSamplerProvider;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Prometheus exemplars (a trace id beside a histogram bucket) only while tracing is on. Quarkus turns
 * exemplar sampling on whenever the OpenTelemetry SDK is on the classpath, tracing on or off, and the
 * sampler then looks up the current span on every counter increment and histogram record of the
 * request path, for nothing when no span is ever recorded (README "Observability", Cost).
 */
@Singleton
public class ExemplarsWhenTracing {

    @Produces
    @Alternative
    @Priority(1)
    @Singleton
    Optional<ExemplarSampler> exemplarSampler() {
        if (ScoringProducers.tracingOn(ConfigProvider.getConfig())) {
            return new OpentelemetryExemplarSamplerProvider().exemplarSampler();
        }
        return Optional.empty();
    }
}
