package io.inferfn.http;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness reports the load shedding's state (limit, requests in flight and waiting) and stays UP:
 * shedding is the function protecting itself, and taking it out of service would only move the load
 * onto its peers.
 */
@Singleton
@Readiness
public class OverloadHealth implements HealthCheck {

    @Inject
    OverloadGuard guard;

    @Override
    public HealthCheckResponse call() {
        if (!guard.enabled()) {
            return HealthCheckResponse.named("inferfn-overload")
                    .up()
                    .withData("shedding", "off")
                    .build();
        }
        return HealthCheckResponse.named("inferfn-overload")
                .up()
                .withData("limit", guard.limit())
                .withData("inFlight", guard.inFlight())
                .withData("waiting", guard.waiting())
                .build();
    }
}
