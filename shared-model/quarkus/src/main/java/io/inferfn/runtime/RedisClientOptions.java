package io.inferfn.runtime;

import jakarta.inject.Singleton;

import io.quarkus.redis.client.RedisOptionsCustomizer;
import io.quarkus.redis.runtime.client.VertxRedisClientFactory;
import io.vertx.redis.client.RedisOptions;

/**
 * Keeps the options Quarkus built for its default Redis client (hosts, password, TLS, from {@code quarkus.redis.*}),
 * so that {@link RedisPipelines} connects each event loop with the same settings. Changes nothing.
 */
@Singleton
public class RedisClientOptions implements RedisOptionsCustomizer {

    private volatile RedisOptions options;

    @Override
    public void customize(String clientName, RedisOptions options) {
        if (VertxRedisClientFactory.DEFAULT_CLIENT.equals(clientName)) {
            this.options = options;
        }
    }

    /** The default client's options; null before that client is made. */
    RedisOptions options() {
        return options;
    }
}
