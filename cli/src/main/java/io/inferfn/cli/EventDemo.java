package io.inferfn.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import io.vertx.core.Vertx;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.inferfn.localstack.FunctionProcess;
import io.inferfn.localstack.LocalKafka;
import io.inferfn.localstack.LocalRedis;
import io.inferfn.localstack.RedisHashes;
import io.inferfn.localstack.SensorReadings;

/**
 * The demo's event part: a real Kafka broker (KRaft, in this JVM), the sensors' baselines in
 * Redis, event-score on its own port consuming {@code sensor-readings}; sample readings produced,
 * and the predictions and alerts they caused printed.
 */
final class EventDemo implements AutoCloseable {

    static final int SAMPLE = 1000;

    private final LocalKafka kafka;
    private FunctionProcess function;
    private FunctionProcess driftFunction;

    private EventDemo(LocalKafka kafka) {
        this.kafka = kafka;
    }

    static EventDemo start(Path home, LocalRedis redis, Vertx vertx, int kafkaPort, String host, int port)
            throws Exception {
        EventDemo demo = new EventDemo(LocalKafka.onPort(kafkaPort));
        try {
            long t0 = System.nanoTime();
            demo.kafka.start();
            int sensors =
                    RedisHashes.load(vertx, redis.uri(), home.resolve("models/sensor-anomaly/sensors.csv"), "sensor:");
            System.out.printf(
                    "kafka      started on %s (KRaft, in the CLI's JVM); Redis: %d sensor:<id> baseline hashes; %d ms%n",
                    demo.kafka.bootstrapServers(), sensors, (System.nanoTime() - t0) / 1_000_000);
            demo.function = FunctionProcess.startReady(
                    "event-score",
                    home.resolve("functions/event-score/target/quarkus-app/quarkus-run.jar"),
                    port,
                    Map.of(
                            "KAFKA_BOOTSTRAP_SERVERS",
                            demo.kafka.bootstrapServers(),
                            "QUARKUS_REDIS_HOSTS",
                            redis.uri(),
                            "QUARKUS_HTTP_HOST",
                            host,
                            "INFERFN_MODEL_LOCATIONS",
                            "file:" + home.resolve("models/sensor-anomaly/2")),
                    home.resolve(".inferfn/logs"),
                    List.of("-Xmx384m"));
            System.out.printf(
                    "function   event-score (pid %d) on http://%s:%d, consuming sensor-readings; log: %s%n%n",
                    demo.function.pid(), host, port, home.relativize(demo.function.log()));
            demo.produceAndShow(home);
            demo.drift(home, redis, host);
            System.out.printf(
                    "Try it (kcat):%n"
                            + "  echo 's-0007:{\"temperature_c\": 71.0, \"vibration_mm_s\": 2.1, \"pressure_kpa\": 310}'"
                            + " | kcat -P -b %1$s -t sensor-readings -K:%n"
                            + "  kcat -C -b %1$s -t predictions -o -5 -e -f '%%k %%h %%s\\n'%n"
                            + "  kcat -C -b %1$s -t alerts -o beginning -e%n"
                            + "  kcat -C -b %1$s -t sensor-readings-dlq -o beginning -e -f '%%k %%h %%s\\n'%n"
                            + "  curl -s localhost:%2$d/q/health/ready%n",
                    demo.kafka.bootstrapServers(), port);
            return demo;
        } catch (Exception | Error e) {
            demo.close();
            throw e;
        }
    }

    private void produceAndShow(Path home) throws Exception {
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        int faults = 0;
        for (SensorReadings.Reading r : SensorReadings.load(home.resolve("models/sensor-anomaly/readings.csv"))
                .subList(0, SAMPLE)) {
            records.add(new ProducerRecord<>("sensor-readings", r.sensorId(), r.json()));
            faults += r.anomaly() ? 1 : 0;
        }
        records.add(new ProducerRecord<>("sensor-readings", "s-0001", "{\"temperature_c\": \"hot\"}"));
        long start = System.nanoTime();
        try (KafkaConsumer<String, byte[]> consumer = consumer();
                KafkaProducer<String, String> producer = producer()) {
            consumer.subscribe(List.of("predictions", "alerts", "sensor-readings-dlq"));
            consumer.poll(Duration.ofMillis(100));
            for (ProducerRecord<String, String> r : records) {
                producer.send(r);
            }
            producer.flush();
            System.out.printf(
                    "-> produced %d readings to sensor-readings (%d with an injected fault, 1 that is not a reading)%n",
                    records.size(), faults);
            int predictions = 0;
            List<ConsumerRecord<String, byte[]>> alerts = new ArrayList<>();
            List<ConsumerRecord<String, byte[]>> dead = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long quietUntil = Long.MAX_VALUE; // once every prediction is in, half a second more for the rest
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    switch (r.topic()) {
                        case "predictions" -> predictions++;
                        case "alerts" -> alerts.add(r);
                        default -> dead.add(r);
                    }
                }
                if (predictions >= records.size() - 1 && quietUntil == Long.MAX_VALUE) {
                    quietUntil = System.nanoTime() + 500_000_000L;
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "<- %d predictions, %d alerts, %d dead letter(s) in %.0f ms%n",
                    predictions,
                    alerts.size(),
                    dead.size(),
                    (System.nanoTime() - start) / 1e6);
            for (ConsumerRecord<String, byte[]> a : alerts.subList(0, Math.min(5, alerts.size()))) {
                System.out.printf(
                        "   alerts               %s  %s%n", a.key(), new String(a.value(), StandardCharsets.UTF_8));
            }
            for (ConsumerRecord<String, byte[]> d : dead) {
                System.out.printf(
                        "   sensor-readings-dlq  %s  reason: %s%n",
                        d.key(),
                        new String(d.headers().lastHeader("dead-letter-reason").value(), StandardCharsets.UTF_8));
            }
            System.out.println();
        }
    }

    /**
     * Window features: a second event-score serving {@code sensor-drift/1} (readings against their
     * sensor's baseline and against the mean of its last 20, kept in Redis) on topic {@code drift-readings};
     * the demo's slowly drifting sensor goes to both functions, and their predictions are shown side by side.
     */
    private void drift(Path home, LocalRedis redis, String host) throws Exception {
        int port = LocalRedis.freePort();
        driftFunction = FunctionProcess.startReady(
                "event-score-drift",
                home.resolve("functions/event-score/target/quarkus-app/quarkus-run.jar"),
                port,
                Map.of(
                        "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                        "QUARKUS_REDIS_HOSTS", redis.uri(),
                        "QUARKUS_HTTP_HOST", host,
                        "INFERFN_MODEL_LOCATIONS", "file:" + home.resolve("models/sensor-drift/1"),
                        "MP_MESSAGING_INCOMING_SENSOR_READINGS_TOPIC", "drift-readings",
                        "MP_MESSAGING_INCOMING_SENSOR_READINGS_GROUP_ID", "event-score-drift",
                        "INFERFN_EVENT_PREDICTIONS_TOPIC", "drift-predictions",
                        "INFERFN_EVENT_ALERTS_TOPIC", "drift-alerts",
                        "INFERFN_EVENT_DEAD_LETTER_TOPIC", "drift-readings-dlq"),
                home.resolve(".inferfn/logs"),
                List.of("-Xmx384m"));
        System.out.printf(
                "function   event-score (pid %d) on http://%s:%d serving sensor-drift/1 (window features: the mean of"
                        + " each sensor's last 20 readings, kept in Redis), consuming drift-readings; log: %s%n",
                driftFunction.pid(), host, port, home.relativize(driftFunction.log()));
        List<SensorReadings.Reading> readings = SensorReadings.load(home.resolve("models/sensor-drift/drift.csv"));
        String sensor = readings.get(0).sensorId();
        try (KafkaConsumer<String, byte[]> consumer = consumer();
                KafkaProducer<String, String> producer = producer()) {
            consumer.subscribe(List.of("predictions", "drift-predictions"));
            consumer.poll(Duration.ofMillis(100));
            // one reading at a time, in order, as a sensor sends them (its window holds the readings before)
            for (SensorReadings.Reading r : readings) {
                producer.send(new ProducerRecord<>("sensor-readings", r.sensorId(), r.json()));
                producer.send(new ProducerRecord<>("drift-readings", r.sensorId(), r.json()));
            }
            producer.flush();
            System.out.printf(
                    "-> produced %d readings of %s to sensor-readings and drift-readings: normal for 40, then its"
                            + " temperature drifting up 0.05 σ per reading%n",
                    readings.size(), sensor);
            List<String> single = new ArrayList<>();
            List<String> window = new ArrayList<>();
            // predictions holds the sensor's earlier predictions too: once both are in, its last ones are these
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (sensor.equals(r.key())) {
                        (r.topic().equals("predictions") ? single : window)
                                .add(new String(r.value(), StandardCharsets.UTF_8));
                    }
                }
                if (quietUntil == Long.MAX_VALUE
                        && single.size() >= readings.size()
                        && window.size() >= readings.size()) {
                    quietUntil = System.nanoTime() + 1_000_000_000L;
                }
            }
            single = single.subList(Math.max(0, single.size() - readings.size()), single.size());
            int singleAlerts = 0;
            int firstWindowAlert = -1;
            int windowDegraded = 0;
            for (int i = 0; i < Math.min(single.size(), window.size()); i++) {
                singleAlerts += single.get(i).contains("\"label\":\"anomaly\"") ? 1 : 0;
                windowDegraded += window.get(i).contains("\"degraded\":true") ? 1 : 0;
                if (firstWindowAlert < 0 && window.get(i).contains("\"label\":\"anomaly\"")) {
                    firstWindowAlert = i;
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "<- sensor-anomaly/2 (each reading alone): %d alert(s) of %d; sensor-drift/1 (with the window):"
                            + " first alert at reading %d, %.2f σ into the drift%n",
                    singleAlerts,
                    single.size(),
                    firstWindowAlert,
                    firstWindowAlert < 0 ? 0 : 0.05 * (firstWindowAlert - 39));
            if (windowDegraded > 0) {
                // scored with the manifest's defaults: Redis answered late or not at all (the function's log says why)
                System.out.printf(
                        "   %d of %d sensor-drift/1 predictions were degraded (features from Redis missing, see"
                                + " missingFeatures): the drift shows only where the window was read%n",
                        windowDegraded, window.size());
            }
            for (int i : new int[] {39, firstWindowAlert}) {
                if (i >= 0 && i < window.size() && i < single.size()) {
                    System.out.printf("   reading %d  %s%n", i, readings.get(i).json());
                    System.out.printf(
                            "     sensor-anomaly/2  %s%n     sensor-drift/1    %s%n", single.get(i), window.get(i));
                }
            }
            System.out.println();
        }
    }

    private KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    private KafkaConsumer<String, byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "inferfn-demo-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    @Override
    public void close() {
        if (function != null) {
            function.close();
        }
        if (driftFunction != null) {
            driftFunction.close();
        }
        kafka.close();
    }
}
