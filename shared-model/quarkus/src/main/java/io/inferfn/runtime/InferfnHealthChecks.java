package io.inferfn.runtime;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import io.inferfn.model.LoadedModel;

/**
 * Readiness: DOWN until every model is loaded and verified. The feature store is reported but
 * never takes the function out of service: without Redis it still answers, degraded.
 */
@ApplicationScoped
public class InferfnHealthChecks {

    @Produces
    @Singleton
    @Readiness
    HealthCheck models(ModelCatalog catalog) {
        return () -> {
            HealthCheckResponseBuilder response = HealthCheckResponse.named("inferfn-models")
                    .status(catalog.ready())
                    .withData("state", catalog.state());
            for (LoadedModel model : catalog.models()) {
                response.withData(
                        model.name(),
                        model.version() + " (" + model.manifest().quantization().json() + ")");
            }
            return response.build();
        };
    }

    @Produces
    @Singleton
    @Readiness
    HealthCheck featureStore(RedisFeatureStore store) {
        return () -> {
            boolean reachable = store.reachable();
            HealthCheckResponseBuilder response = HealthCheckResponse.named("inferfn-feature-store")
                    .up()
                    .withData("redis", reachable ? "reachable" : "unreachable (serving defaults, degraded)")
                    .withData("circuit", store.circuit().name().toLowerCase(java.util.Locale.ROOT));
            if (!reachable) {
                response.withData("reason", store.unavailableReason());
            }
            return response.build();
        };
    }
}
