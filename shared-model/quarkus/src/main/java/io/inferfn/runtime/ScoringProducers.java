package io.inferfn.runtime;

import java.time.Duration;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.opentelemetry.api.trace.Tracer;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.redis.client.Redis;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import io.inferfn.runtime.metrics.InferfnMetrics;
import io.inferfn.scoring.Scorer;

/** CDI wiring of the scoring core for every function: one feature store, one scorer. */
@ApplicationScoped
public class ScoringProducers {

    @Produces
    @Singleton
    RedisFeatureStore redisFeatureStore(Redis redis, FeatureStoreConfig config, InferfnMetrics metrics) {
        RedisFeatureStore store = new RedisFeatureStore(redis, config, metrics.fetchTimers());
        metrics.breaker(store, s -> switch (s.circuit()) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            case OPEN -> 2;
        });
        return store;
    }

    @Produces
    @Singleton
    Scorer scorer(RedisFeatureStore store, FeatureStoreConfig config, InferfnMetrics metrics, Instance<Tracer> tracer) {
        return new Scorer(
                store,
                entityIdPattern(config.entityIdPattern()),
                metrics,
                tracingOn(ConfigProvider.getConfig()) ? tracer.get() : null);
    }

    /**
     * Whether spans are recorded (README "Traces"): decided once at start, so that with tracing off
     * (the default) the scoring path does not even build a no-op span.
     */
    static boolean tracingOn(Config config) {
        return !config.getOptionalValue("quarkus.otel.sdk.disabled", Boolean.class)
                        .orElse(false)
                && config.getOptionalValue("quarkus.otel.traces.enabled", Boolean.class)
                        .orElse(true);
    }

    /** The configured entity id pattern; a start with one that does not compile fails, saying why. */
    static Pattern entityIdPattern(String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(
                    "inferfn.feature-store.entity-id-pattern is not a valid regular expression: " + e.getMessage(), e);
        }
    }

    /** Connects to Redis during start so that the first request does not pay for it. */
    void warmUp(@Observes StartupEvent event, RedisFeatureStore store) {
        store.warmUp(Duration.ofSeconds(2));
    }
}
