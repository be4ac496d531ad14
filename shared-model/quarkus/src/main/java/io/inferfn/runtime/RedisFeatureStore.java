package io.inferfn.runtime;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
    /**
     * The warm-up's own guard, built as {@link #guard} is: the warm-up's round trips go through the same code as the
     * scoring calls (so that it is loaded and run once), but a slow or failed one never counts toward the circuit
     * breaker the scoring calls share.
     */
    private final TypedGuard<Uni<List<Response>>> warmUpGuard;

    private final Duration warmUpTimeout;
    /** The current (or last) warm-up; incomplete from the start until the start's warm-up is over. */
    private volatile CompletableFuture<Void> warmUp = new CompletableFuture<>();

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
        this.warmUpTimeout = config.warmUpTimeout();
        this.guard = guard("redis-feature-store", config.circuitBreaker(), this::circuitChanged);
        this.warmUpGuard = guard("redis-feature-store-warm-up", config.circuitBreaker(), state -> {});
    }

    private static TypedGuard<Uni<List<Response>>> guard(
            String description, FeatureStoreConfig.CircuitBreaker cb, Consumer<CircuitBreakerState> changed) {
        return TypedGuard.create(new TypeLiteral<Uni<List<Response>>>() {})
                .withDescription(description)
                // the guarded round trip starts on the caller's thread and completes where its reply lands
                .withThreadOffload(false)
                .withCircuitBreaker()
                .requestVolumeThreshold(cb.requestVolume())
                .failureRatio(cb.failureRatio())
                .delay(cb.delay().toMillis(), ChronoUnit.MILLIS)
                .successThreshold(1)
                .onStateChange(changed)
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
        return send(commands, context, timeoutMillis);
    }

    /** {@link #send(List, Context)} with a budget of {@code millis} on the event loop. */
    private Uni<List<Response>> send(List<Request> commands, Context context, long millis) {
        return Uni.createFrom().emitter(emitter -> {
            long timer = context == null
                    ? -1
                    : context.owner()
                            .setTimer(
                                    millis,
                                    id -> emitter.fail(millis == timeoutMillis ? timedOut() : timedOut(millis)));
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

    private static TimeoutException timedOut(long millis) {
        return new TimeoutException("redis did not answer within " + millis + " ms");
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
     * Warms the paths scoring calls take, once, at start (and after a SnapStart restore): a {@code PING} on the
     * client's pool (then the window script is loaded), one scoring round trip ({@code MULTI}, {@code HMGET} of a key
     * no feature uses, {@code EXEC}: the commands of a scoring call, through the same guard code, sending and reading)
     * on the blocking path, on a worker, and, with {@link RedisPipelines}, one on every event loop's own connection,
     * which it connects first. A fresh JVM's first call loads and interprets all of that: without it a freshly started
     * function's first calls missed their budget (http-predict's first {@code /predict} batch, 56 ms after start on a
     * busy 2-core machine, all rows degraded; event-score's first polls, whose slow calls opened the circuit breaker
     * and degraded up to 149 of 2,000 readings; the demo's drift function, 100 readings degraded in 6 of 7 runs).
     *
     * <p>None of its round trips is counted in the fetch metrics or toward the circuit breaker. It does not hold up
     * the start: it runs in the background and is over when every round trip has answered or failed, or once {@code
     * inferfn.feature-store.warm-up-timeout} has passed (a cold start never hangs on Redis). Meanwhile {@link
     * #warmingUp()} is true (readiness is DOWN); {@link #warmedUp()} completes when it is over. Its outcome is logged
     * once; a Redis that did not answer is reported unreachable, with the reason, and calls are scored degraded until
     * it answers.
     *
     * @param reconnect make every event loop's connection again before its round trip: after a snapshot restore the
     *     connections made before the snapshot are dead
     * @return completes, never exceptionally, when the warm-up is over
     */
    public synchronized CompletionStage<Void> warmUp(boolean reconnect) {
        CompletableFuture<Void> over = warmUp;
        if (over.isDone()) { // a later warm-up (after a restore): readiness waits for it too
            over = new CompletableFuture<>();
            warmUp = over;
        }
        long start = System.nanoTime();
        long deadline = start + warmUpTimeout.toNanos();
        List<CompletableFuture<Throwable>> steps = new ArrayList<>();
        int loops = 0;
        if (pipelines != null) {
            for (Context loop : pipelines.loops()) {
                CompletableFuture<Throwable> primed = new CompletableFuture<>();
                steps.add(primed);
                loop.runOnContext(v -> primeLoop(loop, reconnect, deadline, primed));
                loops++;
            }
        }
        CompletableFuture<Throwable> pooled = new CompletableFuture<>();
        steps.add(pooled);
        Uni.createFrom()
                .completionStage(() -> redis.send(Request.cmd(Command.PING)).toCompletionStage())
                .ifNoItem()
                .after(warmUpTimeout)
                .failWith(() -> timedOut(warmUpTimeout.toMillis()))
                .subscribe()
                .with(
                        ok -> {
                            loadScript();
                            Infrastructure.getDefaultWorkerPool().execute(() -> pooled.complete(prime(deadline)));
                        },
                        pooled::complete);
        int connections = loops;
        CompletableFuture<Void> warmedUp = over;
        CompletableFuture.allOf(steps.toArray(CompletableFuture[]::new))
                // every step is bounded by the deadline itself; this only guards against one that never ends
                .orTimeout(warmUpTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS)
                .whenComplete((ignored, late) -> {
                    Throwable failure = late;
                    for (CompletableFuture<Throwable> step : steps) {
                        Throwable e = step.getNow(null);
                        if (failure == null && e != null) {
                            failure = e;
                        }
                    }
                    long millis = (System.nanoTime() - start) / 1_000_000;
                    if (failure == null) {
                        LOG.infof(
                                "Redis feature store warmed up in %d ms: one scoring round trip on the pool and on"
                                        + " each of %d event loop connection(s)",
                                millis, connections);
                    } else {
                        unavailableReason = warmUpReason(failure);
                        reachable = false;
                        LOG.warnf(
                                "Redis feature store not warmed up at start after %d ms (%s); serving degraded until"
                                        + " it answers",
                                millis, unavailableReason);
                    }
                    warmedUp.complete(null);
                });
        return over.minimalCompletionStage();
    }

    /** True from the start until the start's warm-up is over, and again during a later one ({@link #warmUp}). */
    public boolean warmingUp() {
        return !warmUp.isDone();
    }

    /** Completes, never exceptionally, when the start's warm-up (or the current one) is over ({@link #warmUp}). */
    public CompletionStage<Void> warmedUp() {
        return warmUp.minimalCompletionStage();
    }

    /** {@link #warmUp}'s round trip on one event loop's own connection, on that loop; {@code primed} gets its failure. */
    private void primeLoop(Context loop, boolean reconnect, long deadline, CompletableFuture<Throwable> primed) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            primed.complete(timedOut(warmUpTimeout.toMillis()));
            return;
        }
        if (reconnect) {
            pipelines.reconnect(loop);
        }
        Uni<List<Response>> guarded;
        try {
            guarded = warmUpGuard.get(() -> send(commands(PRIME_KEY, PRIME_FIELDS, 1, null), loop, left));
        } catch (RuntimeException e) {
            primed.complete(e);
            return;
        }
        guarded.subscribe()
                .with(
                        responses -> {
                            values(responses, PRIME_KEY, PRIME_FIELDS, 1);
                            primed.complete(null);
                        },
                        primed::complete);
    }

    /**
     * {@link #warmUp}'s round trip through the blocking path (the guard, MULTI/HMGET/EXEC, the blocking wait, reading
     * the reply), on a worker; null when it answered, else why not.
     */
    private Throwable prime(long deadline) {
        Duration left = Duration.ofNanos(deadline - System.nanoTime());
        if (left.isNegative() || left.isZero()) {
            return timedOut(warmUpTimeout.toMillis());
        }
        try {
            values(
                    warmUpGuard
                            .get(() -> send(commands(PRIME_KEY, PRIME_FIELDS, 1, null), null)
                                    .ifNoItem()
                                    .after(left)
                                    .failWith(() -> timedOut(warmUpTimeout.toMillis())))
                            .await()
                            .atMost(left.plusMillis(100)),
                    PRIME_KEY,
                    PRIME_FIELDS,
                    1);
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    /** Why the warm-up failed, for readiness: a time-out names the warm-up's bound rather than the budget. */
    private String warmUpReason(Throwable e) {
        Throwable cause =
                e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof TimeoutException || cause instanceof io.smallrye.mutiny.TimeoutException) {
            return "redis did not answer within " + warmUpTimeout.toMillis()
                    + " ms at start (inferfn.feature-store.warm-up-timeout)";
        }
        return reason(cause);
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
