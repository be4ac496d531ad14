package io.inferfn.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import io.inferfn.localstack.FunctionProcess;
import io.inferfn.localstack.LocalRedis;
import io.inferfn.localstack.RedisHashes;

/**
 * {@code ./inferfn bench overhead}: what a change to http-predict costs in {@code /predict}
 * throughput, measured against another build of it in the same run: both jars serve side by side
 * (same Redis, same model, each pinned to the same core with {@code taskset}), and closed-loop rounds
 * alternate between them (A B A B ...), so drift on a shared machine hits both alike. Pin the CLI,
 * the load generator, to the other core: {@code taskset -c 0 ./inferfn bench overhead ...}.
 */
@Command(
        name = "overhead",
        mixinStandardHelpOptions = true,
        description =
                "/predict throughput of this build (A) against --baseline or this build with --baseline-env (B), rounds interleaved A B A B")
final class BenchOverhead implements Callable<Integer> {

    @ParentCommand
    BenchCommand bench;

    @Option(
            names = "--baseline",
            description = "the http-predict quarkus-run.jar to compare with (B); default: this build again, run with"
                    + " --baseline-env")
    Path baseline;

    @Option(
            names = "--baseline-env",
            description = "an environment variable set for B only, NAME=VALUE (repeatable); for example"
                    + " INFERFN_METRICS_ENABLED=false: the same build with and without metrics")
    Map<String, String> baselineSettings = new java.util.LinkedHashMap<>();

    @Option(
            names = "--baseline-models",
            description = "the fraud model directory B loads (default: this checkout's models/fraud/2); an older build"
                    + " may not read a newer manifest")
    Path baselineModels;

    @Option(names = "--rounds", description = "rounds per build (default: ${DEFAULT-VALUE})", defaultValue = "5")
    int rounds;

    @Option(names = "--seconds", description = "seconds per round (default: ${DEFAULT-VALUE})", defaultValue = "10")
    int seconds;

    @Option(
            names = "--warmup",
            description = "seconds of load on each build before the rounds, for the JIT (default: ${DEFAULT-VALUE})",
            defaultValue = "40")
    int warmup;

    @Option(names = "--users", description = "closed-loop users (default: ${DEFAULT-VALUE})", defaultValue = "16")
    int users;

    @Option(
            names = "--rows",
            description = "rows per request: 1 sends the one-row form, more the batch form {\"rows\": [...]}"
                    + " (default: ${DEFAULT-VALUE})",
            defaultValue = "1")
    int rows;

    @Option(
            names = "--server-cpus",
            description = "taskset CPU list both servers are pinned to, empty for none (default: ${DEFAULT-VALUE})",
            defaultValue = "1")
    String serverCpus;

    private Vertx vertx;
    private HttpClient client;
    private io.vertx.core.Context loop;

    @Override
    public Integer call() throws Exception {
        Path home = bench.parent.home.toAbsolutePath().normalize();
        Path work = home.resolve(".inferfn/bench");
        Files.createDirectories(work);
        Path current = home.resolve("functions/http-predict/target/quarkus-app/quarkus-run.jar");
        if (baseline == null && baselineSettings.isEmpty()) {
            System.err.println("name a --baseline jar, or --baseline-env settings to run this build against itself");
            return 2;
        }
        Path other = baseline == null ? current : baseline;
        vertx = Vertx.vertx();
        loop = vertx.getOrCreateContext();
        client = vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(true).setPipelining(false),
                new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(-1));
        List<String> launcher = serverCpus.isBlank() ? List.of() : List.of("taskset", "-c", serverCpus);
        try (MachineLoad machine = MachineLoad.start();
                LocalRedis redis = LocalRedis.onPort(0, line -> {})) {
            redis.start();
            RedisHashes.load(vertx, redis.uri(), home.resolve("models/fraud/customers.csv"), "customer:");
            Map<String, String> env = Map.of(
                    "INFERFN_MODEL_LOCATIONS",
                    "file:" + home.resolve("models/fraud/2"),
                    "QUARKUS_REDIS_HOSTS",
                    redis.uri(),
                    "INFERFN_AUTH_ENABLED",
                    "false",
                    // one core serves 16 users: queueing there must not look like a slow Redis, trip the breaker and
                    // turn rounds into cheaper degraded answers; both builds then do the full work on every request
                    "INFERFN_FEATURE_STORE_TIMEOUT",
                    "2s");
            Path java = Path.of(System.getProperty("java.home"));
            List<String> jvm = List.of("-Xmx256m");
            try (FunctionProcess a =
                            FunctionProcess.start("overhead-a", java, current, 18184, env, work, jvm, launcher);
                    FunctionProcess b = FunctionProcess.start(
                            "overhead-b", java, other, 18185, baselineEnv(env), work, jvm, launcher)) {
                a.awaitReady();
                b.awaitReady();
                // warm-up, interleaved too: on one core the JIT takes a while to settle
                for (int w = 0; w < 4; w++) {
                    closedLoop(18184, Math.max(1, warmup / 4));
                    closedLoop(18185, Math.max(1, warmup / 4));
                }
                double[] ra = new double[rounds];
                double[] rb = new double[rounds];
                StringBuilder out = new StringBuilder();
                out.append("| round | A: this build, req/s | B: baseline, req/s | A/B |\n|---|---|---|---|\n");
                for (int r = 0; r < rounds; r++) {
                    ra[r] = closedLoop(18184, seconds);
                    rb[r] = closedLoop(18185, seconds);
                    String row = String.format(
                            Locale.ROOT, "| %d | %,.0f | %,.0f | %.3f |%n", r + 1, ra[r], rb[r], ra[r] / rb[r]);
                    System.out.print(row);
                    out.append(row);
                }
                double ma = median(ra);
                double mb = median(rb);
                double ta = Arrays.stream(ra).sum();
                double tb = Arrays.stream(rb).sum();
                out.append(String.format(
                        Locale.ROOT,
                        "| **median** | **%,.0f** | **%,.0f** | **%.3f** |%n| all rounds | %,.0f | %,.0f | %.3f |%n",
                        ma,
                        mb,
                        ma / mb,
                        ta / rounds,
                        tb / rounds,
                        ta / tb));
                String report = "A = " + home.relativize(current) + ", B = "
                        + (baseline == null ? "the same jar" : baseline)
                        + (baselineSettings.isEmpty() ? "" : " with " + baselineSettings) + "; " + users
                        + " closed-loop users" + (rows > 1 ? " sending " + rows + " rows per request" : "") + ", "
                        + warmup + " s warm-up each, " + seconds
                        + " s rounds, servers on CPUs "
                        + (serverCpus.isBlank() ? "(any)" : serverCpus) + "\n\n" + out + "\n" + machine.summary();
                System.out.println();
                System.out.println(report);
                Files.writeString(work.resolve("overhead.md"), report);
                return 0;
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The environment of B: A's, with --baseline-models and --baseline-env applied. */
    private Map<String, String> baselineEnv(Map<String, String> env) {
        Map<String, String> b = new java.util.HashMap<>(env);
        if (baselineModels != null) {
            b.put(
                    "INFERFN_MODEL_LOCATIONS",
                    "file:" + baselineModels.toAbsolutePath().normalize());
        }
        b.putAll(baselineSettings);
        return b;
    }

    /** {@code users} users on {@code port}'s /predict, each sending its next request when its answer arrives; req/s. */
    private double closedLoop(int port, int secs) throws InterruptedException {
        AtomicLong done = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long end = System.nanoTime() + secs * 1_000_000_000L;
        CountDownLatch finished = new CountDownLatch(users);
        long started = System.nanoTime();
        for (int u = 0; u < users; u++) {
            SplittableRandom random = new SplittableRandom(u);
            loop.runOnContext(v -> next(port, random, done, errors, end, finished));
        }
        finished.await(secs + 30L, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - started) / 1e9;
        if (errors.get() > 0) {
            System.err.println("port " + port + ": " + errors.get() + " requests failed");
        }
        return done.get() / elapsed;
    }

    private void next(
            int port, SplittableRandom random, AtomicLong done, AtomicLong errors, long end, CountDownLatch finished) {
        if (System.nanoTime() >= end) {
            finished.countDown();
            return;
        }
        send(port, body(random)).onComplete(result -> {
            done.incrementAndGet();
            if (result.failed() || result.result() != 200) {
                errors.incrementAndGet();
            }
            next(port, random, done, errors, end, finished);
        });
    }

    /** One request of {@code rows} random rows: the one-row form, or the batch form past one row. */
    private String body(SplittableRandom random) {
        if (rows <= 1) {
            return Samples.random(random);
        }
        StringBuilder body = new StringBuilder("{\"rows\":[");
        for (int i = 0; i < rows; i++) {
            body.append(i == 0 ? "" : ",").append(Samples.random(random));
        }
        return body.append("]}").toString();
    }

    private Future<Integer> send(int port, String body) {
        return client.request(new RequestOptions()
                        .setMethod(HttpMethod.POST)
                        .setHost("127.0.0.1")
                        .setPort(port)
                        .setURI("/predict")
                        .setTimeout(10_000))
                .compose(req -> {
                    req.putHeader("content-type", "application/json");
                    return req.send(Buffer.buffer(body));
                })
                .compose(resp -> resp.body().map(buffer -> resp.statusCode()));
    }
}
