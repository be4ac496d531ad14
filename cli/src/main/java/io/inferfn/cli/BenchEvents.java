package io.inferfn.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import io.inferfn.localstack.FunctionProcess;
import io.inferfn.localstack.LocalKafka;
import io.inferfn.localstack.LocalRedis;
import io.inferfn.localstack.RedisHashes;
import io.inferfn.localstack.SensorReadings;

/**
 * Event scoring end to end: readings produced to a real Kafka broker, event-score (its packaged jar,
 * its own process) scoring them with the int8 anomaly model and real Redis baselines, predictions
 * read back. Sustained throughput on one partition and on four partitions with two consumers, and
 * produce-to-prediction latency at a fixed rate (open loop: from each reading's scheduled send time).
 */
@Command(
        name = "events",
        mixinStandardHelpOptions = true,
        description = "Event scoring throughput and latency: Kafka -> event-score -> Kafka.")
final class BenchEvents implements Callable<Integer> {

    @ParentCommand
    BenchCommand bench;

    @Option(
            names = "--events",
            description = "readings per throughput run (default: ${DEFAULT-VALUE})",
            defaultValue = "1000000")
    int events;

    @Option(
            names = "--rate",
            description = "readings/s of the latency run (default: ${DEFAULT-VALUE})",
            defaultValue = "10000")
    int rate;

    @Option(
            names = "--seconds",
            description = "length of the latency run (default: ${DEFAULT-VALUE})",
            defaultValue = "30")
    int seconds;

    @Option(
            names = "--port",
            description = "first event-score HTTP port (default: ${DEFAULT-VALUE})",
            defaultValue = "18190")
    int port;

    private LocalKafka kafka;
    private List<String> keys;
    private List<byte[]> values;

    @Override
    public Integer call() throws Exception {
        Path home = bench.parent.home.toAbsolutePath().normalize();
        Path jar = home.resolve("functions/event-score/target/quarkus-app/quarkus-run.jar");
        readReadings(home.resolve("models/sensor-anomaly/readings.csv"));
        kafka = LocalKafka.onPort(0);
        try (LocalRedis redis = LocalRedis.onPort(0, line -> {})) {
            kafka.start();
            redis.start();
            RedisHashes.load(redis.uri(), home.resolve("models/sensor-anomaly/sensors.csv"), "sensor:");
            System.out.printf(
                    "bench events: Kafka %s (KRaft, in this JVM), Redis %s, %d sensors; %d cores%n",
                    kafka.bootstrapServers(),
                    redis.uri(),
                    keys.stream().distinct().count(),
                    Runtime.getRuntime().availableProcessors());
            List<String> rows = new ArrayList<>();
            rows.add(throughput(home, jar, redis, "1 partition, 1 consumer", 1, 1));
            rows.add(throughput(home, jar, redis, "4 partitions, 2 consumers", 4, 2));
            rows.add(latency(home, jar, redis));
            String table = "| run | result |\n|---|---|\n" + String.join("\n", rows) + "\n";
            System.out.println();
            System.out.print(table);
            Path out = home.resolve(".inferfn/bench/events.md");
            Files.createDirectories(out.getParent());
            Files.writeString(out, table);
            System.out.println("\nwritten to " + home.relativize(out));
            return 0;
        } finally {
            kafka.stop();
        }
    }

    /** N readings produced as fast as the producer goes while the consumers score them. */
    private String throughput(Path home, Path jar, LocalRedis redis, String title, int partitions, int consumers)
            throws Exception {
        String run = "t" + partitions + "x" + consumers;
        List<FunctionProcess> fns = startFunctions(home, jar, redis, run, partitions, consumers);
        try {
            PredictionReader reader = new PredictionReader(run + "-predictions", null);
            reader.start();
            long start = System.nanoTime();
            long producedAt;
            try (KafkaProducer<String, byte[]> producer = producer()) {
                for (int i = 0; i < events; i++) {
                    int k = i % keys.size();
                    producer.send(new ProducerRecord<>(run + "-readings", keys.get(k), values.get(k)));
                }
                producer.flush();
                producedAt = System.nanoTime();
            }
            reader.awaitCount(events, Duration.ofMinutes(10));
            double secs = (reader.lastAt() - start) / 1e9;
            String line = String.format(
                    Locale.ROOT,
                    "| %s: %,d readings | **%,.0f events/s** end to end (%.1f s); producer alone %,.0f/s; %d"
                            + " predictions |",
                    title,
                    events,
                    events / secs,
                    secs,
                    events / ((producedAt - start) / 1e9),
                    reader.count());
            System.out.println(
                    "done       " + line.substring(2, line.length() - 2).replace(" | ", ": "));
            reader.close();
            return line;
        } finally {
            fns.forEach(FunctionProcess::close);
        }
    }

    /** Open loop at --rate: each reading's latency counts from when it was due to be sent. */
    private String latency(Path home, Path jar, LocalRedis redis) throws Exception {
        String run = "lat";
        List<FunctionProcess> fns = startFunctions(home, jar, redis, run, 1, 1);
        try {
            Map<String, ArrayDeque<Long>> due = new HashMap<>();
            for (String k : keys) {
                due.putIfAbsent(k, new ArrayDeque<>());
            }
            Histogram histogram = new Histogram(60_000_000_000L, 3);
            // where the time goes: due -> the prediction record's timestamp (set by event-score's producer
            // when it sent it; wall clock, ms) is the consumer's share; the rest is the broker and the reader
            Histogram scored = new Histogram(60_000L, 3);
            long wallOffsetNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
            PredictionReader reader = new PredictionReader(run + "-predictions", (key, at, sentMillis) -> {
                Long scheduled;
                synchronized (due) {
                    scheduled = due.get(key).pollFirst();
                }
                if (scheduled != null) {
                    synchronized (histogram) { // reset by the sending thread after the warm-up
                        histogram.recordValue(
                                Math.min(histogram.getHighestTrackableValue(), Math.max(0, at - scheduled)));
                        scored.recordValue(Math.min(
                                scored.getHighestTrackableValue(),
                                Math.max(0, sentMillis - (scheduled + wallOffsetNanos) / 1_000_000L)));
                    }
                }
            });
            reader.start();
            int total = rate * seconds;
            int warmup = Math.min(rate * 3, total / 5);
            try (KafkaProducer<String, byte[]> producer = producer()) {
                long interval = 1_000_000_000L / rate;
                long start = System.nanoTime();
                for (int i = 0; i < total; i++) {
                    long when = start + i * interval;
                    long wait = when - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    int k = i % keys.size();
                    synchronized (due) {
                        due.get(keys.get(k)).addLast(when);
                    }
                    if (i == warmup) {
                        synchronized (histogram) {
                            histogram.reset();
                            scored.reset();
                        }
                    }
                    producer.send(new ProducerRecord<>(run + "-readings", keys.get(k), values.get(k)));
                }
                producer.flush();
            }
            reader.awaitCount(total, Duration.ofMinutes(2));
            reader.close();
            String line = String.format(
                    Locale.ROOT,
                    "| latency at %,d readings/s for %d s (after %d s warm-up), produce -> prediction read | p50"
                            + " **%.2f ms**, p90 %.2f ms, p99 **%.2f ms**, p99.9 %.2f ms, max %.2f ms; %d of %d"
                            + " predictions; of which due -> prediction sent by event-score (ms clock): p50 %d ms,"
                            + " p99 %d ms |",
                    rate,
                    seconds,
                    warmup / rate,
                    histogram.getValueAtPercentile(50) / 1e6,
                    histogram.getValueAtPercentile(90) / 1e6,
                    histogram.getValueAtPercentile(99) / 1e6,
                    histogram.getValueAtPercentile(99.9) / 1e6,
                    histogram.getMaxValue() / 1e6,
                    reader.count(),
                    total,
                    scored.getValueAtPercentile(50),
                    scored.getValueAtPercentile(99));
            System.out.println(
                    "done       " + line.substring(2, line.length() - 2).replace(" | ", ": "));
            return line;
        } finally {
            fns.forEach(FunctionProcess::close);
        }
    }

    private List<FunctionProcess> startFunctions(
            Path home, Path jar, LocalRedis redis, String run, int partitions, int consumers) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(
                            new NewTopic(run + "-readings", partitions, (short) 1),
                            new NewTopic(run + "-predictions", partitions, (short) 1)))
                    .all()
                    .get();
        }
        List<FunctionProcess> fns = new ArrayList<>();
        try {
            for (int c = 0; c < consumers; c++) {
                fns.add(FunctionProcess.startReady(
                        "bench-event-score-" + (c + 1),
                        jar,
                        port + c,
                        Map.of(
                                "KAFKA_BOOTSTRAP_SERVERS",
                                kafka.bootstrapServers(),
                                "QUARKUS_REDIS_HOSTS",
                                redis.uri(),
                                "MP_MESSAGING_INCOMING_SENSOR_READINGS_TOPIC",
                                run + "-readings",
                                "MP_MESSAGING_INCOMING_SENSOR_READINGS_GROUP_ID",
                                run,
                                "INFERFN_EVENT_PREDICTIONS_TOPIC",
                                run + "-predictions",
                                "INFERFN_EVENT_ALERTS_TOPIC",
                                run + "-alerts",
                                "INFERFN_MODEL_LOCATIONS",
                                "file:" + home.resolve("models/sensor-anomaly/2")),
                        home.resolve(".inferfn/logs"),
                        List.of("-Xmx384m")));
            }
            // every consumer has its partitions before the first reading is sent
            waitForAssignment(run, partitions);
            return fns;
        } catch (Exception | Error e) {
            fns.forEach(FunctionProcess::close);
            throw e;
        }
    }

    private void waitForAssignment(String group, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                var description =
                        admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                int assigned = description.members().stream()
                        .mapToInt(m -> m.assignment().topicPartitions().size())
                        .sum();
                if (assigned == partitions
                        && description.groupState().toString().equalsIgnoreCase("stable")) {
                    return;
                }
                Thread.sleep(200);
            }
            throw new IllegalStateException(
                    "consumer group " + group + " did not take its " + partitions + " partition(s) within 60 s");
        }
    }

    private void readReadings(Path csv) throws Exception {
        keys = new ArrayList<>();
        values = new ArrayList<>();
        for (SensorReadings.Reading r : SensorReadings.load(csv)) {
            keys.add(r.sensorId());
            values.add(r.json().getBytes(StandardCharsets.UTF_8));
        }
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "131072");
        return new KafkaProducer<>(p);
    }

    /** Reads a predictions topic on its own thread: counts, and hands each key and arrival time on. */
    private final class PredictionReader extends Thread implements AutoCloseable {

        interface OnPrediction {
            void accept(String key, long arrivedNanos, long recordTimestampMillis);
        }

        private final String topic;
        private final OnPrediction onPrediction;
        private final AtomicLong count = new AtomicLong();
        private volatile long lastAt;
        private volatile boolean running = true;
        private volatile boolean assigned;

        PredictionReader(String topic, OnPrediction onPrediction) {
            super("bench-prediction-reader");
            setDaemon(true);
            this.topic = topic;
            this.onPrediction = onPrediction;
        }

        @Override
        public synchronized void start() {
            super.start();
            while (!assigned) {
                try {
                    wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        @Override
        public void run() {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p)) {
                List<org.apache.kafka.common.TopicPartition> partitions = new ArrayList<>();
                consumer.partitionsFor(topic)
                        .forEach(i -> partitions.add(new org.apache.kafka.common.TopicPartition(topic, i.partition())));
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                synchronized (this) {
                    assigned = true;
                    notifyAll();
                }
                while (running) {
                    var records = consumer.poll(Duration.ofMillis(50));
                    long now = System.nanoTime();
                    for (ConsumerRecord<String, byte[]> r : records) {
                        if (onPrediction != null) {
                            onPrediction.accept(r.key(), now, r.timestamp());
                        }
                    }
                    if (!records.isEmpty()) {
                        lastAt = now;
                        count.addAndGet(records.count());
                    }
                }
            }
        }

        long count() {
            return count.get();
        }

        long lastAt() {
            return lastAt;
        }

        void awaitCount(long n, Duration max) throws InterruptedException {
            long deadline = System.nanoTime() + max.toNanos();
            while (count.get() < n && System.nanoTime() < deadline && isAlive()) {
                Thread.sleep(20);
            }
            if (count.get() < n) {
                throw new IllegalStateException(
                        "only " + count.get() + " of " + n + " predictions on " + topic + " within " + max);
            }
            Thread.sleep(500); // would show duplicates
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            join();
        }
    }
}
