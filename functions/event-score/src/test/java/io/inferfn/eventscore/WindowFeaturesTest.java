package io.inferfn.eventscore;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.inject.Inject;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.KafkaTestResource;
import io.inferfn.localstack.LocalKafka;
import io.inferfn.localstack.LocalRedis;
import io.inferfn.localstack.RedisTestResource;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Scorer;
import io.inferfn.testing.TinyModels;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Window features against a real Kafka broker and a real Redis: consumers of one group score two
 * sensors' readings (one per partition) through {@link EventScorer} with the function's own scorer and
 * Redis feature store, as the processor does per poll,
 * and the windows they leave in Redis, with the statistics each reading was scored with, are compared.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class WindowFeaturesTest {

    /** A count window (last 100 readings) and a time window (30 s of event time) of {@code reading}. */
    static final String MANIFEST =
            """
            {"name": "tiny-windows", "version": "1", "sha256": "$SHA", "quantization": "fp32",
             "inputs": [{"name": "x", "type": "float32", "shape": [-1, 5],
                         "features": ["reading", "n", "z", "delta", "recent_mean"]}],
             "features": [
               {"name": "reading", "source": "request", "type": "number"},
               {"name": "n", "source": "window", "of": "reading", "stat": "count", "last": 100,
                "key": "w:{entityId}", "default": 0},
               {"name": "z", "source": "window", "of": "reading", "stat": "zscore", "last": 100,
                "key": "w:{entityId}", "default": 0},
               {"name": "delta", "source": "window", "of": "reading", "stat": "delta", "last": 100,
                "key": "w:{entityId}", "default": 0},
               {"name": "recent_mean", "source": "window", "of": "reading", "stat": "mean", "seconds": 30,
                "key": "wt:{entityId}", "default": 0}],
             "output": {"tensor": "y", "thresholds": [0.7], "labels": ["normal", "anomaly"]}}""";

    static final String TOPIC = "window-readings";
    static final String[] SENSORS = {"s-1", "s-2"};
    static final int PER_SENSOR = 40;
    static final long START_MS = 1_790_000_000_000L;

    static LocalRedis redis;
    static LocalKafka kafka;
    static LoadedModel model;
    static EventScorer events;

    /** The function's own scorer: its Redis feature store, budget and circuit breaker. */
    @Inject
    Scorer scorer;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisTestResource.redis();
        kafka = KafkaTestResource.kafka();
        byte[] onnx = TinyModels.logistic("x", "y", new float[] {0.01f, 0.02f, 0.5f, 0.1f, -0.01f}, -1f);
        model = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + TinyModels.publish(onnx, MANIFEST));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get();
        }
        // each sensor drifts slowly up, one reading every 5 s, both on one partition each
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < PER_SENSOR; i++) {
                for (int s = 0; s < SENSORS.length; s++) {
                    double value = 50 + 10 * s + 0.1 * i + ((i * 7 + s) % 5) * 0.3;
                    String json = String.format(Locale.ROOT, "{\"reading\": %.2f}", value);
                    producer.send(new ProducerRecord<>(
                            TOPIC, s, START_MS + i * 5000L, SENSORS[s], json.getBytes(StandardCharsets.UTF_8)));
                }
            }
            producer.flush();
        }
    }

    @BeforeEach
    void events() {
        events = new EventScorer(scorer, new EventReadings("sensorId"));
    }

    @AfterAll
    static void stop() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void twoConsumersAcrossARebalanceLeaveTheWindowsOneConsumerLeaves() {
        redis.command("FLUSHALL");
        Map<String, Float> alone = new TreeMap<>();
        try (KafkaConsumer<String, byte[]> one = consumer("alone-" + UUID.randomUUID())) {
            int scored = 0;
            while (alone.size() < SENSORS.length * PER_SENSOR) {
                scored += scoreAndCommit(one, alone, true);
            }
            assertThat(scored).isEqualTo(SENSORS.length * PER_SENSOR);
        }
        Map<String, String> windowsAlone = windows();

        redis.command("FLUSHALL");
        Map<String, Float> shared = new TreeMap<>();
        String group = "shared-" + UUID.randomUUID();
        int scored = 0;
        AtomicBoolean rebalanced = new AtomicBoolean();
        try (KafkaConsumer<String, byte[]> a = subscribed(group, rebalanced);
                KafkaConsumer<String, byte[]> b = consumer(group, new AtomicBoolean())) {
            for (int polls = 0; polls < 3; ) {
                int n = scoreAndCommit(a, shared, true);
                scored += n;
                polls += n > 0 ? 1 : 0;
            }
            // b joins: a goes on scoring, but commits nothing until its partitions are taken from it (its last
            // polls are read again by whoever gets them), then both score and commit their own partitions
            b.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (shared.size() < SENSORS.length * PER_SENSOR || !rebalanced.get()) {
                assertThat(System.nanoTime())
                        .as("all readings scored within 90 s")
                        .isLessThan(deadline);
                scored += scoreAndCommit(a, shared, rebalanced.get());
                scored += scoreAndCommit(b, shared, true);
            }
            assertThat(b.assignment()).as("b took a partition").isNotEmpty();
        }
        assertThat(scored).as("readings scored again after the rebalance").isGreaterThan(SENSORS.length * PER_SENSOR);
        assertThat(windows()).isEqualTo(windowsAlone);
        assertThat(shared).isEqualTo(alone);
    }

    @Test
    void aRedeliveredBatchChangesNothing() {
        redis.command("FLUSHALL");
        Map<String, Float> first = new TreeMap<>();
        String group = "redelivered-" + UUID.randomUUID();
        List<ConsumerRecord<String, byte[]>> last = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = consumer(group)) {
            while (first.size() < SENSORS.length * PER_SENSOR) {
                ConsumerRecords<String, byte[]> poll = c.poll(Duration.ofMillis(200));
                if (!poll.isEmpty()) {
                    last.clear();
                    poll.forEach(last::add);
                    score(poll, first);
                }
            }
        }
        Map<String, String> windows = windows();
        ConsumerRecords<String, byte[]> again = new ConsumerRecords<>(
                Map.of(new TopicPartition(TOPIC, last.get(0).partition()), last));
        Map<String, Float> second = new TreeMap<>();
        score(again, second);

        assertThat(windows()).isEqualTo(windows);
        assertThat(second).isNotEmpty();
        second.forEach((at, score) -> assertThat(score).as(at).isEqualTo(first.get(at)));
    }

    @Test
    void theWindowSeesTheReadingsBeforeEachOneInItsPartitionsOrder() {
        redis.command("FLUSHALL");
        Map<String, Float> scores = new TreeMap<>();
        try (KafkaConsumer<String, byte[]> c = consumer("order-" + UUID.randomUUID())) {
            while (scores.size() < SENSORS.length * PER_SENSOR) {
                scoreAndCommit(c, scores, true);
            }
        }
        // the count window (last 100) holds every reading, in its partition's order
        String list = redis.command("LRANGE", "w:s-1", "0", "-1");
        String[] entries = list.substring(1, list.length() - 1).split(", ");
        assertThat(entries).hasSize(PER_SENSOR);
        for (int i = 0; i < PER_SENSOR; i++) {
            String[] f = entries[i].split(" ");
            assertThat(f[0]).isEqualTo(TOPIC + "-0");
        }
        // the statistics each reading was scored with are kept for its redeliveries: the n-th saw n before it
        String seen = redis.command("LRANGE", "w:s-1:seen", "0", "-1");
        String[] scored = seen.substring(1, seen.length() - 1).split(", ");
        assertThat(scored).hasSize(PER_SENSOR);
        for (int i = 0; i < PER_SENSOR; i++) {
            String[] f = scored[i].split(" ");
            assertThat(f[1]).isEqualTo(Integer.toString(i));
            assertThat(f[2]).as("count before reading %d", i).isEqualTo(Integer.toString(i));
        }
        // the time window keeps 30 s of event time: the readings at most 25 s older than the latest
        assertThat(redis.command("LLEN", "wt:s-1")).isEqualTo("6");
        assertThat(redis.command("TTL", "w:s-1")).isNotEqualTo("-1");
        assertThat(redis.command("HGET", "w:s-1:at", TOPIC + "-0")).isEqualTo(Integer.toString(PER_SENSOR - 1));
    }

    /** One poll scored as the processor scores it; commits its offsets when {@code commit}. Returns how many. */
    private static int scoreAndCommit(KafkaConsumer<String, byte[]> c, Map<String, Float> scores, boolean commit) {
        ConsumerRecords<String, byte[]> poll = c.poll(Duration.ofMillis(200));
        if (poll.isEmpty()) {
            return 0;
        }
        score(poll, scores);
        if (commit) {
            c.commitSync();
        }
        return poll.count();
    }

    private static void score(ConsumerRecords<String, byte[]> poll, Map<String, Float> scores) {
        List<EventBatches.Inbound> batch = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : poll) {
            batch.add(new EventBatches.Inbound(
                    r.key(), r.value(), r.topic(), r.partition(), r.offset(), r.timestamp(), null));
        }
        EventScorer.Outcomes outcomes = events.score(model, batch);
        for (int i = 0; i < batch.size(); i++) {
            Prediction p = outcomes.predictions()[i];
            assertThat(outcomes.rejections()[i]).isNull();
            assertThat(p.degraded()).isFalse();
            EventBatches.Inbound in = batch.get(i);
            Float earlier = scores.put(in.partition() + ":" + in.offset(), p.score());
            if (earlier != null) {
                assertThat(p.score())
                        .as("redelivered %d:%d", in.partition(), in.offset())
                        .isEqualTo(earlier);
            }
        }
    }

    /** Every window key's content: the readings with their statistics, and the offsets applied. */
    private static Map<String, String> windows() {
        Map<String, String> out = new TreeMap<>();
        for (String s : SENSORS) {
            out.put("w:" + s, redis.command("LRANGE", "w:" + s, "0", "-1"));
            out.put("wt:" + s, redis.command("LRANGE", "wt:" + s, "0", "-1"));
            out.put("w:" + s + ":at", redis.command("HGETALL", "w:" + s + ":at"));
            out.put("wt:" + s + ":at", redis.command("HGETALL", "wt:" + s + ":at"));
            out.put("w:" + s + ":seen", redis.command("LRANGE", "w:" + s + ":seen", "0", "-1"));
            out.put("wt:" + s + ":seen", redis.command("LRANGE", "wt:" + s + ":seen", "0", "-1"));
        }
        return out;
    }

    private static KafkaConsumer<String, byte[]> consumer(String group) {
        KafkaConsumer<String, byte[]> c = consumer(group, new AtomicBoolean());
        c.subscribe(List.of(TOPIC));
        return c;
    }

    private static KafkaConsumer<String, byte[]> subscribed(String group, AtomicBoolean revoked) {
        KafkaConsumer<String, byte[]> c = consumer(group, revoked);
        c.subscribe(List.of(TOPIC), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                if (!partitions.isEmpty()) {
                    revoked.set(true);
                }
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
        });
        return c;
    }

    /** A consumer of {@code group}, not subscribed yet; {@code revoked} is set once partitions are taken from it. */
    private static KafkaConsumer<String, byte[]> consumer(String group, AtomicBoolean revoked) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "7");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        // eager rebalancing: every partition is revoked and handed out again, from its committed offset
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p);
        return c;
    }
}
