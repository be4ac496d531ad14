package io.inferfn.localstack;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Quarkus test resource: one real Redis per test run on a free port, wired into
 * {@code quarkus.redis.hosts}. Tests reach the running server through {@link #redis()} to stop and
 * restart it.
 */
public class RedisTestResource implements QuarkusTestResourceLifecycleManager {

    private static volatile LocalRedis redis;

    /** The server the current Quarkus test application is connected to. */
    public static LocalRedis redis() {
        if (redis == null) {
            throw new IllegalStateException("RedisTestResource has not started; annotate the test with "
                    + "@QuarkusTestResource(RedisTestResource.class)");
        }
        return redis;
    }

    @Override
    public Map<String, String> start() {
        redis = LocalRedis.startOnFreePort();
        return Map.of("quarkus.redis.hosts", redis.uri());
    }

    @Override
    public void stop() {
        if (redis != null) {
            redis.close();
            redis = null;
        }
    }
}
