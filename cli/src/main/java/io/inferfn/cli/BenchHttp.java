package io.inferfn.cli;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import io.inferfn.localstack.FunctionProcess;
import io.inferfn.localstack.LocalRedis;
import io.inferfn.localstack.RedisHashes;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxModel;
import io.inferfn.model.OnnxOptions;

/**
 * {@code /predict} under load against the limits measured in the same run: a raw Redis HMGET round
 * trip, a raw ONNX Runtime call, and an HTTP endpoint of the same stack. Closed loop (N users, each
 * waiting for its answer) finds peak throughput; open loop (requests sent on a fixed schedule, each
 * latency measured from its scheduled send time, so queueing shows: no coordinated omission)
 * gives the latency at fixed offered load.
 */
@Command(
        name = "http",
        mixinStandardHelpOptions = true,
        description = "HTTP latency and throughput of /predict, and the limits, in one run; the Open Inference"
                + " Protocol's /v2 REST and gRPC ModelInfer side by side.")
final class BenchHttp implements Callable<Integer> {

    @ParentCommand
    BenchCommand bench;

    @Option(names = "--quick", description = "short phases (about a minute in all)")
    boolean quick;

    @Option(
            names = "--rates",
            split = ",",
            description = "open-loop offered loads, requests/s (default: ${DEFAULT-VALUE})",
            defaultValue = "250,500,1000,2000,3000")
    List<Integer> rates;

    @Option(
            names = "--users",
            split = ",",
            description = "closed-loop concurrent users (default: ${DEFAULT-VALUE})",
            defaultValue = "1,4,16")
    List<Integer> users;

    @Option(names = "--port", description = "http-predict port (default: ${DEFAULT-VALUE})", defaultValue = "18183")
    int port;

    @Option(
            names = "--peer",
            description = "also measure the Node.js peer in bench/node-peer (fastify + onnxruntime-node + ioredis) on"
                    + " the same Redis, after checking it gives the same answers; needs node and npm on PATH")
    boolean peer;

    @Option(
            names = "--peer-port",
            description = "the Node.js peer's port (default: ${DEFAULT-VALUE})",
            defaultValue = "18190")
    int peerPort;

    @Option(
            names = "--function-cpus",
            description = "pin http-predict (and the peer) to these CPUs with taskset, e.g. 0; run the command"
                    + " itself on the others: taskset -c 1 ./inferfn bench http --peer --function-cpus 0"
                    + " (default: unpinned)")
    String functionCpus;

    /** The port the phases load: http-predict's, or the peer's while it is measured. */
    private int target;

    private Vertx vertx;
    private HttpClient client;
    /** Every client call runs on this one event loop: the client is used as Vert.x intends, not from foreign threads. */
    private io.vertx.core.Context loop;

    /** One measured phase: a row of the results table. */
    record Phase(String name, double offered, double achieved, Histogram latency, long errors) {}

    @Override
    public Integer call() throws Exception {
        Path home = bench.parent.home.toAbsolutePath().normalize();
        Path work = home.resolve(".inferfn/bench");
        Files.createDirectories(work);
        int seconds = quick ? 3 : 10;
        vertx = Vertx.vertx();
        loop = vertx.getOrCreateContext();
        client = vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(true).setPipelining(false),
                new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(-1));
        List<Phase> phases = new ArrayList<>();
        try (MachineLoad machine = MachineLoad.start();
                LocalRedis redis = LocalRedis.onPort(0, line -> {})) {
            redis.start();
            RedisHashes.load(vertx, redis.uri(), home.resolve("models/fraud/customers.csv"), "customer:");
            try (FunctionProcess fn = FunctionProcess.startReady(
                    "http-predict",
                    home.resolve("functions/http-predict/target/quarkus-app/quarkus-run.jar"),
                    port,
                    Map.of(
                            "INFERFN_MODEL_LOCATIONS",
                            "file:" + home.resolve("models/fraud/2"),
                            "QUARKUS_REDIS_HOSTS",
                            redis.uri(),
                            "INFERFN_AUTH_ENABLED",
                            "false"),
                    work,
                    List.of("-Xmx256m"),
                    launcher())) {
                target = port;
                // warm-up: JIT both paths before anything is recorded
                closedLoop("warm-up", "/predict", 4, quick ? 3 : 8);
                closedLoop("warm-up", "/q/health/live", 4, 2);

                Histogram redisLimit = redisRoundTrips(redis.uri(), quick ? 5_000 : 20_000);
                Histogram ortLimit = ortCalls(home.resolve("models/fraud/2"), quick ? 20_000 : 100_000);
                Phase bare1 = closedLoop("bare HTTP, 1 user", "/q/health/live", 1, seconds);
                Phase predict1 = closedLoop("/predict, 1 user", "/predict", 1, seconds);
                phases.add(bare1);
                phases.add(predict1);
                double barePeak = 0;
                double predictPeak = 0;
                for (int u : users) {
                    if (u == 1) {
                        continue;
                    }
                    Phase b = closedLoop("bare HTTP, " + u + " users", "/q/health/live", u, seconds);
                    Phase p = closedLoop("/predict, " + u + " users", "/predict", u, seconds);
                    phases.add(b);
                    phases.add(p);
                    barePeak = Math.max(barePeak, b.achieved());
                    predictPeak = Math.max(predictPeak, p.achieved());
                }
                barePeak = Math.max(barePeak, bare1.achieved());
                predictPeak = Math.max(predictPeak, predict1.achieved());
                List<Phase> open = new ArrayList<>();
                List<Phase> openBare = new ArrayList<>();
                for (int rate : rates) {
                    // the limit at the same offered load: the same generator against the bare endpoint, so the
                    // host's own wake-up and scheduling delays show beside /predict's
                    Phase b = openLoop("bare HTTP at " + rate + "/s", "/q/health/live", rate, seconds);
                    Phase p = openLoop("/predict at " + rate + "/s", "/predict", rate, seconds);
                    openBare.add(b);
                    open.add(p);
                    phases.add(b);
                    phases.add(p);
                }
                List<Phase> oip = inferenceProtocol(seconds);
                String report = report(
                        redisLimit, ortLimit, bare1, predict1, barePeak, predictPeak, phases, fn.rssMib(), seconds);
                report += openLoopReport(open, openBare);
                report += inferenceProtocolReport(oip);
                if (peer) {
                    report += peerReport(home, work, redis.uri(), seconds, bare1, predict1, phases, open);
                }
                report += "\n" + machine.summary();
                System.out.println(report);
                Files.writeString(work.resolve("http.md"), report);
                Files.writeString(work.resolve("http.html"), chart(open));
                System.out.println("written: " + home.relativize(work.resolve("http.md")) + ", "
                        + home.relativize(work.resolve("http.html")) + " (latency percentiles against offered load)");
                return 0;
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private List<String> launcher() {
        return functionCpus == null ? List.of() : List.of("taskset", "-c", functionCpus);
    }

    /**
     * The Node.js peer on the same Redis and model, pinned like http-predict: its answers checked
     * against http-predict's first ({@code check.js}), then the same closed-loop phases, and a table
     * of both side by side with the ratios.
     */
    private String peerReport(
            Path home,
            Path work,
            String redisUri,
            int seconds,
            Phase bare1,
            Phase predict1,
            List<Phase> ours,
            List<Phase> ourOpen)
            throws Exception {
        Path dir = home.resolve("bench/node-peer");
        try (FunctionProcess node = startPeer(home, work, "node-peer", redisUri, peerPort, launcher())) {
            node.awaitReady();
            System.out.println("checking that the peer gives http-predict's answers (bench/node-peer/check.js) ...");
            String checked = run(
                    dir,
                    work.resolve("node-peer-check.log"),
                    "node",
                    "check.js",
                    "http://127.0.0.1:" + port,
                    "http://127.0.0.1:" + peerPort,
                    quick ? "500" : "2000");
            target = peerPort;
            closedLoop("peer warm-up", "/predict", 4, quick ? 3 : 8);
            Phase peerBare1 = closedLoop("peer bare, 1 user", "/bare", 1, seconds);
            Phase peerPredict1 = closedLoop("peer /predict, 1 user", "/predict", 1, seconds);
            List<Phase[]> pairs = new ArrayList<>();
            pairs.add(new Phase[] {predict1, peerPredict1});
            pairs.add(new Phase[] {bare1, peerBare1});
            for (int u : users) {
                if (u == 1) {
                    continue;
                }
                Phase mine = ours.stream()
                        .filter(p -> p.name().equals("/predict, " + u + " users"))
                        .findFirst()
                        .orElseThrow();
                pairs.add(new Phase[] {mine, closedLoop("peer /predict, " + u + " users", "/predict", u, seconds)});
                Phase myBare = ours.stream()
                        .filter(p -> p.name().equals("bare HTTP, " + u + " users"))
                        .findFirst()
                        .orElseThrow();
                pairs.add(new Phase[] {myBare, closedLoop("peer bare, " + u + " users", "/bare", u, seconds)});
            }
            for (Phase mine : ourOpen) {
                int rate = (int) mine.offered();
                pairs.add(new Phase[] {mine, openLoop("peer /predict at " + rate + "/s", "/predict", rate, seconds)});
            }
            long peerRss = node.rssMib();
            target = port;
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(
                    Locale.ROOT,
                    "%n## Against the Node.js peer (bench/node-peer: fastify + onnxruntime-node + ioredis), %s%n%n",
                    functionCpus == null
                            ? "both unpinned on " + Runtime.getRuntime().availableProcessors() + " cores"
                            : "each pinned to CPU " + functionCpus + " (taskset), measured one after the other"));
            sb.append("Answers checked first: ").append(checked.strip()).append("\n\n");
            sb.append("| phase | inferfn req/s | peer req/s | inferfn / peer | inferfn p50 / p99 ms |"
                    + " peer p50 / p99 ms | errors (inferfn, peer) |\n|---|---|---|---|---|---|---|\n");
            for (Phase[] pair : pairs) {
                Phase a = pair[0];
                Phase b = pair[1];
                sb.append(String.format(
                        Locale.ROOT,
                        "| %s | %,.0f | %,.0f | **%.2f** | %.3f / %.3f | %.3f / %.3f | %d, %d |%n",
                        a.name().replace("bare HTTP", "bare endpoint"),
                        a.achieved(),
                        b.achieved(),
                        a.achieved() / b.achieved(),
                        ms(a.latency(), 50),
                        ms(a.latency(), 99),
                        ms(b.latency(), 50),
                        ms(b.latency(), 99),
                        a.errors(),
                        b.errors()));
            }
            sb.append(String.format(
                    Locale.ROOT,
                    "%nThe bare endpoints: inferfn `/q/health/live`, the peer `GET /bare`. Peer RSS after the run: %d"
                            + " MiB.%n",
                    peerRss));
            return sb.toString();
        }
    }

    /**
     * Starts the Node.js peer (bench/node-peer) on the demo fraud model and this Redis, its locked dependencies
     * installed first ({@code npm ci}) when they are not; await it before use.
     */
    static FunctionProcess startPeer(
            Path home, Path work, String name, String redisUri, int port, List<String> launcher) throws Exception {
        Path dir = home.resolve("bench/node-peer");
        if (!Files.isDirectory(dir.resolve("node_modules"))) {
            System.out.println("installing the Node.js peer's locked dependencies (npm ci in bench/node-peer) ...");
            run(dir, work.resolve("node-peer-npm.log"), "npm", "ci");
        }
        List<String> command = new ArrayList<>(launcher);
        command.add("node");
        command.add("server.js");
        return FunctionProcess.startCommand(
                name,
                command,
                dir,
                port,
                Map.of(
                        "MODEL_DIR",
                        home.resolve("models/fraud/2").toString(),
                        "REDIS_URL",
                        redisUri,
                        "PORT",
                        Integer.toString(port)),
                work);
    }

    /** Runs {@code command} in {@code dir}; its output goes to {@code log} and is returned; fails unless it exits 0. */
    private static String run(Path dir, Path log, String... command) throws Exception {
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot run " + command[0] + " (is it on PATH?): " + e.getMessage(), e);
        }
        if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed in " + dir + "; its output (" + log
                    + "):\n" + Files.readString(log));
        }
        return Files.readString(log);
    }

    /** The status of one request, or a failure when it was not answered within 10 s (counted as an error). */
    private Future<Integer> send(String path, String body) {
        io.vertx.core.Promise<Integer> answer = io.vertx.core.Promise.promise();
        long timer = vertx.setTimer(10_000, id -> answer.tryFail("no answer within 10 s"));
        exchange(path, body).onComplete(result -> {
            vertx.cancelTimer(timer);
            if (result.succeeded()) {
                answer.tryComplete(result.result());
            } else {
                answer.tryFail(result.cause());
            }
        });
        return answer.future();
    }

    private Future<Integer> exchange(String path, String body) {
        return client.request(new RequestOptions()
                        .setMethod(method(path))
                        .setHost("127.0.0.1")
                        .setPort(target)
                        .setURI(path)
                        .setTimeout(10_000))
                .compose(req -> {
                    if (body == null) {
                        return req.send();
                    }
                    req.putHeader("content-type", "application/json");
                    return req.send(Buffer.buffer(body));
                })
                .compose(resp -> resp.body().map(b -> resp.statusCode()));
    }

    private static HttpMethod method(String path) {
        return path.equals("/predict") || path.endsWith("/infer") ? HttpMethod.POST : HttpMethod.GET;
    }

    /**
     * The Open Inference Protocol's REST and gRPC faces side by side, interleaved per user count: the same random
     * features-mode rows as {@code POST /v2/models/fraud/infer} and as gRPC {@code ModelInfer}.
     */
    private List<Phase> inferenceProtocol(int seconds) throws InterruptedException {
        InferenceProtocolLoad oip = new InferenceProtocolLoad(vertx);
        java.util.function.Function<SplittableRandom, Future<Integer>> v2 = random -> send(
                InferenceProtocolLoad.V2_PATH,
                InferenceProtocolLoad.Row.random(random).v2Json());
        java.util.function.Function<SplittableRandom, Future<Integer>> grpc = random -> oip.grpc(
                "127.0.0.1", target, InferenceProtocolLoad.Row.random(random).grpcFrame());
        // warm-up: JIT both paths (the gRPC stack is new code to the JIT even after /predict's warm-up)
        closedLoop("warm-up", 16, quick ? 4 : 8, v2);
        closedLoop("warm-up", 16, quick ? 4 : 8, grpc);
        List<Phase> phases = new ArrayList<>();
        for (int u : users) {
            String who = u == 1 ? "1 user" : u + " users";
            phases.add(closedLoop("`/v2` infer (REST), " + who, u, seconds, v2));
            phases.add(closedLoop("gRPC ModelInfer, " + who, u, seconds, grpc));
        }
        return phases;
    }

    private static String inferenceProtocolReport(List<Phase> phases) {
        StringBuilder sb = new StringBuilder(
                "\n## Open Inference Protocol: `/v2` REST and gRPC `ModelInfer` (features mode, one row, closed loop)\n\n"
                        + "| phase | achieved | p50 | p99 | errors |\n|---|---|---|---|---|\n");
        for (Phase p : phases) {
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %,.0f/s | %.3f | %.3f | %d |%n",
                    p.name(),
                    p.achieved(),
                    ms(p.latency(), 50),
                    ms(p.latency(), 99),
                    p.errors()));
        }
        for (int i = 0; i + 1 < phases.size(); i += 2) {
            Phase rest = phases.get(i);
            Phase grpc = phases.get(i + 1);
            sb.append(String.format(
                    Locale.ROOT,
                    "%s- %s: gRPC / REST throughput **%.2f**, p50 **%.2f**%n",
                    i == 0 ? "\n" : "",
                    grpc.name().substring(grpc.name().indexOf(", ") + 2),
                    grpc.achieved() / rest.achieved(),
                    ms(grpc.latency(), 50) / ms(rest.latency(), 50)));
        }
        return sb.append("\nLatencies in ms. One HTTP/1.1 connection per user for REST; one HTTP/2 connection for"
                        + " gRPC (a channel), multiplexed.\n")
                .toString();
    }

    /** N users, each sending its next request when {@code call}'s previous answer arrives. */
    private Phase closedLoop(
            String name, int users, int seconds, java.util.function.Function<SplittableRandom, Future<Integer>> call)
            throws InterruptedException {
        ConcurrentHistogram latency = new ConcurrentHistogram(3_600_000_000L, 3);
        AtomicLong errors = new AtomicLong();
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        CountDownLatch finished = new CountDownLatch(users);
        for (int u = 0; u < users; u++) {
            SplittableRandom random = new SplittableRandom(u);
            loop.runOnContext(v -> loop(call, random, latency, errors, done, end, finished, name));
        }
        long started = System.nanoTime();
        finished.await(seconds + 30L, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - started) / 1e9;
        return new Phase(name, Double.NaN, done.get() / elapsed, latency, errors.get());
    }

    private void loop(
            java.util.function.Function<SplittableRandom, Future<Integer>> call,
            SplittableRandom random,
            ConcurrentHistogram latency,
            AtomicLong errors,
            AtomicLong done,
            long end,
            CountDownLatch finished,
            String name) {
        if (System.nanoTime() >= end) {
            finished.countDown();
            return;
        }
        long start = System.nanoTime();
        call.apply(random).onComplete(result -> {
            latency.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
            done.incrementAndGet();
            if (result.failed() || result.result() != 200) {
                if (errors.incrementAndGet() == 1) {
                    System.err.println(name + ": first error: "
                            + (result.failed() ? result.cause().toString() : "HTTP " + result.result()));
                }
            }
            loop(call, random, latency, errors, done, end, finished, name);
        });
    }

    /** N users, each sending its next request when the previous answer arrives. */
    private Phase closedLoop(String name, String path, int users, int seconds) throws InterruptedException {
        ConcurrentHistogram latency = new ConcurrentHistogram(3_600_000_000L, 3);
        AtomicLong errors = new AtomicLong();
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        CountDownLatch finished = new CountDownLatch(users);
        for (int u = 0; u < users; u++) {
            SplittableRandom random = new SplittableRandom(u);
            loop.runOnContext(v -> loop(path, random, latency, errors, done, end, finished));
        }
        long started = System.nanoTime();
        finished.await(seconds + 30L, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - started) / 1e9;
        return new Phase(name, Double.NaN, done.get() / elapsed, latency, errors.get());
    }

    private void loop(
            String path,
            SplittableRandom random,
            ConcurrentHistogram latency,
            AtomicLong errors,
            AtomicLong done,
            long end,
            CountDownLatch finished) {
        if (System.nanoTime() >= end) {
            finished.countDown();
            return;
        }
        long start = System.nanoTime();
        send(path, path.equals("/predict") ? Samples.random(random) : null).onComplete(result -> {
            latency.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
            done.incrementAndGet();
            if (result.failed() || result.result() != 200) {
                errors.incrementAndGet();
            }
            loop(path, random, latency, errors, done, end, finished);
        });
    }

    /**
     * The generator's own delay per open-loop phase, by phase name: from a request's scheduled time to the moment the
     * client's event loop starts sending it (the scheduling thread's wake-up and the hand-off to the loop).
     */
    private final Map<String, Histogram> generatorLag = new java.util.HashMap<>();

    /** Requests sent on a fixed schedule; each latency counts from its scheduled time. */
    private Phase openLoop(String name, String path, int rate, int seconds) throws InterruptedException {
        ConcurrentHistogram latency = new ConcurrentHistogram(3_600_000_000L, 3);
        ConcurrentHistogram lag = new ConcurrentHistogram(3_600_000_000L, 3);
        generatorLag.put(name, lag);
        AtomicLong errors = new AtomicLong();
        int total = rate * seconds;
        CountDownLatch finished = new CountDownLatch(total);
        SplittableRandom random = new SplittableRandom(rate);
        long interval = 1_000_000_000L / rate;
        long t0 = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long intended = t0 + i * interval;
            long wait = intended - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            String body = method(path) == HttpMethod.POST ? Samples.random(random) : null;
            loop.runOnContext(v -> {
                lag.recordValue(Math.max(1, (System.nanoTime() - intended) / 1000));
                send(path, body).onComplete(result -> {
                    latency.recordValue(Math.max(1, (System.nanoTime() - intended) / 1000));
                    if (result.failed() || result.result() != 200) {
                        if (errors.incrementAndGet() == 1) {
                            System.err.println(name + ": first error: "
                                    + (result.failed() ? result.cause().toString() : "HTTP " + result.result()));
                        }
                    }
                    finished.countDown();
                });
            });
        }
        boolean all = finished.await(seconds + 60L, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - t0) / 1e9;
        if (!all) {
            System.err.println(name + ": " + finished.getCount() + " of " + total + " requests unanswered; recorded "
                    + latency.getTotalCount());
        }
        return new Phase(name, rate, total / elapsed, latency, errors.get());
    }

    private static Histogram redisRoundTrips(String uri, int calls) throws Exception {
        Vertx v = Vertx.vertx();
        Redis redis = Redis.createClient(v, uri);
        try {
            Histogram h = new Histogram(3_600_000_000L, 3);
            SplittableRandom random = new SplittableRandom(3);
            for (int i = 0; i < calls + 2_000; i++) {
                Request hmget = Request.cmd(io.vertx.redis.client.Command.HMGET)
                        .arg("customer:c-" + (1000 + random.nextInt(5000)))
                        .arg("avg_amount_30d")
                        .arg("txn_count_24h")
                        .arg("account_age_days")
                        .arg("chargebacks_1y");
                long start = System.nanoTime();
                redis.send(hmget).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
                if (i >= 2_000) {
                    h.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
                }
            }
            return h;
        } finally {
            redis.close();
            v.close();
        }
    }

    private static Histogram ortCalls(Path model, int calls) throws Exception {
        try (LoadedModel loaded = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + model)) {
            OnnxModel onnx = loaded.onnx();
            float[] row = new float[loaded.plan().width()];
            SplittableRandom random = new SplittableRandom(5);
            Histogram h = new Histogram(3_600_000_000L, 3);
            for (int i = 0; i < calls + 20_000; i++) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = (float) random.nextDouble();
                }
                long start = System.nanoTime();
                try (OnnxModel.Run run = onnx.begin(1)) {
                    FloatBuffer in = run.input();
                    in.put(row);
                    run.execute();
                }
                if (i >= 20_000) {
                    h.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
                }
            }
            return h;
        }
    }

    private static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1000.0;
    }

    private String report(
            Histogram redis,
            Histogram ort,
            Phase bare,
            Phase predict,
            double barePeak,
            double predictPeak,
            List<Phase> phases,
            long rss,
            int seconds) {
        double limitP50 = ms(redis, 50) + ms(ort, 50) + ms(bare.latency(), 50);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "## /predict against its limits (%s, %d s per phase, %d cores)%n%n",
                quick ? "quick" : "full",
                seconds,
                Runtime.getRuntime().availableProcessors()));
        sb.append("| limit, measured in this run | p50 | p99 |\n|---|---|---|\n");
        sb.append(String.format(
                Locale.ROOT,
                "| Redis HMGET round trip (4 fields) | %.3f ms | %.3f ms |%n",
                ms(redis, 50),
                ms(redis, 99)));
        sb.append(String.format(
                Locale.ROOT,
                "| ONNX Runtime call, 1 row, int8 fraud model | %.3f ms | %.3f ms |%n",
                ms(ort, 50),
                ms(ort, 99)));
        sb.append(String.format(
                Locale.ROOT,
                "| bare HTTP on the same stack (`/q/health/live`), 1 user | %.3f ms | %.3f ms |%n",
                ms(bare.latency(), 50),
                ms(bare.latency(), 99)));
        sb.append(String.format(Locale.ROOT, "| **sum of the limits** | **%.3f ms** | |%n", limitP50));
        sb.append(String.format(
                Locale.ROOT,
                "| `/predict`, 1 user | %.3f ms | %.3f ms |%n%n",
                ms(predict.latency(), 50),
                ms(predict.latency(), 99)));
        sb.append(String.format(
                Locale.ROOT,
                "- `/predict` p50 / sum of the limits: **%.2f** (goal ≤ 2)%n"
                        + "- peak throughput, closed loop: `/predict` %,.0f req/s, bare HTTP %,.0f req/s: **%.0f %%** (goal ≥ 50 %%)%n"
                        + "- http-predict RSS after the run: %d MiB%n%n",
                ms(predict.latency(), 50) / limitP50,
                predictPeak,
                barePeak,
                100 * predictPeak / barePeak,
                rss));
        sb.append(
                "| phase | offered | achieved | p50 | p90 | p99 | p99.9 | max | errors |\n|---|---|---|---|---|---|---|---|---|\n");
        for (Phase p : phases) {
            Histogram h = p.latency();
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %,.0f/s | %.3f | %.3f | %.3f | %.3f | %.3f | %d |%n",
                    p.name(),
                    Double.isNaN(p.offered()) ? "closed loop" : String.format(Locale.ROOT, "%,.0f/s", p.offered()),
                    p.achieved(),
                    ms(h, 50),
                    ms(h, 90),
                    ms(h, 99),
                    ms(h, 99.9),
                    h.getMaxValue() / 1000.0,
                    p.errors()));
        }
        sb.append("\nLatencies in ms. Open-loop latencies count from each request's scheduled send time.\n");
        return sb.toString();
    }

    /**
     * Each open-loop rate's tail against its limit in this run: the bare endpoint of the same process at the same
     * rate, sent by the same generator, and the generator's own lag (what no server can answer faster than).
     */
    private String openLoopReport(List<Phase> open, List<Phase> openBare) {
        StringBuilder sb = new StringBuilder();
        sb.append("\n### Open loop against its limit: the bare endpoint at the same rate\n\n");
        sb.append("| offered | `/predict` p50 / p99 / p99.9 | bare endpoint p50 / p99 / p99.9 | generator's lag p99 |"
                + " `/predict` p99 / bare p99 |\n|---|---|---|---|---|\n");
        for (int i = 0; i < open.size(); i++) {
            Histogram p = open.get(i).latency();
            Histogram b = openBare.get(i).latency();
            Histogram lag = generatorLag.get(open.get(i).name());
            sb.append(String.format(
                    Locale.ROOT,
                    "| %,.0f/s | %.3f / %.3f / %.3f | %.3f / %.3f / %.3f | %.3f | **%.2f** |%n",
                    open.get(i).offered(),
                    ms(p, 50),
                    ms(p, 99),
                    ms(p, 99.9),
                    ms(b, 50),
                    ms(b, 99),
                    ms(b, 99.9),
                    ms(lag, 99),
                    ms(p, 99) / ms(b, 99)));
        }
        sb.append("\nThe generator's lag: from a request's scheduled time to its client event loop starting to send it;"
                + " it is part of every open-loop latency, the bare endpoint's too.\n");
        return sb.toString();
    }

    /** A self-contained HTML page: an SVG line chart of p50/p90/p99/p99.9 against offered load (log scale). */
    private static String chart(List<Phase> open) {
        int w = 720;
        int h = 420;
        int left = 70;
        int bottom = 50;
        double maxRate = open.stream().mapToDouble(Phase::offered).max().orElse(1);
        double maxMs = 0.05;
        for (Phase p : open) {
            maxMs = Math.max(maxMs, ms(p.latency(), 99.9));
        }
        double logMin = Math.log10(0.05);
        double logMax = Math.log10(maxMs * 1.2);
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(
                Locale.ROOT,
                "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif' font-size='12'>",
                w,
                h));
        svg.append(String.format(
                Locale.ROOT,
                "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='black'/>",
                left,
                h - bottom,
                w - 20,
                h - bottom));
        svg.append(String.format(
                Locale.ROOT, "<line x1='%d' y1='20' x2='%d' y2='%d' stroke='black'/>", left, left, h - bottom));
        for (double tick : new double[] {0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}) {
            if (tick > maxMs * 1.2) {
                break;
            }
            double y = y(tick, logMin, logMax, h, bottom);
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#ddd'/><text x='%d' y='%.1f' text-anchor='end'>%s ms</text>",
                    left,
                    y,
                    w - 20,
                    y,
                    left - 6,
                    y + 4,
                    tick < 1 ? String.valueOf(tick) : String.valueOf((int) tick)));
        }
        for (Phase p : open) {
            double x = x(p.offered(), maxRate, w, left);
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x='%.1f' y='%d' text-anchor='middle'>%,.0f</text>",
                    x,
                    h - bottom + 18,
                    p.offered()));
        }
        svg.append(String.format(
                Locale.ROOT,
                "<text x='%d' y='%d' text-anchor='middle'>offered load, requests/s (open loop)</text>",
                (w + left) / 2,
                h - 12));
        String[] colours = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a"};
        double[] percentiles = {50, 90, 99, 99.9};
        for (int k = 0; k < percentiles.length; k++) {
            StringBuilder points = new StringBuilder();
            for (Phase p : open) {
                points.append(String.format(
                        Locale.ROOT,
                        "%.1f,%.1f ",
                        x(p.offered(), maxRate, w, left),
                        y(Math.max(0.05, ms(p.latency(), percentiles[k])), logMin, logMax, h, bottom)));
            }
            svg.append(String.format(
                    Locale.ROOT,
                    "<polyline fill='none' stroke='%s' stroke-width='2' points='%s'/>",
                    colours[k],
                    points));
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x='%d' y='%d' fill='%s'>p%s</text>",
                    w - 60,
                    30 + 16 * k,
                    colours[k],
                    percentiles[k] == 99.9 ? "99.9" : String.valueOf((int) percentiles[k])));
        }
        svg.append("</svg>");
        return "<!doctype html><html><head><meta charset='utf-8'><title>inferfn /predict latency</title></head><body>"
                + "<h3>/predict latency percentiles against offered load (log scale)</h3>" + svg + "</body></html>\n";
    }

    private static double x(double rate, double maxRate, int w, int left) {
        return left + 20 + (w - left - 60) * rate / maxRate;
    }

    private static double y(double ms, double logMin, double logMax, int h, int bottom) {
        return (h - bottom) - (h - bottom - 20) * (Math.log10(ms) - logMin) / (logMax - logMin);
    }
}
