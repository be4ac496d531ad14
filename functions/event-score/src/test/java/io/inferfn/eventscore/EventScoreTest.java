package io.inferfn.eventscore;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.KafkaTestResource;
import io.inferfn.localstack.RedisTestResource;
import io.inferfn.localstack.SensorReadings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * event-score against a real Kafka broker and a real Redis, both started by the test: readings in,
 * predictions, alerts and dead letters out, through a broker restart and a Redis outage.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class EventScoreTest {

    static final String READINGS = "sensor-readings";
    static final String PREDICTIONS = "predictions";
    static final String ALERTS = "alerts";
    static final String DLQ = "sensor-readings-dlq";
    static final String GROUP = "event-score";
    static final String KAFKA_READINESS = "SmallRye Reactive Messaging - readiness check";
    static final Duration SETTLE = Duration.ofSeconds(2);
    static final Duration MAX = Duration.ofSeconds(90);

    @TestHTTPResource("/q/health")
    String health;

    @BeforeAll
    static void seed() {
        SensorData.seedRedis(RedisTestResource.redis());
    }

    @Test
    void everyReadingGetsOnePredictionAndAnomaliesAlert() {
        List<SensorReadings.Reading> readings = SensorData.readings();
        Map<TopicPartition, Long> predictionsFrom = Topics.endOffsets(PREDICTIONS);
        Map<TopicPartition, Long> alertsFrom = Topics.endOffsets(ALERTS);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (SensorReadings.Reading r : readings) {
            records.add(Topics.record(READINGS, r.sensorId(), r.json()));
        }
        Topics.produce(READINGS, records);

        List<ConsumerRecord<String, byte[]>> predictions =
                Topics.read(PREDICTIONS, predictionsFrom, readings.size(), SETTLE, MAX);
        List<ConsumerRecord<String, byte[]>> alerts = Topics.read(ALERTS, alertsFrom, 1, SETTLE, MAX);

        assertThat(predictions).hasSize(readings.size());
        // per sensor, as many predictions as readings, in order (the fault check below pairs them by position)
        Map<String, List<SensorReadings.Reading>> sent = readings.stream()
                .collect(Collectors.groupingBy(SensorReadings.Reading::sensorId, TreeMap::new, Collectors.toList()));
        Map<String, List<JsonPath>> received = new TreeMap<>();
        for (ConsumerRecord<String, byte[]> p : predictions) {
            JsonPath json = JsonPath.from(Topics.value(p));
            assertThat(json.getString("entityId")).isEqualTo(p.key());
            assertThat(Topics.header(p, EventOutputs.MODEL_HEADER)).isEqualTo("sensor-anomaly");
            assertThat(Topics.header(p, EventOutputs.VERSION_HEADER)).isEqualTo("2");
            assertThat(json.getBoolean("degraded")).as("baselines are in Redis").isFalse();
            received.computeIfAbsent(p.key(), k -> new ArrayList<>()).add(json);
        }
        assertThat(received.keySet()).isEqualTo(sent.keySet());
        sent.forEach((sensor, list) -> assertThat(received.get(sensor)).hasSameSizeAs(list));

        // alerts are exactly the predictions at or above the manifest's threshold, and they are the faults
        long aboveThreshold = predictions.stream()
                .filter(p -> JsonPath.from(Topics.value(p)).getFloat("score") >= 0.8f)
                .count();
        assertThat(alerts).hasSize((int) aboveThreshold);
        long faults = readings.stream().filter(SensorReadings.Reading::anomaly).count();
        long caught = 0;
        for (Map.Entry<String, List<SensorReadings.Reading>> e : sent.entrySet()) {
            List<JsonPath> got = received.get(e.getKey());
            for (int i = 0; i < e.getValue().size(); i++) {
                if (e.getValue().get(i).anomaly() && got.get(i).getFloat("score") >= 0.8f) {
                    caught++;
                }
            }
        }
        // the int8 model at its 0.8 threshold: 105 of the 147 demo faults, no false alert (models/README.md)
        assertThat(faults).isPositive();
        assertThat((double) caught / faults)
                .as("share of injected faults alerted")
                .isGreaterThan(0.6);
        assertThat((double) caught / alerts.size())
                .as("share of alerts that are faults")
                .isGreaterThan(0.95);
        alerts.forEach(a ->
                assertThat(JsonPath.from(Topics.value(a)).getString("label")).isEqualTo("anomaly"));
    }

    @Test
    void poisonMessagesGoToTheDeadLetterTopicWithTheReasonAndTheRestIsScored() {
        SensorReadings.Reading good = SensorData.readings().get(0);
        Map<TopicPartition, Long> dlqFrom = Topics.endOffsets(DLQ);
        Map<TopicPartition, Long> predictionsFrom = Topics.endOffsets(PREDICTIONS);
        Map<TopicPartition, Long> readingsFrom = Topics.endOffsets(READINGS);
        String firstFeature = good.json().substring(2, good.json().indexOf('"', 2));
        Map<String, byte[]> poison = new java.util.LinkedHashMap<>();
        poison.put("not-json", new byte[] {(byte) 0xff, (byte) 0xfe, 0x00, 0x41});
        poison.put("array", "[1, 2, 3]".getBytes(StandardCharsets.UTF_8));
        poison.put("missing", "{}".getBytes(StandardCharsets.UTF_8));
        poison.put(
                "text", good.json().replaceFirst(":\\s*[-0-9.eE]+", ":\"hot\"").getBytes(StandardCharsets.UTF_8));
        poison.put("unknown", good.json().replace("{", "{\"colour\":\"red\",").getBytes(StandardCharsets.UTF_8));
        poison.put("empty", new byte[0]);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        int goodCount = 0;
        for (Map.Entry<String, byte[]> e : poison.entrySet()) {
            records.add(Topics.record(READINGS, good.sensorId(), good.json()));
            goodCount++;
            records.add(new ProducerRecord<>(READINGS, "poison-" + e.getKey(), e.getValue()));
        }
        // no key and no sensorId field: nothing says which sensor's baselines to read
        records.add(new ProducerRecord<>(READINGS, null, good.json().getBytes(StandardCharsets.UTF_8)));
        Topics.produce(READINGS, records);

        List<ConsumerRecord<String, byte[]>> dead = Topics.read(DLQ, dlqFrom, poison.size() + 1, SETTLE, MAX);
        List<ConsumerRecord<String, byte[]>> predictions =
                Topics.read(PREDICTIONS, predictionsFrom, goodCount, SETTLE, MAX);

        assertThat(predictions).hasSize(goodCount);
        assertThat(dead).hasSize(poison.size() + 1);
        Map<String, String> reasons = new HashMap<>();
        long firstOffset = readingsFrom.getOrDefault(new TopicPartition(READINGS, 0), 0L);
        for (ConsumerRecord<String, byte[]> d : dead) {
            reasons.put(String.valueOf(d.key()), Topics.header(d, EventOutputs.DLQ_REASON));
            assertThat(Topics.header(d, EventOutputs.DLQ_TOPIC)).isEqualTo(READINGS);
            assertThat(Topics.header(d, EventOutputs.DLQ_PARTITION)).isEqualTo("0");
            long offset = Long.parseLong(Topics.header(d, EventOutputs.DLQ_OFFSET));
            assertThat(offset).isGreaterThanOrEqualTo(firstOffset);
            if (d.key() != null) {
                // the original bytes, unchanged, at the offset the header names
                int index = (int) (offset - firstOffset);
                assertThat(records.get(index).key()).isEqualTo(d.key());
                assertThat(d.value()).isEqualTo(records.get(index).value());
            }
        }
        assertThat(reasons.get("poison-not-json")).contains("not valid JSON");
        assertThat(reasons.get("poison-array")).contains("not a JSON object");
        assertThat(reasons.get("poison-missing")).contains("is required");
        assertThat(reasons.get("poison-text")).contains(firstFeature).contains("number");
        assertThat(reasons.get("poison-unknown")).contains("unknown feature 'colour'");
        assertThat(reasons.get("poison-empty")).contains("empty value");
        assertThat(reasons.get("null")).contains("no entity id").contains("'sensorId'");
    }

    @Test
    void redisDownPredictionsAreFlaggedDegradedAndNoneIsLost() {
        List<SensorReadings.Reading> readings = SensorData.readings().subList(0, 300);
        Map<TopicPartition, Long> from = Topics.endOffsets(PREDICTIONS);
        RedisTestResource.redis().stop();
        try {
            List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
            readings.forEach(r -> records.add(Topics.record(READINGS, r.sensorId(), r.json())));
            Topics.produce(READINGS, records);
            List<ConsumerRecord<String, byte[]>> predictions =
                    Topics.read(PREDICTIONS, from, readings.size(), SETTLE, MAX);
            assertThat(predictions).hasSize(readings.size());
            for (ConsumerRecord<String, byte[]> p : predictions) {
                JsonPath json = JsonPath.from(Topics.value(p));
                assertThat(json.getBoolean("degraded")).isTrue();
                assertThat(json.getList("missingFeatures")).isNotEmpty();
            }
        } finally {
            RedisTestResource.redis().start();
        }
    }

    @Test
    void brokerRestartMidStreamLosesNothingAndDuplicatesOnlyTheUncommittedWindow() throws Exception {
        streamThrough("broker restart", () -> {
            KafkaTestResource.kafka().stop();
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> given().get(health + "/ready").then().statusCode(503));
            sleep(1000);
            KafkaTestResource.kafka().start();
        });
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> given().get(health + "/ready").then().statusCode(200));
    }

    /**
     * A second member joins event-score's group mid-stream and leaves without committing: the group
     * rebalances (the second member is assigned its share, possibly the one partition), then
     * event-score is assigned every partition again and consumption resumes from the committed
     * offsets. Had an offset been committed before its outputs were acknowledged, readings would be
     * missing.
     */
    @Test
    void aRebalanceResumesFromTheCommittedOffsetsWithoutAGap() throws Exception {
        List<Collection<TopicPartition>> intruderAssignments = new CopyOnWriteArrayList<>();
        List<Integer> membersWhileJoined = new CopyOnWriteArrayList<>();
        streamThrough("rebalance", () -> {
            java.util.Properties p = new java.util.Properties();
            p.put("bootstrap.servers", KafkaTestResource.kafka().bootstrapServers());
            p.put("group.id", GROUP);
            p.put("enable.auto.commit", "false");
            p.put("key.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
            p.put("value.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
            try (KafkaConsumer<String, byte[]> intruder = new KafkaConsumer<>(p)) {
                intruder.subscribe(List.of(READINGS), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                        intruderAssignments.add(List.copyOf(partitions));
                    }
                });
                long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
                while (System.nanoTime() < until) {
                    intruder.poll(Duration.ofMillis(200)); // may take the partition and read without committing
                    if (membersWhileJoined.isEmpty() && !intruderAssignments.isEmpty()) {
                        membersWhileJoined.add(members().size());
                    }
                }
            }
        });
        assertThat(intruderAssignments)
                .as("the group rebalanced to take the second member in")
                .isNotEmpty();
        assertThat(membersWhileJoined)
                .as("members of %s while the second one was in", GROUP)
                .containsExactly(2);
        // after it left, event-score's own member holds every partition of the topic again
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Collection<MemberDescription> members = members();
            assertThat(members).hasSize(1);
            assertThat(members.iterator().next().assignment().topicPartitions())
                    .containsExactlyInAnyOrderElementsOf(
                            Topics.endOffsets(READINGS).keySet());
        });
    }

    /** The members of event-score's consumer group, as the broker's group coordinator has them. */
    private static Collection<MemberDescription> members() {
        try (Admin admin = Admin.create(
                Map.of("bootstrap.servers", KafkaTestResource.kafka().bootstrapServers()))) {
            return admin.describeConsumerGroups(List.of(GROUP))
                    .describedGroups()
                    .get(GROUP)
                    .get(10, java.util.concurrent.TimeUnit.SECONDS)
                    .members();
        } catch (Exception e) {
            throw new IllegalStateException("could not describe consumer group " + GROUP, e);
        }
    }

    /**
     * 20,000 readings keyed "<sensor>.<seq>" (a valid entity id: see inferfn.feature-store.entity-id-pattern),
     * {@code disruption} once a quarter is scored; then every one counted.
     */
    private void streamThrough(String what, Runnable disruption) throws Exception {
        int n = 20_000;
        List<SensorReadings.Reading> demo = SensorData.readings();
        Map<TopicPartition, Long> from = Topics.endOffsets(PREDICTIONS);
        CompletableFuture<Void> produced = CompletableFuture.runAsync(() -> {
            try (KafkaProducer<String, byte[]> producer = Topics.producer()) {
                for (int i = 0; i < n; i++) {
                    SensorReadings.Reading r = demo.get(i % demo.size());
                    producer.send(Topics.record(READINGS, r.sensorId() + "." + i, r.json()));
                    if (i % 1000 == 999) {
                        producer.flush();
                        sleep(100);
                    }
                }
                producer.flush();
            }
        });
        long start = from.values().stream().mapToLong(Long::longValue).sum();
        await().atMost(Duration.ofSeconds(60))
                .until(() -> Topics.endOffsets(PREDICTIONS).values().stream()
                                        .mapToLong(Long::longValue)
                                        .sum()
                                - start
                        > n / 4);
        disruption.run();
        produced.get(120, java.util.concurrent.TimeUnit.SECONDS);

        List<ConsumerRecord<String, byte[]>> predictions = Topics.read(PREDICTIONS, from, n, SETTLE, MAX);
        Map<Integer, Integer> seen = new TreeMap<>();
        for (ConsumerRecord<String, byte[]> p : predictions) {
            String key = p.key();
            String seq = key.substring(key.lastIndexOf('.') + 1);
            if (key.indexOf('.') > 0 && seq.chars().allMatch(Character::isDigit)) {
                seen.merge(Integer.parseInt(seq), 1, Integer::sum);
            }
        }
        assertThat(seen).as("every reading scored").hasSize(n);
        List<Integer> duplicated = seen.entrySet().stream()
                .filter(e -> e.getValue() > 1)
                .map(Map.Entry::getKey)
                .toList();
        System.out.printf(
                "%s: %d readings, %d predictions, %d duplicated%n", what, n, predictions.size(), duplicated.size());
        // one partition: the re-read window is one contiguous run of offsets after the last commit, read
        // twice at most; no duplicates at all is the empty window
        int window = duplicated.isEmpty() ? 0 : duplicated.get(duplicated.size() - 1) - duplicated.get(0) + 1;
        assertThat(window).as("duplicates form one contiguous window").isEqualTo(duplicated.size());
        assertThat(seen.values()).as("no reading scored more than twice").allMatch(times -> times <= 2);
    }

    @Test
    void healthReportsTheConsumer() {
        given().get(health + "/ready")
                .then()
                .statusCode(200)
                .body("checks.name", org.hamcrest.Matchers.hasItems("inferfn-models", KAFKA_READINESS))
                .body("checks.find { it.name == '" + KAFKA_READINESS + "' }.status", org.hamcrest.Matchers.is("UP"));
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
