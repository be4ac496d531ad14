package io.inferfn.eventscore;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.FunctionProcess;
import io.inferfn.localstack.KafkaTestResource;
import io.inferfn.localstack.LocalRedis;
import io.inferfn.localstack.RedisTestResource;
import io.inferfn.localstack.SensorReadings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged event-score as its own JVM process, started the way the CLI starts functions
 * ({@link FunctionProcess}), against a real broker and a real Redis: killed with SIGKILL
 * mid-stream and started again, and reachable only where it was told to listen.
 */
class EventScoreKillIT {

    static final String READINGS = EventScoreTest.READINGS;
    static final String PREDICTIONS = EventScoreTest.PREDICTIONS;
    static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
    static final Path LOGS = Path.of("target/event-score-processes").toAbsolutePath();

    static final KafkaTestResource KAFKA = new KafkaTestResource();
    static final RedisTestResource REDIS = new RedisTestResource();

    @BeforeAll
    static void startStores() {
        KAFKA.start();
        REDIS.start();
        SensorData.seedRedis(RedisTestResource.redis());
    }

    @AfterAll
    static void stopStores() {
        REDIS.stop();
        KAFKA.stop();
    }

    private static FunctionProcess start(String name, Map<String, String> extraEnv) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", KafkaTestResource.kafka().bootstrapServers(),
                "QUARKUS_REDIS_HOSTS", RedisTestResource.redis().uri(),
                "INFERFN_MODEL_LOCATIONS", "file:" + SensorData.DIR.resolve("2").toAbsolutePath()));
        env.putAll(extraEnv);
        return FunctionProcess.startReady(name, JAR, LocalRedis.freePort(), env, LOGS, List.of("-Xmx384m"));
    }

    /**
     * 20,000 readings keyed {@code <sensor>.<seq>} (a valid entity id: see
     * inferfn.feature-store.entity-id-pattern); once a quarter is scored, event-score gets
     * SIGKILL (no shutdown, no final commit) and a new process is started. Every reading has a
     * prediction, and the readings scored twice are exactly some of those scored before the kill at
     * or after the offset committed at the kill: the uncommitted window, nothing else.
     */
    @Test
    void killedWithSigkillMidStreamEveryReadingIsScoredAndOnlyTheUncommittedWindowTwice() throws Exception {
        int n = 20_000;
        List<SensorReadings.Reading> demo = SensorData.readings();
        Map<TopicPartition, Long> from = Topics.endOffsets(PREDICTIONS);
        TopicPartition readings0 = new TopicPartition(READINGS, 0);
        long base = Topics.endOffsets(READINGS).getOrDefault(readings0, 0L);
        FunctionProcess first = start("event-score-killed", Map.of());
        FunctionProcess second = null;
        try {
            // about 1,000 readings/s, so scoring is still under way when the kill comes after the first throttled
            // commit (5 s): the readings scored since that commit are the uncommitted window. The last quarter is
            // produced only after the kill, so the kill is mid-stream even on a slow machine (in CI the first
            // process once scored all 20,000 before the test saw a commit).
            java.util.concurrent.CountDownLatch killed = new java.util.concurrent.CountDownLatch(1);
            CompletableFuture<Void> produced = CompletableFuture.runAsync(() -> {
                try (KafkaProducer<String, byte[]> producer = Topics.producer()) {
                    for (int i = 0; i < n; i++) {
                        if (i == n * 3 / 4) {
                            producer.flush();
                            await().atMost(Duration.ofSeconds(120)).until(() -> killed.getCount() == 0);
                        }
                        SensorReadings.Reading r = demo.get(i % demo.size());
                        producer.send(Topics.record(READINGS, r.sensorId() + "." + i, r.json()));
                        if (i % 100 == 99) {
                            producer.flush();
                            EventScoreTest.sleep(100);
                        }
                    }
                    producer.flush();
                }
            });
            long start = sum(from);
            // mid-stream, and after a commit: the window left to score twice is the part after it
            // with at least 200 readings scored past the committed offset, so the window is not empty
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                long scored = sum(Topics.endOffsets(PREDICTIONS)) - start;
                long committed = committed(readings0) - base;
                return scored > n / 4 && committed > 0 && scored - committed >= 200;
            });

            first.kill();
            killed.countDown();
            assertThat(first.isAlive()).isFalse();
            long committedAtKill = committed(readings0);
            int writtenBeforeKill = (int) (sum(Topics.endOffsets(PREDICTIONS)) - sum(from));
            Set<Integer> scoredBeforeKill = sequences(
                            Topics.read(PREDICTIONS, from, writtenBeforeKill, Duration.ZERO, Duration.ofSeconds(30)))
                    .keySet();
            assertThat(scoredBeforeKill).as("readings scored before the kill").isNotEmpty();
            assertThat(scoredBeforeKill.size()).as("the kill came mid-stream").isLessThan(n);
            assertThat(committedAtKill)
                    .as("an offset was committed before the kill")
                    .isGreaterThan(base);

            second = start("event-score-restarted", Map.of());
            produced.get(120, TimeUnit.SECONDS);
            Map<Integer, Integer> seen =
                    sequences(Topics.read(PREDICTIONS, from, n, EventScoreTest.SETTLE, EventScoreTest.MAX));

            assertThat(seen).as("every reading scored").hasSize(n);
            assertThat(seen.values()).as("no reading scored more than twice").allMatch(times -> times <= 2);
            Set<Integer> duplicated = new TreeSet<>();
            seen.forEach((seq, times) -> {
                if (times > 1) {
                    duplicated.add(seq);
                }
            });
            long firstUncommitted = committedAtKill - base;
            System.out.printf(
                    "SIGKILL: %d readings, %d scored before the kill, committed offset at the kill %d (reading #%d),"
                            + " %d scored twice%n",
                    n, scoredBeforeKill.size(), committedAtKill, firstUncommitted, duplicated.size());
            assertThat(duplicated)
                    .as("scored twice: only readings scored before the kill and not committed")
                    .allMatch(seq -> scoredBeforeKill.contains(seq) && seq >= firstUncommitted);
            Set<Integer> window = new TreeSet<>();
            scoredBeforeKill.forEach(seq -> {
                if (seq >= firstUncommitted) {
                    window.add(seq);
                }
            });
            assertThat(window)
                    .as("readings scored before the kill and not committed (the uncommitted window)")
                    .isNotEmpty();
            assertThat(duplicated)
                    .as("every reading of the uncommitted window is scored again after the restart")
                    .isEqualTo(window);
        } finally {
            first.close();
            if (second != null) {
                second.close();
            }
        }
    }

    /** A function started the way the CLI (and its demo) starts one listens on loopback only. */
    @Test
    void aFunctionStartedLikeTheDemoListensOnLoopbackOnlyUnlessTold() throws Exception {
        InetAddress outside = nonLoopbackAddress();
        try (FunctionProcess fn = start("event-score-loopback", Map.of())) {
            assertThat(fn.host()).isEqualTo("127.0.0.1");
            assertThat(accepts(InetAddress.getLoopbackAddress(), fn.port())).isTrue();
            assertThat(accepts(outside, fn.port()))
                    .as("port %d on %s", fn.port(), outside)
                    .isFalse();
        }
        try (FunctionProcess fn = start("event-score-everywhere", Map.of("QUARKUS_HTTP_HOST", "0.0.0.0"))) {
            assertThat(accepts(outside, fn.port()))
                    .as("port %d on %s when told 0.0.0.0", fn.port(), outside)
                    .isTrue();
        }
    }

    /** Per {@code .<seq>} key suffix, how many predictions it got. */
    private static Map<Integer, Integer> sequences(List<ConsumerRecord<String, byte[]>> predictions) {
        Map<Integer, Integer> seen = new TreeMap<>();
        for (ConsumerRecord<String, byte[]> p : predictions) {
            String key = p.key();
            int dot = key == null ? -1 : key.lastIndexOf('.');
            String seq = dot < 0 ? "" : key.substring(dot + 1);
            if (dot > 0 && !seq.isEmpty() && seq.chars().allMatch(Character::isDigit)) {
                seen.merge(Integer.parseInt(seq), 1, Integer::sum);
            }
        }
        return seen;
    }

    private static long sum(Map<TopicPartition, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }

    private static long committed(TopicPartition tp) throws Exception {
        try (Admin admin = Admin.create(
                Map.of("bootstrap.servers", KafkaTestResource.kafka().bootstrapServers()))) {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets(EventScoreTest.GROUP)
                    .partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS)
                    .get(tp);
            return offset == null ? 0 : offset.offset();
        }
    }

    private static InetAddress nonLoopbackAddress() throws IOException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp() && !nic.isLoopback()) {
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLinkLocalAddress()) {
                        return a;
                    }
                }
            }
        }
        Assumptions.abort("this machine has no non-loopback IPv4 address to test against");
        return null;
    }

    private static boolean accepts(InetAddress address, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
