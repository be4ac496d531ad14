package io.inferfn.runtime.metrics;

import java.util.Set;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** CloudWatch Embedded Metric Format lines on Lambda ({@link EmfMeterRegistry}). */
@ConfigMapping(prefix = "inferfn.metrics.emf")
public interface EmfConfig {

    /**
     * Write the meters as EMF lines to stdout at the end of each invocation. Read at build time: on in the
     * {@code %lambda} profile (the {@code -Plambda} build), off in containers, which have {@code /q/metrics}.
     */
    @WithDefault("false")
    boolean enabled();

    /** The CloudWatch namespace of every metric. */
    @WithDefault("inferfn")
    String namespace();

    /** Only meters whose name starts with this are written: each metric and dimension set is a paid custom metric. */
    @WithDefault("inferfn.")
    String meterNamePrefix();

    /**
     * Tags left out of each metric's second dimension set, so an alarm can watch a function as a whole without naming
     * each model, version or reason: the degraded ratio over every model ({@code inferfn.predictions} by function and
     * outcome), every dead letter ({@code inferfn.events.dead.letters} with no dimension).
     */
    @WithDefault("model,version,reason")
    Set<String> rollUp();
}
