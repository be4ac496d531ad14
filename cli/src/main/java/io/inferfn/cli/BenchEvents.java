package io.inferfn.cli;

import java.net.URI;
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
 * Beside it, in the same run and on the same broker: the limit (a pass-through consumer, readings
 * copied to the predictions topic with event-score's client settings and no scoring) and a peer
 * (the same job as a Kafka Streams application, bench/streams-peer), whose scores are first checked
 * against event-score's.
 */
@Command(
        name = "events",
        mixinStandardHelpOptions = true,
        description = "Event scoring throughput and latency: Kafka -> event-score -> Kafka, beside a pass-through"
                + " consumer (the limit) and a Kafka Streams peer.")
final class BenchEvents implements Callable<Integer> {

    /** What consumes the readings: event-score, the limit, or the peer. */
    enum Target {
        EVENT_SCORE("event-score"),
        PASS_THROUGH("pass-through"),
        STREAMS("kafka-streams");

        final String label;

        Target(String label) {
            this.label = label;
        }

        static Target of(String label) {
            for (Target t : values()) {
                if (t.label.equals(label)) {
                    return t;
                }
            }
            throw new IllegalArgumentException(
                    "--targets: one of event-score, pass-through, kafka-streams; got " + label);
        }
    }

    @ParentCommand
    BenchCommand bench;

    @Option(
            names = "--events",
            description = "readings per throughput run (default: ${DEFAULT-VALUE})",
            defaultValue = "1000000")
    int events;

    @Option(
            names = "--warmup",
            description = "readings sent through each run's consumers at full speed before the clock starts (the"
                    + " throughput runs) or before the schedule starts (the latency run), so that the run times"
                    + " warmed-up JVMs (the JIT compiler takes a third or more of a fresh event-score's CPU for its"
                    + " first 20-30 s); 0 times a cold start (default: ${DEFAULT-VALUE})",
            defaultValue = "0")
    int warmup;

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

    @Option(
            names = "--targets",
            split = ",",
            description = "what to time, side by side: event-score, pass-through (the limit), kafka-streams (the peer;"
                    + " its scores are checked against event-score's first) (default: ${DEFAULT-VALUE})",
            defaultValue = "pass-through,event-score,kafka-streams")
    List<String> targets;

    @Option(
            names = "--runs",
            split = ",",
            description = "which runs: throughput, latency (default: ${DEFAULT-VALUE})",
            defaultValue = "throughput,latency")
    List<String> runs;

    @Option(
            names = "--profile",
            description = "a directory: each consumer process writes its GC log (-Xlog:gc*) and a JFR recording"
                    + " (settings=profile) there, named after the process")
    Path profile;

    private LocalKafka kafka;
    private List<String> keys;
    private List<byte[]> values;
    private Path home;
    private LocalRedis redis;
    /** event-score's own consumer and producer settings (its application.properties), for the limit and the peer. */
    private Map<String, String> clientSettings;
    /** What else ran, and the CPU each of the bench's processes used. */
    private MachineLoad machine;
    /** Each target's consumers' CPU per reading in the throughput runs (µs), by run. */
    private final Map<String, Double> consumerCpu = new HashMap<>();

    @Override
    public Integer call() throws Exception {
        home = bench.parent.home.toAbsolutePath().normalize();
        List<Target> timed = targets.stream().map(Target::of).toList();
        readReadings(home.resolve("models/sensor-anomaly/readings.csv"));
        clientSettings =
                EventClientSettings.of(home.resolve("functions/event-score/src/main/resources/application.properties"));
        kafka = LocalKafka.onPort(0);
        try (MachineLoad m = MachineLoad.start();
                LocalRedis r = LocalRedis.onPort(0, line -> {})) {
            machine = m;
            redis = r;
            kafka.start();
            redis.start();
            RedisHashes.load(redis.uri(), home.resolve("models/sensor-anomaly/sensors.csv"), "sensor:");
            System.out.printf(
                    "bench events: Kafka %s (KRaft, in this JVM), Redis %s, %d sensors; %d cores%n"
                            + "client settings (event-score's, for all): %s%n",
                    kafka.bootstrapServers(),
                    redis.uri(),
                    keys.stream().distinct().count(),
                    Runtime.getRuntime().availableProcessors(),
                    clientSettings);
            List<String> rows = new ArrayList<>();
            if (timed.contains(Target.STREAMS) && timed.contains(Target.EVENT_SCORE)) {
                rows.add(checkPeer());
            }
            Map<Target, Double> t1 = new java.util.EnumMap<>(Target.class);
            Map<Target, Double> t4 = new java.util.EnumMap<>(Target.class);
            Map<Target, Double> p99 = new java.util.EnumMap<>(Target.class);
            if (runs.contains("throughput")) {
                for (Target t : timed) {
                    rows.add(throughput(t, "1 partition, 1 consumer", 1, 1, t1));
                }
                for (Target t : timed) {
                    rows.add(throughput(t, "4 partitions, 2 consumers", 4, 2, t4));
                }
            }
            if (runs.contains("latency")) {
                for (Target t : timed) {
                    rows.add(latency(t, p99));
                }
            }
            rows.add(ratios(t1, t4, p99));
            String table = "| consumer | run | result |\n|---|---|---|\n" + String.join("\n", rows) + "\n\n"
                    + machine.summary();
            System.out.println();
            System.out.print(table);
            Path out = home.resolve(".inferfn/bench/events.md");
            Files.createDirectories(out.getParent());
            Files.writeString(out, table);
            System.out.println("\nwritten to " + home.relativize(out));
            return 0;
        } finally {
            kafka.close(); // and its log: a run leaves gigabytes of readings
        }
    }

    /** event-score as a fraction of the limit and of the peer, measured in this run. */
    private String ratios(Map<Target, Double> t1, Map<Target, Double> t4, Map<Target, Double> p99) {
        StringBuilder s = new StringBuilder("| event-score | ratios (this run) | ");
        for (var m : List.of(Map.entry("1 partition", t1), Map.entry("4 partitions", t4))) {
            Double es = m.getValue().get(Target.EVENT_SCORE);
            if (es == null) {
                continue;
            }
            s.append(m.getKey()).append(':');
            Double pt = m.getValue().get(Target.PASS_THROUGH);
            Double ks = m.getValue().get(Target.STREAMS);
            if (pt != null) {
                s.append(String.format(Locale.ROOT, " **%.2f** of the pass-through", es / pt));
            }
            if (ks != null) {
                s.append(String.format(Locale.ROOT, ", **%.2f×** Kafka Streams", es / ks));
            }
            String run = m.getKey().startsWith("1") ? "t1x1-" : "t4x2-";
            Double esCpu = consumerCpu.get(run + Target.EVENT_SCORE.label);
            Double ptCpu = consumerCpu.get(run + Target.PASS_THROUGH.label);
            if (esCpu != null && ptCpu != null && ptCpu > 0) {
                s.append(String.format(
                        Locale.ROOT, ", its CPU per reading %.1f× the pass-through consumer's", esCpu / ptCpu));
            }
            s.append("; ");
        }
        Double es = p99.get(Target.EVENT_SCORE);
        if (es != null) {
            s.append(String.format(Locale.ROOT, "p99 at the fixed rate %.1f ms", es));
            Double pt = p99.get(Target.PASS_THROUGH);
            Double ks = p99.get(Target.STREAMS);
            if (pt != null) {
                s.append(String.format(Locale.ROOT, " (pass-through %.1f ms", pt));
                s.append(ks != null ? String.format(Locale.ROOT, ", Kafka Streams %.1f ms)", ks) : ")");
            } else if (ks != null) {
                s.append(String.format(Locale.ROOT, " (Kafka Streams %.1f ms)", ks));
            }
        }
        return s.append(" |").toString();
    }

    /**
     * The peer's scores against event-score's on the same readings, before any timing: event-score with
     * max.poll.records=1, so that each of its ORT calls holds one row as each of the peer's does (the int8
     * model is dynamically quantized: activations are scaled per call, so a row's score depends on its
     * batch). Predictions, alerts and dead letters must match one for one.
     */
    private String checkPeer() throws Exception {
        int n = Math.min(2_000, keys.size());
        List<ProducerRecord<String, byte[]>> readings = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            readings.add(new ProducerRecord<>("check-readings", keys.get(i), values.get(i)));
        }
        // two readings no one can score: dead letters on both sides
        readings.add(new ProducerRecord<>("check-readings", keys.get(0), "not json".getBytes(StandardCharsets.UTF_8)));
        readings.add(new ProducerRecord<>(
                "check-readings", keys.get(1), "{\"temperature_c\":\"hot\"}".getBytes(StandardCharsets.UTF_8)));
        createTopics(
                "check-readings",
                1,
                "check-es-predictions",
                "check-es-alerts",
                "check-ks-predictions",
                "check-ks-alerts",
                "check-es-dlq",
                "check-ks-dlq");
        try (KafkaProducer<String, byte[]> producer = producer()) {
            readings.forEach(producer::send);
            producer.flush();
        }
        List<FunctionProcess> procs = new ArrayList<>();
        try {
            procs.add(startEventScore(
                    "check-event-score",
                    "check-readings",
                    "check-es",
                    "check-es-predictions",
                    "check-es-alerts",
                    "check-es-dlq",
                    port,
                    Map.of("MP_MESSAGING_INCOMING_SENSOR_READINGS_MAX_POLL_RECORDS", "1")));
            procs.add(startStreams(
                    "check-kafka-streams",
                    "check-readings",
                    "check-ks",
                    "check-ks-predictions",
                    "check-ks-alerts",
                    "check-ks-dlq"));
            List<ConsumerRecord<String, byte[]>> es = readAll("check-es-predictions", n);
            List<ConsumerRecord<String, byte[]>> ks = readAll("check-ks-predictions", n);
            Map<String, ArrayDeque<String>> esPredictions = new HashMap<>();
            for (var r : es) {
                esPredictions
                        .computeIfAbsent(r.key(), k -> new ArrayDeque<>())
                        .add(new String(r.value(), StandardCharsets.UTF_8));
            }
            // an alert carries its reading's prediction as it is, in the order of that sensor's predictions: each is
            // matched to its reading, so the alerts compare on the readings both scored with their baselines
            Map<String, ArrayDeque<String>> esAlertQueue = byKey(allRecords("check-es-alerts"));
            Map<String, ArrayDeque<String>> ksAlertQueue = byKey(allRecords("check-ks-alerts"));
            double maxDiff = 0;
            int equal = 0;
            int degraded = 0;
            int esAlerts = 0;
            int ksAlerts = 0;
            for (var r : ks) {
                String a = esPredictions.get(r.key()).poll();
                String b = new String(r.value(), StandardCharsets.UTF_8);
                boolean esAlert = takeIfNext(esAlertQueue, r.key(), a);
                boolean ksAlert = takeIfNext(ksAlertQueue, r.key(), b);
                if (a.contains("\"degraded\":true")) {
                    // event-score answered without its baselines (Redis over its budget): not the same job
                    degraded++;
                    continue;
                }
                esAlerts += esAlert ? 1 : 0;
                ksAlerts += ksAlert ? 1 : 0;
                float diff = Math.abs(score(a) - score(r.value()));
                if (diff > 0 && maxDiff == 0) {
                    System.out.println("check      first difference: event-score " + a + ", kafka-streams "
                            + new String(r.value(), StandardCharsets.UTF_8));
                }
                maxDiff = Math.max(maxDiff, diff);
                if (diff == 0) {
                    equal++;
                }
            }
            int unmatchedAlerts = esAlertQueue.values().stream()
                            .mapToInt(ArrayDeque::size)
                            .sum()
                    + ksAlertQueue.values().stream().mapToInt(ArrayDeque::size).sum();
            int esDead = countAll("check-es-dlq");
            int ksDead = countAll("check-ks-dlq");
            String line = String.format(
                    Locale.ROOT,
                    "| kafka-streams | scores checked against event-score's (max.poll.records=1), %,d readings + 2"
                            + " unreadable | %,d of %,d scores identical, max abs difference %.3g (%d degraded by"
                            + " event-score at its start, not compared); alerts on the compared readings %d / %d%s; dead"
                            + " letters %d / %d |",
                    n,
                    equal,
                    ks.size() - degraded,
                    maxDiff,
                    degraded,
                    ksAlerts,
                    esAlerts,
                    unmatchedAlerts == 0 ? "" : ", " + unmatchedAlerts + " alerts matching no prediction",
                    ksDead,
                    esDead);
            System.out.println(
                    "check      " + line.substring(2, line.length() - 2).replace(" | ", ": "));
            if (maxDiff > 1e-6
                    || esAlerts != ksAlerts
                    || unmatchedAlerts > 0
                    || esDead != ksDead
                    || ks.size() != es.size()) {
                throw new IllegalStateException("the Kafka Streams peer does not do event-score's job: " + line);
            }
            return line;
        } finally {
            procs.forEach(FunctionProcess::close);
        }
    }

    private static float score(byte[] json) {
        return score(new String(json, StandardCharsets.UTF_8));
    }

    private static float score(String s) {
        int at = s.indexOf("\"score\":") + 8;
        int end = at;
        while (end < s.length() && "0123456789.-+eE".indexOf(s.charAt(end)) >= 0) {
            end++;
        }
        return Float.parseFloat(s.substring(at, end));
    }

    /** N readings produced as fast as the producer goes while the consumers score them. */
    private String throughput(Target target, String title, int partitions, int consumers, Map<Target, Double> into)
            throws Exception {
        String run = "t" + partitions + "x" + consumers + "-" + target.label;
        List<FunctionProcess> fns = startConsumers(target, run, partitions, consumers);
        try {
            PredictionReader reader = new PredictionReader(run + "-predictions", null);
            reader.start();
            long start;
            long producedAt;
            Map<Long, Long> cpuBefore;
            try (KafkaProducer<String, byte[]> producer = producer()) {
                warmUp(producer, reader, run);
                cpuBefore = machine.cpuMillisByProcess();
                start = System.nanoTime();
                for (int i = 0; i < events; i++) {
                    int k = i % keys.size();
                    producer.send(new ProducerRecord<>(run + "-readings", keys.get(k), values.get(k)));
                }
                producer.flush();
                producedAt = System.nanoTime();
            }
            reader.awaitCount(warmup + (long) events, Duration.ofMinutes(10));
            double secs = (reader.lastAt() - start) / 1e9;
            String cpu = cpuPerReading(run, fns, cpuBefore, machine.cpuMillisByProcess(), secs);
            into.put(target, events / secs);
            String line = String.format(
                    Locale.ROOT,
                    "| %s | %s: %,d readings%s | **%,.0f events/s** end to end (%.1f s); producer alone %,.0f/s; %d"
                            + " predictions; %s |",
                    target.label,
                    title,
                    events,
                    warmup > 0 ? String.format(Locale.ROOT, " after %,d to warm up", warmup) : "",
                    events / secs,
                    secs,
                    events / ((producedAt - start) / 1e9),
                    reader.count(),
                    cpu);
            System.out.println(
                    "done       " + line.substring(2, line.length() - 2).replace(" | ", ": "));
            reader.close();
            return line;
        } finally {
            fns.forEach(FunctionProcess::close);
        }
    }

    /**
     * The CPU each part of the machine used per reading while the clock ran: the consumers (the run's subject), the
     * rest of the bench's tree (Redis), and this JVM (the broker, the producer, the reader), and how busy the cores
     * were. On two cores, what the broker and the producer take per reading is what the consumers cannot have.
     */
    private String cpuPerReading(
            String run, List<FunctionProcess> fns, Map<Long, Long> before, Map<Long, Long> after, double secs) {
        long self = ProcessHandle.current().pid();
        long consumersMs = 0;
        long othersMs = 0;
        for (var e : after.entrySet()) {
            long used = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            if (e.getKey() == self) {
                continue;
            }
            if (fns.stream().anyMatch(f -> f.pid() == e.getKey())) {
                consumersMs += used;
            } else {
                othersMs += used;
            }
        }
        long benchMs = after.getOrDefault(self, 0L) - before.getOrDefault(self, 0L);
        double perReading = 1000.0 / events; // ms of CPU -> µs per reading
        consumerCpu.put(run, consumersMs * perReading);
        return String.format(
                Locale.ROOT,
                "CPU per reading: consumers **%.1f µs**, Redis %.1f µs, this JVM (broker, producer, reader) %.1f µs;"
                        + " %.2f of %d cores busy with them",
                consumersMs * perReading,
                othersMs * perReading,
                benchMs * perReading,
                (consumersMs + othersMs + benchMs) / 1000.0 / secs,
                Runtime.getRuntime().availableProcessors());
    }

    /** Sends --warmup readings through the run's consumers at full speed and waits until all are read. */
    private void warmUp(KafkaProducer<String, byte[]> producer, PredictionReader reader, String run)
            throws InterruptedException {
        if (warmup <= 0) {
            return;
        }
        for (int i = 0; i < warmup; i++) {
            int k = i % keys.size();
            producer.send(new ProducerRecord<>(run + "-readings", keys.get(k), values.get(k)));
        }
        producer.flush();
        reader.awaitCount(warmup, Duration.ofMinutes(10));
        System.out.println("warmed up  " + run + ": " + warmup + " readings");
    }

    /** Open loop at --rate: each reading's latency counts from when it was due to be sent. */
    private String latency(Target target, Map<Target, Double> into) throws Exception {
        String run = "lat-" + target.label;
        List<FunctionProcess> fns = startConsumers(target, run, 1, 1);
        try {
            Map<String, ArrayDeque<Long>> due = new HashMap<>();
            for (String k : keys) {
                due.putIfAbsent(k, new ArrayDeque<>());
            }
            Histogram histogram = new Histogram(60_000_000_000L, 3);
            // where the time goes: due -> the prediction record's timestamp (set by event-score's producer
            // when it sent it; wall clock, ms) is the consumer's share; the rest is the broker and the reader
            Histogram scored = new Histogram(60_000L, 3);
            // the worst latency of each second: a steady tail and a stall look alike in a histogram, not here
            long[] worstBySecond = new long[seconds + 1];
            long wallOffsetNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
            long[] startAt = new long[1];
            PredictionReader reader = new PredictionReader(run + "-predictions", (key, at, sentMillis) -> {
                Long scheduled;
                synchronized (due) {
                    scheduled = due.get(key).pollFirst();
                }
                if (scheduled != null) {
                    synchronized (histogram) { // reset by the sending thread after the warm-up
                        long l = Math.max(0, at - scheduled);
                        histogram.recordValue(Math.min(histogram.getHighestTrackableValue(), l));
                        scored.recordValue(Math.min(
                                scored.getHighestTrackableValue(),
                                Math.max(0, sentMillis - (scheduled + wallOffsetNanos) / 1_000_000L)));
                        int second = (int) Math.min(seconds, Math.max(0, (scheduled - startAt[0]) / 1_000_000_000L));
                        worstBySecond[second] = Math.max(worstBySecond[second], l);
                    }
                }
            });
            reader.start();
            int total = rate * seconds;
            int settle = Math.min(rate * 3, total / 5);
            double[] afterWarmup = new double[3];
            try (KafkaProducer<String, byte[]> producer = producer()) {
                warmUp(producer, reader, run); // no due times: the reader does not record them
                if (warmup > 0 && target == Target.EVENT_SCORE) {
                    afterWarmup = pollCounts(fns.get(0));
                }
                long interval = 1_000_000_000L / rate;
                long start = System.nanoTime();
                startAt[0] = start;
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
                    if (i == settle) {
                        synchronized (histogram) {
                            histogram.reset();
                            scored.reset();
                        }
                    }
                    producer.send(new ProducerRecord<>(run + "-readings", keys.get(k), values.get(k)));
                }
                producer.flush();
            }
            reader.awaitCount(warmup + total, Duration.ofMinutes(2));
            reader.close();
            StringBuilder worst = new StringBuilder();
            for (int s = 0; s < seconds; s++) {
                worst.append(s == 0 ? "" : " ").append(worstBySecond[s] / 1_000_000);
            }
            System.out.println("latency    " + target.label + ": worst of each second (ms): " + worst);
            String polls = target == Target.EVENT_SCORE ? pollStats(fns.get(0), afterWarmup) : "";
            into.put(target, histogram.getValueAtPercentile(99) / 1e6);
            String line = String.format(
                    Locale.ROOT,
                    "| %s | latency at %,d readings/s for %d s (%sthe first %d s not counted), produce -> prediction read | p50"
                            + " **%.2f ms**, p90 %.2f ms, p99 **%.2f ms**, p99.9 %.2f ms, max %.2f ms; %d of %d"
                            + " predictions%s%s |",
                    target.label,
                    rate,
                    seconds,
                    warmup > 0
                            ? String.format(Locale.ROOT, "after %,d readings of warm-up at full speed; ", warmup)
                            : "",
                    settle / rate,
                    histogram.getValueAtPercentile(50) / 1e6,
                    histogram.getValueAtPercentile(90) / 1e6,
                    histogram.getValueAtPercentile(99) / 1e6,
                    histogram.getValueAtPercentile(99.9) / 1e6,
                    histogram.getMaxValue() / 1e6,
                    reader.count() - warmup,
                    total,
                    // Kafka Streams gives an output record its input's timestamp: no "sent" time to split at
                    target == Target.STREAMS
                            ? ""
                            : String.format(
                                    Locale.ROOT,
                                    "; of which due -> prediction sent (ms clock): p50 %d ms, p99 %d ms",
                                    scored.getValueAtPercentile(50),
                                    scored.getValueAtPercentile(99)),
                    polls);
            System.out.println(
                    "done       " + line.substring(2, line.length() - 2).replace(" | ", ": "));
            return line;
        } finally {
            fns.forEach(FunctionProcess::close);
        }
    }

    /** event-score's poll counters: polls, the readings they held, and the seconds spent scoring and sending them. */
    private static double[] pollCounts(FunctionProcess fn) throws Exception {
        String text = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(fn.uri("/q/metrics"))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        return new double[] {
            metric(text, "inferfn_events_poll_size_count"),
            metric(text, "inferfn_events_poll_size_sum"),
            metric(text, "inferfn_events_batch_duration_seconds_sum")
        };
    }

    /** The polls since {@code before} (the counters at the end of a warm-up; zeros for none). */
    private static String pollStats(FunctionProcess fn, double[] before) {
        try {
            double[] now = pollCounts(fn);
            double polls = now[0] - before[0];
            double readings = now[1] - before[1];
            double batchSeconds = now[2] - before[2];
            return String.format(
                    Locale.ROOT,
                    "; %,.0f polls of %.1f readings on average, scored and sent in %.2f ms each on average",
                    polls,
                    readings / polls,
                    batchSeconds / polls * 1e3);
        } catch (Exception e) {
            return "; (no /q/metrics: " + e + ")";
        }
    }

    private static double metric(String prometheus, String name) {
        double sum = 0;
        for (String line : prometheus.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private List<FunctionProcess> startConsumers(Target target, String run, int partitions, int consumers)
            throws Exception {
        createTopics(run + "-readings", partitions, run + "-predictions", run + "-alerts", run + "-dlq");
        List<FunctionProcess> fns = new ArrayList<>();
        try {
            for (int c = 0; c < consumers; c++) {
                String name = "bench-" + run + "-" + (c + 1);
                fns.add(
                        switch (target) {
                            case EVENT_SCORE ->
                                startEventScore(
                                        name,
                                        run + "-readings",
                                        run,
                                        run + "-predictions",
                                        run + "-alerts",
                                        run + "-dlq",
                                        port + c,
                                        Map.of());
                            case PASS_THROUGH -> startPassThrough(name, run + "-readings", run, run + "-predictions");
                            case STREAMS ->
                                startStreams(
                                        name,
                                        run + "-readings",
                                        run,
                                        run + "-predictions",
                                        run + "-alerts",
                                        run + "-dlq");
                        });
            }
            // every consumer has its partitions before the first reading is sent
            waitForAssignment(run, partitions, fns);
            return fns;
        } catch (Exception | Error e) {
            fns.forEach(FunctionProcess::close);
            throw e;
        }
    }

    private void createTopics(String readings, int partitions, String... outputs) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            List<NewTopic> topics = new ArrayList<>();
            topics.add(new NewTopic(readings, partitions, (short) 1));
            for (String o : outputs) {
                topics.add(new NewTopic(o, partitions, (short) 1));
            }
            admin.createTopics(topics).all().get();
        }
    }

    private List<String> jvmArgs(String name) {
        List<String> args = new ArrayList<>(List.of("-Xmx384m"));
        if (profile != null) {
            Path dir = profile.toAbsolutePath();
            args.add("-Xlog:gc*:file=" + dir.resolve(name + "-gc.log") + ":uptime,tags");
            args.add("-XX:StartFlightRecording=filename=" + dir.resolve(name + ".jfr") + ",settings=profile");
        }
        return args;
    }

    private FunctionProcess startEventScore(
            String name,
            String readings,
            String group,
            String predictions,
            String alerts,
            String deadLetters,
            int httpPort,
            Map<String, String> extraEnv)
            throws Exception {
        if (profile != null) {
            Files.createDirectories(profile);
        }
        Map<String, String> env = new HashMap<>(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS",
                kafka.bootstrapServers(),
                "QUARKUS_REDIS_HOSTS",
                redis.uri(),
                "MP_MESSAGING_INCOMING_SENSOR_READINGS_TOPIC",
                readings,
                "MP_MESSAGING_INCOMING_SENSOR_READINGS_GROUP_ID",
                group,
                "INFERFN_EVENT_PREDICTIONS_TOPIC",
                predictions,
                "INFERFN_EVENT_ALERTS_TOPIC",
                alerts,
                "INFERFN_EVENT_DEAD_LETTER_TOPIC",
                deadLetters,
                "INFERFN_MODEL_LOCATIONS",
                "file:" + home.resolve("models/sensor-anomaly/2")));
        env.putAll(extraEnv);
        return FunctionProcess.startReady(
                name,
                home.resolve("functions/event-score/target/quarkus-app/quarkus-run.jar"),
                httpPort,
                env,
                home.resolve(".inferfn/logs"),
                jvmArgs(name));
    }

    private FunctionProcess startPassThrough(String name, String readings, String group, String predictions)
            throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs(name));
        command.add("-cp");
        command.add(home.resolve("cli/target/inferfn-cli.jar").toString());
        command.add(PassThroughConsumer.class.getName());
        command.addAll(List.of(kafka.bootstrapServers(), readings, predictions, group));
        clientSettings.forEach((k, v) -> command.add(k + "=" + v));
        return FunctionProcess.startCommand(name, command, home, 0, Map.of(), home.resolve(".inferfn/logs"));
    }

    private FunctionProcess startStreams(
            String name, String readings, String group, String predictions, String alerts, String deadLetters)
            throws Exception {
        Path jar = home.resolve("bench/streams-peer/target/streams-peer.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    jar + " is missing; build it with ./mvnw package -pl bench/streams-peer -am");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs(name));
        command.add("-jar");
        command.add(jar.toString());
        URI r = URI.create(redis.uri());
        command.addAll(List.of(
                "readings=" + readings,
                "predictions=" + predictions,
                "alerts=" + alerts,
                "dead-letters=" + deadLetters,
                "redis=" + r.getHost() + ":" + r.getPort(),
                "model=" + home.resolve("models/sensor-anomaly/2"),
                "application.id=" + group,
                "bootstrap.servers=" + kafka.bootstrapServers(),
                // at least once, as event-score: offsets committed every 5 s (event-score's throttled commits),
                // after the producer has flushed
                "processing.guarantee=at_least_once",
                "commit.interval.ms=5000"));
        clientSettings.forEach((k, v) -> command.add(k + "=" + v));
        return FunctionProcess.startCommand(name, command, home, 0, Map.of(), home.resolve(".inferfn/logs"));
    }

    private void waitForAssignment(String group, int partitions, List<FunctionProcess> procs) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                org.apache.kafka.clients.admin.ConsumerGroupDescription description;
                try {
                    description = admin.describeConsumerGroups(List.of(group))
                            .all()
                            .get()
                            .get(group);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException)) {
                        throw e;
                    }
                    Thread.sleep(200); // not joined yet
                    continue;
                }
                int assigned = description.members().stream()
                        .mapToInt(m -> m.assignment().topicPartitions().size())
                        .sum();
                if (assigned == partitions
                        && description.groupState().toString().equalsIgnoreCase("stable")) {
                    return;
                }
                for (FunctionProcess p : procs) {
                    if (!p.isAlive()) {
                        throw new IllegalStateException("a consumer of group " + group + " exited; see .inferfn/logs");
                    }
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

    /** The first {@code n} records of {@code topic} (all partitions), within a minute. */
    private List<ConsumerRecord<String, byte[]>> readAll(String topic, int n) throws InterruptedException {
        List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = reader(topic)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (all.size() < n && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(all::add);
            }
        }
        if (all.size() < n) {
            throw new IllegalStateException(
                    "only " + all.size() + " of " + n + " records on " + topic + " within 60 s");
        }
        return all;
    }

    /** How many records {@code topic} holds once nothing more has come for a second. */
    /** Each key's values in topic order. */
    private static Map<String, ArrayDeque<String>> byKey(List<ConsumerRecord<String, byte[]>> records) {
        Map<String, ArrayDeque<String>> byKey = new HashMap<>();
        for (var r : records) {
            byKey.computeIfAbsent(r.key(), k -> new ArrayDeque<>()).add(new String(r.value(), StandardCharsets.UTF_8));
        }
        return byKey;
    }

    /** Whether {@code value} is the next of {@code key}'s queued values; takes it if so. */
    private static boolean takeIfNext(Map<String, ArrayDeque<String>> queues, String key, String value) {
        ArrayDeque<String> q = queues.get(key);
        if (q != null && value.equals(q.peekFirst())) {
            q.pollFirst();
            return true;
        }
        return false;
    }

    /** Every record on {@code topic}, read until it has been quiet for a second. */
    private List<ConsumerRecord<String, byte[]>> allRecords(String topic) {
        List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = reader(topic)) {
            long quietSince = System.nanoTime();
            while (System.nanoTime() - quietSince < 1_000_000_000L) {
                var got = consumer.poll(Duration.ofMillis(100));
                if (!got.isEmpty()) {
                    got.forEach(all::add);
                    quietSince = System.nanoTime();
                }
            }
        }
        return all;
    }

    private int countAll(String topic) {
        return allRecords(topic).size();
    }

    private KafkaConsumer<String, byte[]> reader(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p);
        List<org.apache.kafka.common.TopicPartition> partitions = new ArrayList<>();
        consumer.partitionsFor(topic)
                .forEach(i -> partitions.add(new org.apache.kafka.common.TopicPartition(topic, i.partition())));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
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
