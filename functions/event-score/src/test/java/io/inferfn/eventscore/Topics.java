package io.inferfn.eventscore;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.inferfn.localstack.KafkaTestResource;

/** Plain Kafka clients against the test broker: produce readings, read what event-score wrote. */
final class Topics {

    private Topics() {}

    static KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.kafka().bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        return new KafkaProducer<>(p);
    }

    static void produce(String topic, List<ProducerRecord<String, byte[]>> records) {
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (ProducerRecord<String, byte[]> r : records) {
                producer.send(r);
            }
            producer.flush();
        }
    }

    static ProducerRecord<String, byte[]> record(String topic, String key, String json) {
        return new ProducerRecord<>(topic, key, json.getBytes(StandardCharsets.UTF_8));
    }

    /** The end offset of every partition of {@code topic} now: read from there to see only what follows. */
    static Map<TopicPartition, Long> endOffsets(String topic) {
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            List<TopicPartition> partitions = partitions(c, topic);
            return partitions.isEmpty() ? Map.of() : new HashMap<>(c.endOffsets(partitions));
        }
    }

    /**
     * Reads {@code topic} from {@code from} (missing partitions from the beginning) until {@code
     * expected} records arrived and {@code settle} passed without more, or {@code max} elapsed.
     */
    static List<ConsumerRecord<String, byte[]>> read(
            String topic, Map<TopicPartition, Long> from, int expected, Duration settle, Duration max) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            long deadline = System.nanoTime() + max.toNanos();
            List<TopicPartition> assigned = List.of();
            long quietSince = System.nanoTime();
            while (System.nanoTime() < deadline) {
                List<TopicPartition> partitions = partitions(c, topic);
                if (partitions.size() != assigned.size()) {
                    c.assign(partitions);
                    for (TopicPartition tp : partitions) {
                        if (!assigned.contains(tp)) {
                            c.seek(tp, from.getOrDefault(tp, 0L));
                        }
                    }
                    assigned = partitions;
                }
                int before = out.size();
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(r);
                }
                if (out.size() != before) {
                    quietSince = System.nanoTime();
                } else if (out.size() >= expected && System.nanoTime() - quietSince > settle.toNanos()) {
                    break;
                }
            }
        }
        return out;
    }

    static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static String value(ConsumerRecord<String, byte[]> r) {
        return new String(r.value(), StandardCharsets.UTF_8);
    }

    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> c, String topic) {
        List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
        List<TopicPartition> out = new ArrayList<>();
        if (infos != null) {
            for (PartitionInfo p : infos) {
                out.add(new TopicPartition(topic, p.partition()));
            }
        }
        return out;
    }

    private static KafkaConsumer<String, byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.kafka().bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }
}
