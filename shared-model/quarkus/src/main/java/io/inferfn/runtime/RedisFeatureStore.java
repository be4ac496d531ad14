package io.inferfn.runtime;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import jakarta.enterprise.util.TypeLiteral;

import io.micrometer.core.instrument.Timer;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;

import io.inferfn.features.FeatureStore;
import io.inferfn.features.StoreReply;
import io.inferfn.features.WindowScript;
import io.inferfn.features.WindowUpdate;
import io.inferfn.runtime.metrics.InferfnMetrics.FetchOutcome;

/**
 * {@link FeatureStore} on the Quarkus Redis client: one pipelined batch of {@code HMGET}s per
 * scoring call (one network round trip however many rows and key patterns), bounded by the
 * configured budget, behind a circuit breaker so that an unwell Redis costs requests nothing once
 * detected and is probed again by itself.
 *
 * <p>Faults never escape: timeouts, refused connections, a full connection pool and an open
 * circuit all become {@link StoreReply#unavailable}, which the scorer turns into defaults and
 * {@code degraded: true}.
 *
 * <p>{@link #fetchAsync} is the same round trip for a caller on a Vert.x event loop: the budget is a timer
 * on that event loop, and the reply (or the timeout) is handed over on it, so HTTP scoring goes on
 * there without a thread hop; with {@link RedisPipelines}, the batch goes out on that loop's own pipelined
 * connection, together with the other calls of the loop's turn. {@link #fetch} blocks the calling (worker) thread until the reply or
 * the budget. Both share the circuit breaker, the timers and the health state.
 *
 * <p>The {@code HMGET}s run inside {@code MULTI}/{@code EXEC}, still one write and one reply: a
 * key Redis cannot read as a hash ({@code WRONGTYPE}: a string where a hash belongs) then fails
 * only its own command, inside the {@code EXEC} reply, and degrades only the rows that needed it.
 * A plain pipeline would fail the whole batch on that one reply, and count it toward the circuit
 * breaker every caller shares, so one bad key could force degraded scoring on everyone. Only
 * faults of Redis itself (no answer, refused, {@code LOADING}...) count toward the breaker.
 */
public final class RedisFeatureStore implements FeatureStore {

    private static final Logger LOG = Logger.getLogger(RedisFeatureStore.class);

    /** At most one warning a minute about unreadable keys: a caller must not be able to flood the log. */
    private static final long KEY_WARNING_INTERVAL_NANOS = 60_000_000_000L;

    private static final String[] PRIME_KEY = {"inferfn:prime"};
    private static final String[][] PRIME_FIELDS = {{"prime"}};

    private final io.vertx.redis.client.Redis redis;
    private final RedisPipelines pipelines;
    private final long timeoutMillis;
    private volatile long lastKeyWarning = System.nanoTime() - KEY_WARNING_INTERVAL_NANOS;
    private final Duration timeout;
    private final TypedGuard<Uni<List<Response>>> guard;
    private volatile boolean reachable = true;
    private volatile String unavailableReason = "";
    private volatile CircuitBreakerState circuit = CircuitBreakerState.CLOSED;
    private final Timer[] fetchTimers;

    /**
     * @param fetchTimers where each round trip's duration is recorded, by {@link FetchOutcome#ordinal()}
     */
    public RedisFeatureStore(Redis redis, FeatureStoreConfig config, Timer[] fetchTimers) {
        this(redis, config, fetchTimers, null);
    }

    /**
     * @param pipelines where calls made on an event loop go ({@link RedisPipelines}); null sends them through
     *     {@code redis}' pool like the others
     */
    RedisFeatureStore(Redis redis, FeatureStoreConfig config, Timer[] fetchTimers, RedisPipelines pipelines) {
        this.redis = redis.getDelegate();
        this.pipelines = pipelines;
        this.fetchTimers = fetchTimers;
        this.timeout = config.timeout();
        this.timeoutMillis = Math.max(1, timeout.toMillis());
        FeatureStoreConfig.CircuitBreaker cb = config.circuitBreaker();
        this.guard = TypedGuard.create(new TypeLiteral<Uni<List<Response>>>() {})
                .withDescription("redis-feature-store")
                // the guarded round trip starts on the caller's thread and completes where its reply lands
                .withThreadOffload(false)
                .withCircuitBreaker()
                .requestVolumeThreshold(cb.requestVolume())
                .failureRatio(cb.failureRatio())
                .delay(cb.delay().toMillis(), ChronoUnit.MILLIS)
                .successThreshold(1)
                .onStateChange(this::circuitChanged)
                .done()
                .build();
    }

    @Override
    public StoreReply fetch(String[] keys, String[][] fields, int count) {
        return fetch(keys, fields, count, null);
    }

    /**
     * The {@code HMGET}s and, when the call has window features, one {@code EVALSHA} of {@link WindowScript}
     * in the same {@code MULTI}/{@code EXEC}: still one write and one reply. Redis that lost its script
     * cache (a restart, a {@code SCRIPT FLUSH}, a failover) answers {@code NOSCRIPT}; the script is then
     * sent once with {@code EVAL}, within the same budget, and cached again for the next calls.
     */
    @Override
    public StoreReply fetch(String[] keys, String[][] fields, int count, WindowUpdate windows) {
        WindowUpdate w = windows == null || windows.ops() == 0 ? null : windows;
        List<Request> commands = commands(keys, fields, count, w);
        long start = System.nanoTime();
        List<Response> responses;
        try {
            responses = guard.get(
                            () -> send(commands, null).ifNoItem().after(timeout).failWith(this::timedOut))
                    .await()
                    .atMost(timeout.plusMillis(100));
        } catch (RuntimeException e) {
            return failed(e, start);
        }
        StoreReply reply = replied(responses, keys, fields, count, start);
        if (w != null) {
            Response script = responses.get(responses.size() - 1).get(count);
            if (script != null
                    && script.type() == ResponseType.ERROR
                    && script.toString().startsWith("NOSCRIPT")) {
                script = evalAgain(w, start);
            }
            windows(script, w);
        }
        return reply;
    }

    /**
     * Loads the window script into Redis' script cache ({@code SCRIPT LOAD}), without waiting: at start, so
     * that the first poll's {@code EVALSHA} finds it, and after a {@code NOSCRIPT} that left no budget for
     * an {@code EVAL}. Its outcome does not matter: a poll that still finds no script sends it with EVAL.
     */
    private void loadScript() {
        redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(WindowScript.SOURCE));
    }

    /** The script once more, with its source ({@code EVAL}), in what is left of the budget; null when that fails. */
    private Response evalAgain(WindowUpdate w, long start) {
        Duration left = timeout.minusNanos(System.nanoTime() - start);
        if (left.isNegative() || left.isZero()) {
            loadScript();
            return null;
        }
        try {
            return Uni.createFrom()
                    .completionStage(() -> redis.send(script(Command.EVAL, WindowScript.SOURCE, w))
                            .toCompletionStage())
                    .ifNoItem()
                    .after(left)
                    .fail()
                    .await()
                    .atMost(left.plusMillis(100));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Hands the script's reply to {@code w}; leaves it unanswered (defaults, degraded) when the script failed. */
    private void windows(Response script, WindowUpdate w) {
        if (script == null) {
            return;
        }
        if (script.type() == ResponseType.ERROR) {
            unreadable("the window script", script);
            return;
        }
        int n = script.size();
        if (n != w.ops() * WindowScript.STATS) {
            return;
        }
        for (int i = 0; i < n; i++) {
            Response v = script.get(i);
            w.answer(i, v == null ? null : v.toString());
        }
    }

    @Override
    public void fetchAsync(String[] keys, String[][] fields, int count, Consumer<StoreReply> done) {
        Context context = Vertx.currentContext();
        if (context == null || !Context.isOnEventLoopThread()) {
            done.accept(fetch(keys, fields, count)); // a worker may block; the timer below needs an event loop
            return;
        }
        List<Request> commands = commands(keys, fields, count, null);
        long start = System.nanoTime();
        Uni<List<Response>> guarded;
        try {
            guarded = guard.get(() -> send(commands, context));
        } catch (RuntimeException e) { // an open circuit may refuse before any Uni exists
            done.accept(failed(e, start));
            return;
        }
        guarded.subscribe()
                .with(
                        responses -> done.accept(replied(responses, keys, fields, count, start)),
                        failure -> done.accept(failed(failure, start)));
    }

    /** MULTI, one HMGET per key, the window script when there is one, EXEC: one write, one reply. */
    private static List<Request> commands(String[] keys, String[][] fields, int count, WindowUpdate windows) {
        List<Request> commands = new ArrayList<>(count + 3);
        commands.add(Request.cmd(Command.MULTI));
        for (int k = 0; k < count; k++) {
            Request hmget = Request.cmd(Command.HMGET).arg(keys[k]);
            for (String field : fields[k]) {
                hmget.arg(field);
            }
            commands.add(hmget);
        }
        if (windows != null) {
            commands.add(script(Command.EVALSHA, WindowScript.SHA1, windows));
        }
        commands.add(Request.cmd(Command.EXEC));
        return commands;
    }

    /** {@code EVALSHA sha} or {@code EVAL source} of the window script with the call's keys and arguments. */
    private static Request script(Command command, String script, WindowUpdate windows) {
        Request r = Request.cmd(command).arg(script).arg(windows.keyCount());
        String[] k = windows.keys();
        for (int i = 0; i < windows.keyCount(); i++) {
            r.arg(k[i]);
        }
        String[] a = windows.args();
        for (int i = 0; i < windows.argCount(); i++) {
            r.arg(a[i]);
        }
        return r;
    }

    /**
     * The batch as a Uni. With an event-loop {@code context}, the budget is a timer on that event loop: the
     * reply or the timeout is delivered there (the client completes a caller's request on the caller's
     * context). Without one, the caller bounds it. With an event-loop context and {@link RedisPipelines}, the batch
     * goes out on that loop's own connection.
     */
    private Uni<List<Response>> send(List<Request> commands, Context context) {
        return Uni.createFrom().emitter(emitter -> {
            long timer = context == null ? -1 : context.owner().setTimer(timeoutMillis, id -> emitter.fail(timedOut()));
            Handler<AsyncResult<List<Response>>> done = result -> {
                if (timer >= 0) {
                    context.owner().cancelTimer(timer);
                }
                if (result.succeeded()) {
                    emitter.complete(result.result());
                } else {
                    emitter.fail(result.cause());
                }
            };
            if (context != null && pipelines != null) {
                pipelines.batch(commands, context, done);
            } else {
                redis.batch(commands).onComplete(done);
            }
        });
    }

    private TimeoutException timedOut() {
        return new TimeoutException("redis did not answer within " + timeout.toMillis() + " ms");
    }

    private StoreReply failed(Throwable e, long start) {
        fetchTimers[outcome(e).ordinal()].record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        String reason = reason(e);
        unavailableReason = reason;
        reachable = false;
        return StoreReply.unavailable(reason);
    }

    private StoreReply replied(List<Response> responses, String[] keys, String[][] fields, int count, long start) {
        fetchTimers[FetchOutcome.OK.ordinal()].record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        reachable = true;
        return StoreReply.of(values(responses, keys, fields, count));
    }

    /** The EXEC reply's hashes as field values by key; a key Redis could not read as a hash stays null. */
    private String[][] values(List<Response> responses, String[] keys, String[][] fields, int count) {
        // MULTI's OK and one QUEUED per command come first; EXEC's reply holds the HMGET replies (then the script's)
        Response exec = responses.get(responses.size() - 1);
        String[][] values = new String[count][];
        for (int k = 0; k < count; k++) {
            Response hash = exec.get(k);
            if (hash != null && hash.type() == ResponseType.ERROR) {
                unreadable("key " + keys[k] + " as a hash", hash);
                continue; // values[k] stays null: its rows fall back to defaults, degraded
            }
            String[] row = new String[fields[k].length];
            for (int f = 0; f < row.length; f++) {
                Response value = hash == null ? null : hash.get(f);
                row[f] = value == null ? null : value.toString();
            }
            values[k] = row;
        }
        return values;
    }

    /**
     * A key that is not a hash, or a window script that failed (a window key of another type): the rows that
     * needed it are degraded; the operator hears of it, at most once a minute.
     */
    private void unreadable(String what, Response error) {
        long now = System.nanoTime();
        long last = lastKeyWarning;
        if (now - last >= KEY_WARNING_INTERVAL_NANOS) {
            lastKeyWarning = now;
            LOG.warnf(
                    "Redis could not read %s (%s); rows that need it are scored with defaults, degraded (further"
                            + " such errors are not logged for a minute)",
                    what, error);
        }
    }

    /** Closes the event loops' own connections (at shutdown). */
    void close() {
        if (pipelines != null) {
            pipelines.close();
        }
    }

    /**
     * One PING so that the first scoring call does not pay for connecting (and each event loop's own connection,
     * with {@link RedisPipelines}). It does not block the
     * start (a cold start must not wait on Redis); its outcome is logged once.
     */
    public void warmUp(Duration within) {
        if (pipelines != null) {
            pipelines.connectAll();
        }
        long start = System.nanoTime();
        Uni.createFrom()
                .completionStage(() -> redis.send(Request.cmd(Command.PING)).toCompletionStage())
                .ifNoItem()
                .after(within)
                .fail()
                .subscribe()
                .with(
                        ok -> {
                            LOG.infof(
                                    "Redis feature store connected in %d ms", (System.nanoTime() - start) / 1_000_000);
                            loadScript();
                            Infrastructure.getDefaultWorkerPool().execute(() -> prime(within));
                        },
                        e -> {
                            unavailableReason = reason(e);
                            reachable = false;
                            LOG.warnf(
                                    "Redis feature store not reachable at start (%s); serving degraded until it is",
                                    unavailableReason);
                        });
    }

    /**
     * One round trip through the scoring path (the guard, MULTI/HMGET/EXEC, the blocking wait, reading the reply) for
     * a key no feature uses, on a worker, uncounted in the fetch metrics. A fresh JVM's first call loads and
     * interprets all of that: without this, the demo's freshly started drift function missed the 25 ms budget on its
     * first poll (its 100 readings scored degraded in 6 of 7 runs on a 2-core machine, 0 of 2 since). Its outcome is
     * only logged at debug level.
     */
    private void prime(Duration within) {
        long start = System.nanoTime();
        try {
            values(
                    guard.get(() -> send(commands(PRIME_KEY, PRIME_FIELDS, 1, null), null)
                                    .ifNoItem()
                                    .after(within)
                                    .failWith(this::timedOut))
                            .await()
                            .atMost(within.plusMillis(100)),
                    PRIME_KEY,
                    PRIME_FIELDS,
                    1);
            LOG.debugf("Redis feature store: scoring path primed in %d ms", (System.nanoTime() - start) / 1_000_000);
        } catch (RuntimeException e) {
            LOG.debugf("Redis feature store: priming the scoring path failed (%s)", reason(e));
        }
    }

    private static FetchOutcome outcome(Throwable e) {
        if (e instanceof CircuitBreakerOpenException) {
            return FetchOutcome.BREAKER_OPEN;
        }
        Throwable cause =
                e.getCause() != null && e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
        return cause instanceof TimeoutException || cause instanceof io.smallrye.mutiny.TimeoutException
                ? FetchOutcome.TIMEOUT
                : FetchOutcome.ERROR;
    }

    private String reason(Throwable e) {
        if (e instanceof CircuitBreakerOpenException) {
            return "redis circuit open after repeated failures; probing again shortly";
        }
        Throwable cause =
                e.getCause() != null && e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
        if (cause instanceof TimeoutException || cause instanceof io.smallrye.mutiny.TimeoutException) {
            return "redis did not answer within " + timeout.toMillis() + " ms";
        }
        String reason = "redis unavailable: " + cause.getMessage();
        if (cause instanceof javax.net.ssl.SSLException) {
            // Vert.x reports every refused handshake as "Failed to create SSL connection"; the reason (a certificate
            // for another host, an untrusted one) is the innermost cause
            Throwable root = cause;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            if (root != cause && root.getMessage() != null) {
                return reason + ": " + root.getMessage();
            }
        }
        return reason;
    }

    private void circuitChanged(CircuitBreakerState state) {
        circuit = state;
        if (state == CircuitBreakerState.OPEN) {
            LOG.warnf("Redis feature store failing; circuit open, serving defaults (degraded) without calling Redis");
        } else if (state == CircuitBreakerState.CLOSED) {
            LOG.infof("Redis feature store recovered; circuit closed");
        }
    }

    @Override
    public boolean reachable() {
        return reachable;
    }

    /**
     * Why the last call to Redis failed (a refused connection, a certificate for another host, a
     * timeout), for health reporting; meaningful while {@link #reachable()} is false.
     */
    public String unavailableReason() {
        return unavailableReason;
    }

    /** The circuit breaker's state, for health reporting. */
    public CircuitBreakerState circuit() {
        return circuit;
    }
}
