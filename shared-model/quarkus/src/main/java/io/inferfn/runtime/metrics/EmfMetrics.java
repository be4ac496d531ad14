package io.inferfn.runtime.metrics;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Clock;
import io.quarkus.arc.properties.IfBuildProperty;

/**
 * The EMF registry, only in a build with {@code inferfn.metrics.emf.enabled=true} (the {@code %lambda} profile);
 * Quarkus adds it to the global registry every meter is registered in.
 */
@Singleton
public class EmfMetrics {

    @Produces
    @Singleton
    @IfBuildProperty(name = "inferfn.metrics.emf.enabled", stringValue = "true")
    EmfMeterRegistry emfMeterRegistry(EmfConfig config) {
        // System.out at each line, not a stream kept from start: stdout is the function's log stream on Lambda
        return new EmfMeterRegistry(
                config.namespace(),
                config.meterNamePrefix(),
                config.rollUp(),
                Clock.SYSTEM,
                line -> System.out.println(line));
    }
}
