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
 * Readiness: DOWN until every model is loaded and verified, and until the feature store's warm-up at start is over
 * ({@link RedisFeatureStore#warmUp}, bounded by {@code inferfn.feature-store.warm-up-timeout}). After that the feature
 * store is reported but never takes the function out of service: without Redis it still answers, degraded.
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
            if (store.warmingUp()) {
                return HealthCheckResponse.named("inferfn-feature-store")
                        .down()
                        .withData(
                                "redis",
                                "warming up: connecting and making one scoring round trip on each connection (at most"
                                        + " inferfn.feature-store.warm-up-timeout)")
                        .build();
            }
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
