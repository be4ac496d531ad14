package io.inferfn.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.RedisOptions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import io.inferfn.features.StoreReply;
import io.inferfn.localstack.LocalRedis;
import io.inferfn.runtime.FeatureStoreConfig;
import io.inferfn.runtime.RedisFeatureStore;

/**
 * Measures fetching the fraud model's four store features for 1, 16 and 256 customers from a real
 * Redis on loopback, in one pipelined round trip through {@link RedisFeatureStore} against one
 * {@code HMGET} per key awaited in turn, because the one round trip per scoring call is the
 * feature store's design premise and this is its price.
 *
 * <p>{@code clientBatch} is the same pipeline sent with the bare Vert.x client, without the
 * store's circuit breaker, timeout and reply copy, to show what those add. The Redis server
 * ({@code redis-server} on PATH, else embedded-redis's binary) is started per trial and seeded with
 * 10,000 {@code customer:<id>} hashes; keys are taken from a shuffled list, a different window each
 * call. The score is time per call; per key is the score divided by {@code keys}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RedisFetchBench {

    private static final int CUSTOMERS = 10_000;
    private static final String[] FIELDS = {"avg_amount_30d", "txn_count_24h", "account_age_days", "chargebacks_1y"};
    private static final Duration AWAIT = Duration.ofSeconds(1);

    @Param({"1", "16", "256"})
    public int keys;

    private LocalRedis server;
    private Vertx vertx;
    private Redis redis;
    private RedisFeatureStore store;
    private String[] allKeys;
    private String[] window;
    private String[][] fields;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        server = LocalRedis.startOnFreePort();
        vertx = Vertx.vertx();
        // the pool the functions get from quarkus.redis.max-pool-size / max-pool-waiting
        redis = Redis.createClient(
                vertx,
                new RedisOptions()
                        .setConnectionString(server.uri())
                        .setMaxPoolSize(16)
                        .setMaxPoolWaiting(256));
        // timers as the functions record them (each round trip by outcome), into a plain registry
        var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        var timers = new io.micrometer.core.instrument.Timer[4];
        for (int i = 0; i < timers.length; i++) {
            timers[i] = registry.timer("fetch", "outcome", Integer.toString(i));
        }
        store = new RedisFeatureStore(redis, new GenerousBudget(), timers);
        SplittableRandom random = new SplittableRandom(7);
        allKeys = new String[CUSTOMERS];
        List<Request> seed = new ArrayList<>();
        for (int i = 0; i < CUSTOMERS; i++) {
            allKeys[i] = "customer:c-" + (1000 + i);
            seed.add(Request.cmd(Command.HSET)
                    .arg(allKeys[i])
                    .arg(FIELDS[0])
                    .arg(String.format(Locale.ROOT, "%.2f", 10 + random.nextDouble() * 150))
                    .arg(FIELDS[1])
                    .arg(Integer.toString(random.nextInt(8)))
                    .arg(FIELDS[2])
                    .arg(Integer.toString(1 + random.nextInt(3650)))
                    .arg(FIELDS[3])
                    .arg(Integer.toString(random.nextInt(20) == 0 ? 1 : 0)));
            if (seed.size() == 500) {
                redis.batch(seed).await().atMost(Duration.ofSeconds(10));
                seed = new ArrayList<>();
            }
        }
        if (!seed.isEmpty()) {
            redis.batch(seed).await().atMost(Duration.ofSeconds(10));
        }
        long size =
                redis.send(Request.cmd(Command.DBSIZE)).await().atMost(AWAIT).toLong();
        if (size != CUSTOMERS) {
            throw new IllegalStateException("seeded " + size + " hashes; expected " + CUSTOMERS);
        }
        for (int i = CUSTOMERS - 1; i > 0; i--) { // shuffled, so that windows are not neighbours
            int j = random.nextInt(i + 1);
            String t = allKeys[i];
            allKeys[i] = allKeys[j];
            allKeys[j] = t;
        }
        window = new String[keys];
        fields = new String[keys][];
        java.util.Arrays.fill(fields, FIELDS);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (redis != null) {
            redis.close();
        }
        if (vertx != null) {
            vertx.closeAndAwait();
        }
        if (server != null) {
            server.close();
        }
        // Mutiny's default pools (a timeout's timer, its callbacks) are not daemon threads and would keep
        // the forked JVM alive; in the functions they are Quarkus' executor. Fresh ones for a next trial.
        // The timer first: its cancelled timeouts would otherwise fire into a stopped executor.
        Infrastructure.getDefaultWorkerPool().shutdownNow();
        ((ExecutorService) Infrastructure.getDefaultExecutor()).shutdown();
        Infrastructure.setDefaultExecutor();
    }

    private void nextWindow() {
        if (next + keys > CUSTOMERS) {
            next = 0;
        }
        System.arraycopy(allKeys, next, window, 0, keys);
        next += keys;
    }

    /** What a scoring call does: every key in one pipelined batch, through the feature store. */
    @Benchmark
    public StoreReply pipelined() {
        nextWindow();
        StoreReply reply = store.fetch(window, fields, keys);
        if (!reply.available()) {
            throw new IllegalStateException("feature store unavailable: " + reply.unavailableReason());
        }
        return reply;
    }

    /** The same pipeline through the bare client: no circuit breaker, no timeout, no reply copy. */
    @Benchmark
    public List<Response> clientBatch() {
        nextWindow();
        List<Request> commands = new ArrayList<>(keys);
        for (int k = 0; k < keys; k++) {
            commands.add(hmget(window[k]));
        }
        return redis.batch(commands).await().atMost(AWAIT);
    }

    /** The naive alternative: one HMGET per key, each awaited before the next is sent. */
    @Benchmark
    public String[][] oneHmgetPerKey() {
        nextWindow();
        String[][] values = new String[keys][];
        for (int k = 0; k < keys; k++) {
            Response hash = redis.send(hmget(window[k])).await().atMost(AWAIT);
            String[] row = new String[FIELDS.length];
            for (int f = 0; f < row.length; f++) {
                Response value = hash.get(f);
                row[f] = value == null ? null : value.toString();
            }
            values[k] = row;
        }
        return values;
    }

    private static Request hmget(String key) {
        Request hmget = Request.cmd(Command.HMGET).arg(key);
        for (String field : FIELDS) {
            hmget.arg(field);
        }
        return hmget;
    }

    /**
     * The functions' feature-store settings with a 1 s budget instead of 25 ms, so that a hiccup of
     * the shared machine is measured as slow rather than turned into a degraded reply.
     */
    private static final class GenerousBudget implements FeatureStoreConfig {

        @Override
        public Duration timeout() {
            return Duration.ofSeconds(1);
        }

        @Override
        public Duration warmUpTimeout() {
            return Duration.ofSeconds(2);
        }

        @Override
        public CircuitBreaker circuitBreaker() {
            return new CircuitBreaker() {
                @Override
                public int requestVolume() {
                    return 10;
                }

                @Override
                public double failureRatio() {
                    return 0.5;
                }

                @Override
                public Duration delay() {
                    return Duration.ofSeconds(1);
                }
            };
        }

        @Override
        public String entityIdPattern() {
            return "[A-Za-z0-9_.-]{1,128}"; // the functions' default
        }

        @Override
        public Pipeline pipeline() {
            return new Pipeline() {
                @Override
                public boolean enabled() {
                    return true;
                }

                @Override
                public Duration deadAfter() {
                    return Duration.ofSeconds(2);
                }

                @Override
                public Duration idleProbeAfter() {
                    return Duration.ofSeconds(5);
                }
            };
        }
    }
}
