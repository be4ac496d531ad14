package io.inferfn.runtime;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.opentelemetry.api.trace.Tracer;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import io.inferfn.runtime.metrics.InferfnMetrics;
import io.inferfn.scoring.Scorer;

/** CDI wiring of the scoring core for every function: one feature store, one scorer. */
@ApplicationScoped
public class ScoringProducers {

    @Produces
    @Singleton
    RedisFeatureStore redisFeatureStore(
            Redis redis,
            FeatureStoreConfig config,
            InferfnMetrics metrics,
            RedisClientOptions clientOptions,
            io.vertx.core.Vertx vertx) {
        redis.getDelegate(); // the client is made here, at the latest, and its options with it
        RedisFeatureStore store =
                new RedisFeatureStore(redis, config, metrics.fetchTimers(), pipelines(config, clientOptions, vertx));
        metrics.breaker(store, s -> switch (s.circuit()) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            case OPEN -> 2;
        });
        return store;
    }

    /**
     * One pipelined connection per event loop for the calls made there, when on and Redis is a standalone server
     * (a cluster, sentinel or replica set keeps the client's pool, which routes each command); null otherwise.
     */
    static RedisPipelines pipelines(
            FeatureStoreConfig config, RedisClientOptions clientOptions, io.vertx.core.Vertx vertx) {
        RedisOptions options = clientOptions.options();
        if (!config.pipeline().enabled() || options == null || options.getType() != RedisClientType.STANDALONE) {
            return null;
        }
        return new RedisPipelines(
                vertx, options, config.pipeline().deadAfter(), config.pipeline().idleProbeAfter());
    }

    void close(@Disposes RedisFeatureStore store) {
        store.close();
    }

    @Produces
    @Singleton
    Scorer scorer(RedisFeatureStore store, FeatureStoreConfig config, InferfnMetrics metrics, Instance<Tracer> tracer) {
        boolean tracing = tracingOn(ConfigProvider.getConfig());
        if (tracing && !tracer.isResolvable()) {
            throw new IllegalStateException("tracing is on (quarkus.otel.sdk.disabled=false) but this build has no"
                    + " OpenTelemetry SDK: Lambda zips (-Plambda) leave it out; build with -Plambda,traces, or turn"
                    + " tracing off and use the ADOT Lambda layer or X-Ray");
        }
        return new Scorer(store, entityIdPattern(config.entityIdPattern()), metrics, tracing ? tracer.get() : null);
    }

    /**
     * Whether spans are recorded (README "Traces"): decided once at start, so that with tracing off
     * (the default) the scoring path does not even build a no-op span.
     */
    static boolean tracingOn(Config config) {
        // set to true by TracingOffByDefault where the SDK is present; unset (a build without it) is never on
        return !config.getOptionalValue("quarkus.otel.sdk.disabled", Boolean.class)
                        .orElse(true)
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

    /**
     * Connects to Redis and warms the scoring paths during start (in the background, bounded), so that the first
     * request does not pay for it; readiness waits for it.
     */
    void warmUp(@Observes StartupEvent event, RedisFeatureStore store) {
        store.warmUp(false);
    }
}
