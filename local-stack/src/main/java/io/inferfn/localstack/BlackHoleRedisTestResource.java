package io.inferfn.localstack;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Quarkus test resource: a real Redis on a free port, reached by the application through a {@link BlackHoleProxy}
 * ({@code quarkus.redis.hosts} names the proxy). Tests seed data straight into {@link #redis()} and make the Redis
 * the application is connected to go silent with {@link #proxy()}{@code .blackHole()}.
 */
public class BlackHoleRedisTestResource implements QuarkusTestResourceLifecycleManager {

    /** Init argument: {@code true} makes the proxy silent from the start. */
    public static final String SILENT_AT_START = "silent-at-start";

    private static volatile LocalRedis redis;
    private static volatile BlackHoleProxy proxy;

    /** The server behind the proxy. */
    public static LocalRedis redis() {
        return started(redis);
    }

    /** The proxy the current Quarkus test application connects to. */
    public static BlackHoleProxy proxy() {
        return started(proxy);
    }

    private static <T> T started(T part) {
        if (part == null) {
            throw new IllegalStateException(
                    "BlackHoleRedisTestResource has not started; list it in the test profile's "
                            + "testResources() or annotate the test with @QuarkusTestResource(BlackHoleRedisTestResource.class)");
        }
        return part;
    }

    private boolean silentAtStart;

    @Override
    public void init(Map<String, String> initArgs) {
        silentAtStart = Boolean.parseBoolean(initArgs.get(SILENT_AT_START));
    }

    @Override
    public Map<String, String> start() {
        redis = LocalRedis.startOnFreePort();
        proxy = BlackHoleProxy.to(redis.port());
        if (silentAtStart) {
            proxy.silence();
        }
        return Map.of("quarkus.redis.hosts", "redis://127.0.0.1:" + proxy.port());
    }

    @Override
    public void stop() {
        if (proxy != null) {
            proxy.close();
            proxy = null;
        }
        if (redis != null) {
            redis.close();
            redis = null;
        }
    }
}
