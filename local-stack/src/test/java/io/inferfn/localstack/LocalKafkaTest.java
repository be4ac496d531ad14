package io.inferfn.localstack;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The in-JVM broker is a real Kafka: records produced before a restart are still there after it. */
class LocalKafkaTest {

    @Test
    void recordsSurviveABrokerRestartAndTheLogGoesWithClose() throws Exception {
        java.nio.file.Path log;
        try (LocalKafka kafka = LocalKafka.onPort(0)) {
            log = kafka.logDir();
            kafka.start();
            produce(kafka, "before");
            kafka.stop();
            assertThat(kafka.isRunning()).isFalse();
            kafka.start();
            produce(kafka, "after");
            assertThat(consumeAll(kafka, 2)).containsExactly("before", "after");
            assertThat(log).isNotEmptyDirectory();
            kafka.close();
            assertThat(log).doesNotExist();
            // and again, as try-with-resources does here and a shutdown hook may: nothing left to do, no error
        }
        assertThat(log).doesNotExist();
    }

    @Test
    void listensOnLoopbackOnlyByDefault() throws Exception {
        java.net.InetAddress outside = Interfaces.nonLoopbackAddress();
        try (LocalKafka kafka = LocalKafka.onPort(0)) {
            kafka.start();
            produce(kafka, "on loopback");
            assertThat(Interfaces.accepts(java.net.InetAddress.getLoopbackAddress(), kafka.port()))
                    .isTrue();
            assertThat(Interfaces.accepts(outside, kafka.port()))
                    .as("port %d on %s", kafka.port(), outside)
                    .isFalse();
        }
    }

    private static void produce(LocalKafka kafka, String value) throws Exception {
        Map<String, Object> config = Map.of(
                "bootstrap.servers", kafka.bootstrapServers(),
                "acks", "all",
                "delivery.timeout.ms", "30000",
                "request.timeout.ms", "10000");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("local-kafka-test", "k", value)).get(30, TimeUnit.SECONDS);
        }
    }

    private static List<String> consumeAll(LocalKafka kafka, int expected) {
        Map<String, Object> config = Map.of(
                "bootstrap.servers", kafka.bootstrapServers(),
                "group.id", "local-kafka-test",
                "auto.offset.reset", "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("local-kafka-test"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }
}
