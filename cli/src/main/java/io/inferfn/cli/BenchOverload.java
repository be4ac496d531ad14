package io.inferfn.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import io.inferfn.localstack.FunctionProcess;
import io.inferfn.localstack.LocalRedis;
import io.inferfn.localstack.RedisHashes;

/**
 * The overload fault test: {@code /predict} offered a multiple of its peak throughput (measured in
 * the same run, closed loop) for a fixed time, open loop. Every request must be answered 200, or 503
 * with {@code Retry-After} (load shedding, inferfn.overload.*), and never time out or fail otherwise;
 * once the burst is over, requests at half the peak must all be 200 again. Exit code 1 when not.
 */
@Command(
        name = "overload",
        mixinStandardHelpOptions = true,
        description = "/predict at a multiple of its measured peak: answers must be 200 or 503 with Retry-After, and"
                + " service must recover after the burst.")
final class BenchOverload implements Callable<Integer> {

    @ParentCommand
    BenchCommand bench;

    @Option(
            names = "--factor",
            description = "offered load as a multiple of the measured peak (default: ${DEFAULT-VALUE})",
            defaultValue = "4")
    double factor;

    @Option(names = "--seconds", description = "length of the burst (default: ${DEFAULT-VALUE})", defaultValue = "30")
    int seconds;

    @Option(
            names = "--users",
            split = ",",
            description =
                    "closed-loop users that measure the peak, the best of them counts (default: ${DEFAULT-VALUE})",
            defaultValue = "16,64")
    List<Integer> users;

    @Option(
            names = "--queue-deadline-ms",
            description = "the function's inferfn.overload.queue-deadline, ms (default: ${DEFAULT-VALUE}, the"
                    + " function's default)",
            defaultValue = "100")
    int queueDeadlineMs;

    @Option(
            names = "--connections",
            description = "most connections the load generator opens (default: ${DEFAULT-VALUE})",
            defaultValue = "1024")
    int connections;

    @Option(
            names = "--max-concurrent",
            description = "the function's inferfn.overload.max-concurrent, a fixed limit (default: unset, the adaptive"
                    + " limit)")
    Integer maxConcurrent;

    @Option(names = "--port", description = "http-predict port (default: ${DEFAULT-VALUE})", defaultValue = "18184")
    int port;

    @Option(
            names = "--function-cpus",
            description = "pin the function to these CPUs with taskset (e.g. 0); run the command itself under"
                    + " taskset on the others (taskset -c 1 ./inferfn bench overload --function-cpus 0) so the"
                    + " generator does not take the function's core (default: unpinned)")
    String functionCpus;

    /** A request not answered within this is a timeout: the failure load shedding exists to prevent. */
    static final int ANSWER_TIMEOUT_MS = 10_000;

    private Vertx vertx;
    private HttpClient client;
    /** Every client call runs on this one event loop, so the counters below need no synchronisation. */
    private io.vertx.core.Context loop;

    private final Buffer[] bodies = new Buffer[1024];

    /** What one phase got back; filled on the client's event loop only. */
    static final class Outcome {
        final Histogram ok = new Histogram(3_600_000_000L, 3);
        final Histogram shed = new Histogram(3_600_000_000L, 3);
        /** The same answers timed from when the request went out on a connection: the function's share. */
        final Histogram okOnWire = new Histogram(3_600_000_000L, 3);

        final Histogram shedOnWire = new Histogram(3_600_000_000L, 3);
        final Map<Integer, Long> otherStatus = new TreeMap<>();
        long shedWithoutRetryAfter;
        long failed;
        String firstFailure;
        long sent;
        double seconds;

        long count() {
            return ok.getTotalCount() + shed.getTotalCount() + others() + failed;
        }

        long others() {
            return otherStatus.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    @Override
    public Integer call() throws Exception {
        Path home = bench.parent.home.toAbsolutePath().normalize();
        Path work = home.resolve(".inferfn/bench");
        Files.createDirectories(work);
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < bodies.length; i++) {
            bodies[i] = Buffer.buffer(Samples.random(random));
        }
        vertx = Vertx.vertx();
        loop = vertx.getOrCreateContext();
        client = vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(true).setPipelining(false),
                new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
        try (LocalRedis redis = LocalRedis.onPort(0, line -> {})) {
            redis.start();
            RedisHashes.load(vertx, redis.uri(), home.resolve("models/fraud/customers.csv"), "customer:");
            try (FunctionProcess fn = startFunction(home, redis.uri(), work)) {
                closedLoop(4, 8); // warm-up: JIT the path before anything is recorded
                Outcome peak = null;
                int peakUsers = 0;
                for (int u : users) {
                    Outcome o = closedLoop(u, 10);
                    System.out.printf(
                            Locale.ROOT,
                            "closed loop, %d users: %,.0f req/s answered 200%n",
                            u,
                            o.ok.getTotalCount() / o.seconds);
                    if (peak == null || o.ok.getTotalCount() / o.seconds > peak.ok.getTotalCount() / peak.seconds) {
                        peak = o;
                        peakUsers = u;
                    }
                }
                double peakRate = peak.ok.getTotalCount() / peak.seconds;
                if (peakRate < 1) {
                    System.err.println("no request was answered 200 while the peak was measured (first failure: "
                            + peak.firstFailure + "); the function's log is in .inferfn/bench/");
                    return 1;
                }
                int burstRate = (int) Math.round(peakRate * factor);
                System.out.printf(
                        Locale.ROOT,
                        "peak: %,.0f req/s answered 200 (closed loop, %d users); burst: %,d req/s for %d s%n",
                        peakRate,
                        peakUsers,
                        burstRate,
                        seconds);
                Outcome burst = openLoop(burstRate, seconds);
                String limitAfterBurst = overloadState();
                Thread.sleep(1_000); // what Retry-After asked for
                int calmRate = Math.max(1, (int) Math.round(peakRate / 2));
                Outcome after = openLoop(calmRate, 10);
                String report = report(peak, peakUsers, peakRate, burst, burstRate, after, calmRate, fn.rssMib())
                        + "\nShedding right after the burst (readiness, inferfn-overload): " + limitAfterBurst + "\n";
                System.out.println(report);
                Files.writeString(work.resolve("overload.md"), report);
                System.out.println("written: " + home.relativize(work.resolve("overload.md")));
                return passed(burst, after) ? 0 : 1;
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private FunctionProcess startFunction(Path home, String redis, Path work) throws Exception {
        return FunctionProcess.startReady(
                "http-predict-overload",
                home.resolve("functions/http-predict/target/quarkus-app/quarkus-run.jar"),
                port,
                env(redis, home),
                work,
                List.of("-Xmx256m"),
                functionCpus == null ? List.of() : List.of("taskset", "-c", functionCpus));
    }

    private Map<String, String> env(String redis, Path home) {
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "INFERFN_MODEL_LOCATIONS",
                "file:" + home.resolve("models/fraud/2"),
                "QUARKUS_REDIS_HOSTS",
                redis,
                "INFERFN_AUTH_ENABLED",
                "false",
                "INFERFN_OVERLOAD_QUEUE_DEADLINE",
                queueDeadlineMs + "ms"));
        if (maxConcurrent != null) {
            env.put("INFERFN_OVERLOAD_MAX_CONCURRENT", maxConcurrent.toString());
        }
        return env;
    }

    /** The inferfn-overload readiness check's data: the limit, and the requests in flight and waiting. */
    private String overloadState() {
        try {
            return loop.<String>executeBlocking(() -> null)
                    .compose(v -> client.request(HttpMethod.GET, port, "127.0.0.1", "/q/health/ready"))
                    .compose(req -> req.send())
                    .compose(resp -> resp.body())
                    .map(body -> {
                        for (Object check : new io.vertx.core.json.JsonObject(body).getJsonArray("checks")) {
                            io.vertx.core.json.JsonObject c = (io.vertx.core.json.JsonObject) check;
                            if ("inferfn-overload".equals(c.getString("name"))) {
                                return c.getJsonObject("data").encode();
                            }
                        }
                        return "no inferfn-overload check";
                    })
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            return "unknown (" + e + ")";
        }
    }

    static boolean passed(Outcome burst, Outcome after) {
        return burst.failed == 0
                && burst.others() == 0
                && burst.shedWithoutRetryAfter == 0
                && after.count() == after.ok.getTotalCount();
    }

    /** One answer, and when its request went out on a connection (after any wait for one in the generator). */
    record Answer(int status, boolean retryAfter, long sentNanos) {}

    /** Fails when not answered within {@link #ANSWER_TIMEOUT_MS}. */
    private Future<Answer> send(Buffer body) {
        return client.request(new RequestOptions()
                        .setMethod(HttpMethod.POST)
                        .setHost("127.0.0.1")
                        .setPort(port)
                        .setURI("/predict")
                        .setTimeout(ANSWER_TIMEOUT_MS))
                .compose(req -> {
                    long sent = System.nanoTime();
                    req.putHeader("content-type", "application/json");
                    return req.send(body).compose(resp -> resp.body()
                            .map(b -> new Answer(resp.statusCode(), resp.getHeader("Retry-After") != null, sent)));
                });
    }

    /** {@code start}: when the request was due (open loop) or sent (closed loop). */
    private void record(Outcome outcome, io.vertx.core.AsyncResult<Answer> result, long start) {
        long now = System.nanoTime();
        if (result.failed()) {
            if (outcome.failed++ == 0) {
                outcome.firstFailure = result.cause().toString();
            }
            return;
        }
        Answer answer = result.result();
        long micros = Math.max(1, (now - start) / 1000);
        long onWire = Math.max(1, (now - answer.sentNanos()) / 1000);
        if (answer.status() == 200) {
            outcome.ok.recordValue(micros);
            outcome.okOnWire.recordValue(onWire);
        } else if (answer.status() == 503) {
            outcome.shed.recordValue(micros);
            outcome.shedOnWire.recordValue(onWire);
            if (!answer.retryAfter()) {
                outcome.shedWithoutRetryAfter++;
            }
        } else {
            outcome.otherStatus.merge(answer.status(), 1L, Long::sum);
        }
    }

    /** N users, each sending its next request when the previous answer arrives. */
    private Outcome closedLoop(int users, int seconds) throws InterruptedException {
        Outcome outcome = new Outcome();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        CountDownLatch finished = new CountDownLatch(users);
        for (int u = 0; u < users; u++) {
            int user = u;
            loop.runOnContext(v -> user(outcome, user, end, finished));
        }
        finished.await(seconds + 30L, TimeUnit.SECONDS);
        outcome.seconds = (System.nanoTime() - start) / 1e9;
        return outcome;
    }

    private void user(Outcome outcome, int user, long end, CountDownLatch finished) {
        if (System.nanoTime() >= end) {
            finished.countDown();
            return;
        }
        long start = System.nanoTime();
        send(bodies[(int) (outcome.sent++ * 31 + user) & (bodies.length - 1)]).onComplete(result -> {
            record(outcome, result, start);
            user(outcome, user, end, finished);
        });
    }

    /**
     * Requests sent on a fixed schedule whatever the answers do; each latency counts from its scheduled
     * time, so waiting in the generator or the function both show (no coordinated omission).
     */
    private Outcome openLoop(int rate, int seconds) throws InterruptedException {
        Outcome outcome = new Outcome();
        long total = (long) rate * seconds;
        CountDownLatch finished = new CountDownLatch(1);
        long interval = 1_000_000_000L / rate;
        long t0 = System.nanoTime();
        long next = 0;
        while (next < total) {
            long due = Math.min(total, (System.nanoTime() - t0) / interval + 1);
            if (due > next) {
                long from = next;
                long to = due;
                loop.runOnContext(v -> {
                    for (long i = from; i < to; i++) {
                        long intended = t0 + i * interval;
                        outcome.sent++;
                        send(bodies[(int) (i & (bodies.length - 1))]).onComplete(result -> {
                            record(outcome, result, intended);
                            if (outcome.count() == total) {
                                finished.countDown();
                            }
                        });
                    }
                });
                next = due;
            } else {
                LockSupport.parkNanos(100_000);
            }
        }
        double sending = (System.nanoTime() - t0) / 1e9;
        if (!finished.await(ANSWER_TIMEOUT_MS / 1000 + 30L, TimeUnit.SECONDS)) {
            System.err.println("not every request was answered or failed within the client timeout");
        }
        outcome.seconds = sending;
        return outcome;
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
    }

    private static double max(Histogram h) {
        return h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1000.0;
    }

    private String report(
            Outcome peak,
            int peakUsers,
            double peakRate,
            Outcome burst,
            int burstRate,
            Outcome after,
            int calmRate,
            long rss) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "## /predict at %.0f× its peak for %d s (%s, queue deadline %d ms)%n%n",
                factor,
                seconds,
                functionCpus == null
                        ? Runtime.getRuntime().availableProcessors() + " cores shared by function and generator"
                        : "function pinned to CPU " + functionCpus + ", generator on CPUs "
                                + Runtime.getRuntime().availableProcessors() + " left to it",
                queueDeadlineMs));
        sb.append(String.format(
                Locale.ROOT,
                "- peak, closed loop with %d users: %,.0f req/s (200s: %,d; 503s: %,d)%n",
                peakUsers,
                peakRate,
                peak.ok.getTotalCount(),
                peak.shed.getTotalCount()));
        sb.append(String.format(
                Locale.ROOT,
                "- burst: %,d req/s offered (%,d requests), sent in %.1f s: %,.0f req/s achieved by the generator%n",
                burstRate,
                burst.sent,
                burst.seconds,
                burst.sent / burst.seconds));
        sb.append(String.format(
                Locale.ROOT,
                "- 503s without Retry-After: %d; other statuses: %s; no answer within %d s or failed: %d%s%n",
                burst.shedWithoutRetryAfter,
                burst.otherStatus.isEmpty() ? "none" : burst.otherStatus.toString(),
                ANSWER_TIMEOUT_MS / 1000,
                burst.failed,
                burst.firstFailure == null ? "" : " (first: " + burst.firstFailure + ")"));
        sb.append(String.format(
                Locale.ROOT,
                "- recovery, 1 s later at %,d req/s for 10 s: %,d of %,d answered 200%s%n",
                calmRate,
                after.ok.getTotalCount(),
                after.count(),
                after.count() == after.ok.getTotalCount()
                        ? ""
                        : " (503s: " + after.shed.getTotalCount() + ", other: " + after.otherStatus + ", failed: "
                                + after.failed + ")"));
        sb.append(String.format(Locale.ROOT, "- http-predict RSS after the run: %d MiB%n%n", rss));
        sb.append("| phase | answer | count | p50 | p99 | max | on the wire: p50 | p99 | max |\n"
                + "|---|---|---|---|---|---|---|---|---|\n");
        row(sb, "peak (closed loop)", "200", peak.ok, peak.okOnWire);
        row(sb, "burst", "200", burst.ok, burst.okOnWire);
        row(sb, "burst", "503 + Retry-After", burst.shed, burst.shedOnWire);
        row(sb, "recovery", "200", after.ok, after.okOnWire);
        sb.append(String.format(
                Locale.ROOT,
                "%nLatencies in ms. Open-loop latencies count from each request's scheduled send time, so they include"
                        + " waiting in the generator for a connection; \"on the wire\" counts from when the request went"
                        + " out on one. Slowest 503 on the wire against the queue deadline: %.1f ms vs %d ms.%n%s%n",
                max(burst.shedOnWire),
                queueDeadlineMs,
                passed(burst, after)
                        ? "**PASS**: every answer a 200 or a 503 with Retry-After, none timed out, and all 200 after."
                        : "**FAIL**: see above."));
        return sb.toString();
    }

    private static void row(StringBuilder sb, String phase, String answer, Histogram h, Histogram onWire) {
        sb.append(String.format(
                Locale.ROOT,
                "| %s | %s | %,d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |%n",
                phase,
                answer,
                h.getTotalCount(),
                ms(h, 50),
                ms(h, 99),
                max(h),
                ms(onWire, 50),
                ms(onWire, 99),
                max(onWire)));
    }
}
