package io.inferfn.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * A real single-node Kafka broker (KRaft, no ZooKeeper) inside this JVM, from the Kafka server jars:
 * no Docker, no download. Sized for a small heap (the log cleaner's dedupe buffer would otherwise
 * take 128 MB). Its log directory survives {@link #stop()}, so {@link #start()} again on the same
 * port is a broker restart with the topics and committed offsets it had. It listens on loopback
 * only unless told another address ({@link #onPort(int, String)}).
 */
public final class LocalKafka implements AutoCloseable {

    /** Held so the level sticks: the broker logs every lifecycle step at INFO. */
    private static final java.util.logging.Logger[] QUIET = {
        java.util.logging.Logger.getLogger("org.apache.kafka"),
        java.util.logging.Logger.getLogger("kafka"),
        java.util.logging.Logger.getLogger("state.change.logger")
    };

    private final String host;
    private final int port;
    private final int controllerPort;
    private final Path logDir;
    private final String clusterId;
    private EmbeddedKafkaBroker broker;

    private LocalKafka(String host, int port, Path logDir) {
        this.host = host;
        this.port = port;
        this.controllerPort = LocalRedis.freePort();
        this.logDir = logDir;
        this.clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
    }

    /** A broker for {@code port} ({@code 0}: a free one) keeping its log in a new temp directory. Not started. */
    public static LocalKafka onPort(int port) {
        return onPort(port, "127.0.0.1");
    }

    /**
     * A broker listening on {@code host} ({@code 0.0.0.0}: every interface) and {@code port}
     * ({@code 0}: a free one), keeping its log in a new temp directory. Not started.
     */
    public static LocalKafka onPort(int port, String host) {
        try {
            return new LocalKafka(
                    host, port == 0 ? LocalRedis.freePort() : port, Files.createTempDirectory("inferfn-kafka"));
        } catch (IOException e) {
            throw new UncheckedIOException("no temp directory for the Kafka log", e);
        }
    }

    /** {@code host:port} for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return advertisedHost() + ":" + port;
    }

    private String advertisedHost() {
        return host.equals("0.0.0.0") || host.equals("127.0.0.1") ? "localhost" : host;
    }

    public int port() {
        return port;
    }

    public synchronized void start() {
        if (broker != null && broker.isRunning()) {
            return;
        }
        for (java.util.logging.Logger logger : QUIET) {
            logger.setLevel(java.util.logging.Level.WARNING);
        }
        broker = new EmbeddedKafkaBroker()
                .withNodeId(0)
                .withClusterId(clusterId)
                .withKafkaPort(port)
                .withControllerPort(controllerPort)
                .withAdvertisedListeners(
                        EmbeddedKafkaBroker.endpoint(SecurityProtocol.PLAINTEXT, advertisedHost(), port))
                .withDeleteLogDirsOnClose(false)
                .withAdditionalProperties(p -> {
                    p.put("log.dirs", logDir.toString());
                    // the broker's default binds every interface: bind what was asked, the controller to loopback
                    p.put(
                            "listeners",
                            "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
                    p.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
                    p.put("num.partitions", "1");
                    p.put("offsets.topic.replication.factor", "1");
                    p.put("transaction.state.log.replication.factor", "1");
                    p.put("transaction.state.log.min.isr", "1");
                    p.put("group.initial.rebalance.delay.ms", "0");
                    p.put("auto.create.topics.enable", "true");
                    // a restarted broker re-registers once its old session expires: keep that short
                    p.put("broker.session.timeout.ms", "2000");
                    p.put("broker.heartbeat.interval.ms", "500");
                })
                .start();
    }

    /** Stops the broker and keeps its log: {@link #start()} brings it back with its records. */
    public synchronized void stop() {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    public synchronized boolean isRunning() {
        return broker != null && broker.isRunning();
    }

    /** The broker's log directory: it survives {@link #stop()} (a restarted broker has its records), not {@link #close()}. */
    public Path logDir() {
        return logDir;
    }

    /**
     * Stops the broker and deletes its log directory, the temp directory it was made with: a benchmark's broker holds
     * gigabytes of readings, left behind run after run otherwise.
     */
    @Override
    public synchronized void close() {
        stop();
        if (!Files.exists(logDir)) {
            return; // closed already (the demo closes at its end and again from its shutdown hook)
        }
        try {
            org.apache.commons.io.file.PathUtils.deleteDirectory(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete the Kafka log " + logDir, e);
        }
    }
}
