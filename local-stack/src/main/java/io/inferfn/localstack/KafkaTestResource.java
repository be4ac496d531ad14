package io.inferfn.localstack;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Quarkus test resource: one real in-JVM Kafka broker per test run on a free port, wired into
 * {@code kafka.bootstrap.servers}. Tests reach it through {@link #kafka()} to stop and restart it.
 */
public class KafkaTestResource implements QuarkusTestResourceLifecycleManager {

    private static volatile LocalKafka kafka;

    /** The broker the current Quarkus test application is connected to. */
    public static LocalKafka kafka() {
        if (kafka == null) {
            throw new IllegalStateException("KafkaTestResource has not started; annotate the test with "
                    + "@QuarkusTestResource(KafkaTestResource.class)");
        }
        return kafka;
    }

    @Override
    public Map<String, String> start() {
        kafka = LocalKafka.onPort(0);
        kafka.start();
        return Map.of("kafka.bootstrap.servers", kafka.bootstrapServers());
    }

    @Override
    public void stop() {
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
    }
}
