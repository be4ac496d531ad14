package io.inferfn.runtime;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.redis.client.Redis;

import io.inferfn.scoring.Scorer;

/** CDI wiring of the scoring core for every function: one feature store, one scorer. */
@ApplicationScoped
public class ScoringProducers {

    @Produces
    @Singleton
    RedisFeatureStore redisFeatureStore(Redis redis, FeatureStoreConfig config) {
        return new RedisFeatureStore(redis, config);
    }

    @Produces
    @Singleton
    Scorer scorer(RedisFeatureStore store) {
        return new Scorer(store);
    }

    /** Connects to Redis during start so that the first request does not pay for it. */
    void warmUp(@Observes StartupEvent event, RedisFeatureStore store) {
        store.warmUp(Duration.ofSeconds(2));
    }
}
