package io.inferfn.cli;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The limit of {@code ./inferfn bench events}: readings consumed and produced again to the
 * predictions topic unchanged, with no scoring, by a bare Kafka consumer and producer with
 * event-score's client settings and the same at-least-once bookkeeping (a poll's offsets are
 * committed once the broker acknowledged all its outputs, at most 8 polls in flight, commits every
 * 5 s as event-score's throttled strategy). Run in its own JVM by the bench:
 *
 * <pre>java -cp inferfn-cli.jar io.inferfn.cli.PassThroughConsumer BOOTSTRAP IN OUT GROUP [consumer.k=v|producer.k=v]...</pre>
 */
public final class PassThroughConsumer {

    static final int IN_FLIGHT_POLLS = 8;
    static final long COMMIT_INTERVAL_MS = 5_000;

    private PassThroughConsumer() {}

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String in = args[1];
        String out = args[2];
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, args[3]);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        for (int i = 4; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            String key = args[i].substring(0, eq);
            String value = args[i].substring(eq + 1);
            if (key.startsWith("consumer.")) {
                c.put(key.substring("consumer.".length()), value);
            } else if (key.startsWith("producer.")) {
                p.put(key.substring("producer.".length()), value);
            } else {
                throw new IllegalArgumentException("not consumer.* or producer.*: " + args[i]);
            }
        }
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c);
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            Thread main = Thread.currentThread();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                consumer.wakeup();
                try {
                    main.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            consumer.subscribe(List.of(in));
            System.out.println("pass-through: " + in + " -> " + out + ", consumer " + c + ", producer " + p);
            run(consumer, producer, out);
        } catch (WakeupException stopping) {
            // the shutdown hook
        }
    }

    private record Pending(CompletableFuture<Void> acked, Map<TopicPartition, OffsetAndMetadata> offsets) {}

    private static void run(KafkaConsumer<String, byte[]> consumer, KafkaProducer<String, byte[]> producer, String out)
            throws Exception {
        ArrayDeque<Pending> inFlight = new ArrayDeque<>();
        Map<TopicPartition, OffsetAndMetadata> committable = new HashMap<>();
        long lastCommit = System.currentTimeMillis();
        while (true) {
            ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofSeconds(1));
            if (!records.isEmpty()) {
                AtomicInteger pending = new AtomicInteger(records.count());
                CompletableFuture<Void> acked = new CompletableFuture<>();
                for (ConsumerRecord<String, byte[]> r : records) {
                    producer.send(new ProducerRecord<>(out, null, r.key(), r.value(), r.headers()), (m, e) -> {
                        if (e != null) {
                            acked.completeExceptionally(e);
                        } else if (pending.decrementAndGet() == 0) {
                            acked.complete(null);
                        }
                    });
                }
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (TopicPartition tp : records.partitions()) {
                    List<ConsumerRecord<String, byte[]>> part = records.records(tp);
                    offsets.put(
                            tp, new OffsetAndMetadata(part.get(part.size() - 1).offset() + 1));
                }
                inFlight.add(new Pending(acked, offsets));
                if (inFlight.size() >= IN_FLIGHT_POLLS) {
                    inFlight.peek().acked().get(); // backpressure: the oldest poll must be acknowledged first
                }
            }
            while (!inFlight.isEmpty() && inFlight.peek().acked().isDone()) {
                Pending done = inFlight.poll();
                done.acked().get(); // a failed send stops the consumer, offsets uncommitted
                committable.putAll(done.offsets());
            }
            long now = System.currentTimeMillis();
            if (!committable.isEmpty() && now - lastCommit >= COMMIT_INTERVAL_MS) {
                consumer.commitAsync(new HashMap<>(committable), null);
                committable.clear();
                lastCommit = now;
            }
        }
    }
}
