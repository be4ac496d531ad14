package io.inferfn.eventscore;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
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

    static String traceparent(int trace) {
        return String.format("00-%032x-%016x-01", 0x4bf92f35L * 1_000_000L + trace, 0xf067aaL + trace);
    }

    @Test
    void aReadingsTraceparentIsCarriedOntoItsPredictionItsAlertAndItsDeadLetter() {
        List<SensorReadings.Reading> faults = SensorData.readings().stream()
                .filter(SensorReadings.Reading::anomaly)
                .toList();
        Map<TopicPartition, Long> predictionsFrom = Topics.endOffsets(PREDICTIONS);
        Map<TopicPartition, Long> alertsFrom = Topics.endOffsets(ALERTS);
        Map<TopicPartition, Long> dlqFrom = Topics.endOffsets(DLQ);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        Map<String, String> sent = new HashMap<>(); // traceparent -> the reading's sensor
        Map<String, String> states = new HashMap<>(); // traceparent -> its tracestate
        for (int i = 0; i < faults.size(); i++) {
            ProducerRecord<String, byte[]> r = Topics.record(
                    READINGS, faults.get(i).sensorId(), faults.get(i).json());
            r.headers().add(EventOutputs.TRACEPARENT, traceparent(i).getBytes(StandardCharsets.UTF_8));
            r.headers().add(EventOutputs.TRACESTATE, ("inferfn=" + i).getBytes(StandardCharsets.UTF_8));
            sent.put(traceparent(i), faults.get(i).sensorId());
            states.put(traceparent(i), "inferfn=" + i);
            records.add(r);
        }
        ProducerRecord<String, byte[]> poison =
                new ProducerRecord<>(READINGS, "poison-traced", "{}".getBytes(StandardCharsets.UTF_8));
        poison.headers().add(EventOutputs.TRACEPARENT, traceparent(9999).getBytes(StandardCharsets.UTF_8));
        records.add(poison);
        Topics.produce(READINGS, records);

        List<ConsumerRecord<String, byte[]>> predictions =
                Topics.read(PREDICTIONS, predictionsFrom, faults.size(), SETTLE, MAX);
        List<ConsumerRecord<String, byte[]>> alerts = Topics.read(ALERTS, alertsFrom, 1, SETTLE, MAX);
        List<ConsumerRecord<String, byte[]>> dead = Topics.read(DLQ, dlqFrom, 1, SETTLE, MAX);

        // every prediction carries its own reading's trace context: same trace id, same parent, same state
        Map<String, String> received = new HashMap<>();
        for (ConsumerRecord<String, byte[]> p : predictions) {
            String parent = Topics.header(p, EventOutputs.TRACEPARENT);
            assertThat(received.put(parent, p.key()))
                    .as("traceparent %s seen twice", parent)
                    .isNull();
            assertThat(Topics.header(p, EventOutputs.TRACESTATE)).isEqualTo(states.get(parent));
        }
        assertThat(received).isEqualTo(sent);
        assertThat(alerts).isNotEmpty();
        for (ConsumerRecord<String, byte[]> a : alerts) {
            assertThat(sent.get(Topics.header(a, EventOutputs.TRACEPARENT))).isEqualTo(a.key());
        }
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).key()).isEqualTo("poison-traced");
        assertThat(Topics.header(dead.get(0), EventOutputs.TRACEPARENT)).isEqualTo(traceparent(9999));
        assertThat(Topics.header(dead.get(0), EventOutputs.TRACESTATE)).isNull();
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

    /**
     * A reading just under the broker's message.max.bytes: rejected for its size, its dead letter
     * (the whole value plus headers) would exceed the producer's max.request.size. It is cut to
     * fit, the reading after it is scored, and the consumer lives on past it.
     */
    @Test
    void anOversizedReadingIsDeadLetteredCutToFitAndTheNextReadingIsScored() throws Exception {
        SensorReadings.Reading good = SensorData.readings().get(1);
        byte[] oversized = new byte[1_048_400];
        for (int i = 0; i < oversized.length; i++) {
            oversized[i] = (byte) ('a' + i % 26);
        }
        Map<TopicPartition, Long> dlqFrom = Topics.endOffsets(DLQ);
        Map<TopicPartition, Long> predictionsFrom = Topics.endOffsets(PREDICTIONS);
        Topics.produce(
                READINGS,
                List.of(
                        new ProducerRecord<>(READINGS, "oversized", oversized),
                        Topics.record(READINGS, good.sensorId() + ".after-oversized", good.json())));

        List<ConsumerRecord<String, byte[]>> dead = Topics.read(DLQ, dlqFrom, 1, SETTLE, MAX).stream()
                .filter(d -> "oversized".equals(d.key()))
                .toList();
        List<ConsumerRecord<String, byte[]>> predictions =
                Topics.read(PREDICTIONS, predictionsFrom, 1, SETTLE, MAX).stream()
                        .filter(p -> p.key().endsWith(".after-oversized"))
                        .toList();

        assertThat(dead).as("one dead letter for the oversized reading").hasSize(1);
        ConsumerRecord<String, byte[]> d = dead.get(0);
        assertThat(Topics.header(d, EventOutputs.DLQ_REASON)).contains("1048400 bytes");
        assertThat(Topics.header(d, EventOutputs.DLQ_ORIGINAL_SIZE)).isEqualTo("1048400");
        assertThat(Topics.header(d, EventOutputs.DLQ_ORIGINAL_SHA256))
                .isEqualTo(java.util.HexFormat.of()
                        .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                .digest(oversized)));
        assertThat(d.value()).as("the first 64 KiB of the original").isEqualTo(Arrays.copyOf(oversized, 65536));
        assertThat(predictions).as("the reading after it is scored").hasSize(1);
        given().get(health + "/live").then().statusCode(200);
        given().get(health + "/ready").then().statusCode(200);
        // the oversized reading's offset is committed: a restart does not read it again
        long end = Topics.endOffsets(READINGS).get(new TopicPartition(READINGS, 0));
        await().atMost(Duration.ofSeconds(30)).until(() -> committed() >= end);
    }

    /**
     * The dead-letter topic refuses writes (its max.message.bytes set below any dead letter, on the
     * broker) while 20 poison readings among 51 good ones are dead-lettered in one poll: readiness
     * DOWN naming the topic and the broker's error, liveness UP, no offset committed past the first
     * poison reading, and predictions keep flowing, for this poll and the next; once the topic
     * accepts again every dead letter is delivered once, readiness is UP, and the offsets are
     * committed to the end. With one producer for everything, the Kafka client split and resent the
     * refused batch of dead letters in a loop of its own (4,649 times in 28 s; the refusal never
     * reached event-score, so readiness stayed UP), and in CI went on until its I/O thread died of a
     * StackOverflowError, after which no prediction was written.
     */
    @Test
    void aDeadLetterTopicThatRefusesWritesHoldsTheOffsetsAndResumesWhenItAcceptsAgain() throws Exception {
        SensorReadings.Reading good = SensorData.readings().get(2);
        int poisons = 20;
        ConfigResource dlqTopic = new ConfigResource(ConfigResource.Type.TOPIC, DLQ);
        try (Admin admin = Admin.create(
                Map.of("bootstrap.servers", KafkaTestResource.kafka().bootstrapServers()))) {
            try {
                admin.createTopics(List.of(new NewTopic(DLQ, 1, (short) 1)))
                        .all()
                        .get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(TopicExistsException.class);
            }
            admin.incrementalAlterConfigs(Map.of(
                            dlqTopic,
                            List.of(new AlterConfigOp(
                                    new ConfigEntry("max.message.bytes", "64"), AlterConfigOp.OpType.SET))))
                    .all()
                    .get(10, TimeUnit.SECONDS);
            try {
                Map<TopicPartition, Long> dlqFrom = Topics.endOffsets(DLQ);
                Map<TopicPartition, Long> predictionsFrom = Topics.endOffsets(PREDICTIONS);
                long first = Topics.endOffsets(READINGS).getOrDefault(new TopicPartition(READINGS, 0), 0L);
                // good-0, poison-1, good-1, poison-2, ...: poison-i at offset first + 2i - 1
                long poisonOffset = first + 1;
                List<ProducerRecord<String, byte[]>> before = new ArrayList<>();
                before.add(Topics.record(READINGS, good.sensorId() + ".refused-0", good.json()));
                for (int i = 1; i <= 50; i++) {
                    if (i <= poisons) {
                        before.add(new ProducerRecord<>(
                                READINGS, "refused-poison-" + i, "{}".getBytes(StandardCharsets.UTF_8)));
                    }
                    before.add(Topics.record(READINGS, good.sensorId() + ".refused-" + i, good.json()));
                }
                Topics.produce(READINGS, before);

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get(health + "/ready")
                        .then()
                        .statusCode(503)
                        .body(
                                "checks.find { it.name == 'inferfn-dead-letters' }.data.message",
                                org.hamcrest.Matchers.containsString("dead-letter topic " + DLQ + " refuses writes"))
                        .body(
                                "checks.find { it.name == 'inferfn-dead-letters' }.data.error",
                                org.hamcrest.Matchers.containsString("RecordTooLarge")));
                given().get(health + "/live").then().statusCode(200);
                // the readings around the poison ones are scored; the commit stops before the first poison one
                assertThat(Topics.read(PREDICTIONS, predictionsFrom, 51, SETTLE, MAX).stream()
                                .map(ConsumerRecord::key)
                                .filter(k -> k.contains(".refused-"))
                                .distinct())
                        .hasSize(51);
                await().during(Duration.ofSeconds(7))
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> committed() <= poisonOffset);
                assertThat(Topics.read(DLQ, dlqFrom, 0, Duration.ZERO, Duration.ofSeconds(1)))
                        .as("nothing reached the refusing topic")
                        .isEmpty();
                // still refusing: a reading in a later poll is scored all the same
                Topics.produce(
                        READINGS, List.of(Topics.record(READINGS, good.sensorId() + ".refused-during", good.json())));
                assertThat(Topics.read(PREDICTIONS, predictionsFrom, 52, SETTLE, MAX).stream()
                                .map(ConsumerRecord::key)
                                .filter(k -> k.endsWith(".refused-during")))
                        .as("a prediction written while the dead-letter topic refuses")
                        .hasSize(1);
                given().get(health + "/ready").then().statusCode(503);

                // the topic accepts again: the dead letters are delivered, the stream goes on
                admin.incrementalAlterConfigs(Map.of(
                                dlqTopic,
                                List.of(new AlterConfigOp(
                                        new ConfigEntry("max.message.bytes", ""), AlterConfigOp.OpType.DELETE))))
                        .all()
                        .get(10, TimeUnit.SECONDS);
                Topics.produce(
                        READINGS, List.of(Topics.record(READINGS, good.sensorId() + ".refused-after", good.json())));
                List<ConsumerRecord<String, byte[]>> dead = Topics.read(DLQ, dlqFrom, poisons, SETTLE, MAX);
                assertThat(dead)
                        .extracting(ConsumerRecord::key)
                        .as("each dead letter delivered once")
                        .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.rangeClosed(1, poisons)
                                .mapToObj(i -> "refused-poison-" + i)
                                .toList());
                for (ConsumerRecord<String, byte[]> d : dead) {
                    int i = Integer.parseInt(d.key().substring("refused-poison-".length()));
                    assertThat(Topics.header(d, EventOutputs.DLQ_OFFSET)).isEqualTo(Long.toString(first + 2L * i - 1));
                }
                assertThat(Topics.read(PREDICTIONS, predictionsFrom, 53, SETTLE, MAX).stream()
                                .map(ConsumerRecord::key)
                                .filter(k -> k.endsWith(".refused-after")))
                        .hasSize(1);
                await().atMost(Duration.ofSeconds(30))
                        .untilAsserted(
                                () -> given().get(health + "/ready").then().statusCode(200));
                long end = Topics.endOffsets(READINGS).get(new TopicPartition(READINGS, 0));
                await().atMost(Duration.ofSeconds(30)).until(() -> committed() >= end);
            } finally {
                admin.incrementalAlterConfigs(Map.of(
                                dlqTopic,
                                List.of(new AlterConfigOp(
                                        new ConfigEntry("max.message.bytes", ""), AlterConfigOp.OpType.DELETE))))
                        .all()
                        .get(10, TimeUnit.SECONDS);
            }
        }
    }

    /** event-score's committed offset on partition 0 of the readings topic (0 before any commit). */
    private static long committed() {
        try (Admin admin = Admin.create(
                Map.of("bootstrap.servers", KafkaTestResource.kafka().bootstrapServers()))) {
            org.apache.kafka.clients.consumer.OffsetAndMetadata offset = admin.listConsumerGroupOffsets(GROUP)
                    .partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS)
                    .get(new TopicPartition(READINGS, 0));
            return offset == null ? 0 : offset.offset();
        } catch (Exception e) {
            throw new IllegalStateException("could not read the committed offsets of " + GROUP, e);
        }
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
        // readiness also waits for the feature store's warm-up at start (ReadingsWaitForTheWarmUpTest)
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get(health + "/ready")
                .then()
                .statusCode(200)
                .body("checks.name", org.hamcrest.Matchers.hasItems("inferfn-models", KAFKA_READINESS))
                .body("checks.find { it.name == '" + KAFKA_READINESS + "' }.status", org.hamcrest.Matchers.is("UP")));
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
