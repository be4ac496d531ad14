package io.inferfn.runtime.metrics;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * The end of a Lambda invocation, for metrics: writes the EMF lines of what the invocation measured before Lambda
 * freezes the process (a background thread would be frozen with it). A no-op where EMF is off (containers).
 */
@Singleton
public class InvocationMetrics {

    private final EmfMeterRegistry emf;

    @Inject
    public InvocationMetrics(Instance<EmfMeterRegistry> emf) {
        this.emf = emf.isResolvable() ? emf.get() : null;
    }

    /** Called by each Lambda handler as its invocation ends, whatever its outcome. */
    public void invocationEnded() {
        if (emf != null) {
            emf.flush();
        }
    }

    /** Whether this build writes EMF lines. */
    public boolean emfEnabled() {
        return emf != null;
    }
}
