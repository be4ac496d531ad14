package io.inferfn.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.jboss.logging.Logger;

/**
 * One pipelined Redis connection per Vert.x event loop, for the scoring calls made on that loop: the command batches
 * of the requests a loop reads in one turn go out in one write at the end of the turn, and their replies come back
 * on the same loop, usually in one read. The Quarkus client's pool creates every connection on the one event loop
 * the client was made on, and a request borrows and returns one per call; here a request never leaves its loop and
 * concurrent requests share a socket's write, read and wake-up instead of each paying its own.
 *
 * <p>Each loop's connection comes from a client of its own (the Quarkus client's options: hosts, password, TLS),
 * made on that loop. A connection Redis closed (a restart) is made again by the next call. One that has answered
 * nothing for {@code deadAfter} while commands wait on it (a Redis gone without closing the socket: a network
 * partition, a failover to another host, a stopped VM) is closed, with one warning, and made again at once, whether
 * or not calls follow: its waiting commands fail with that reason, and the next call finds a live connection. A
 * connection with nothing to do for {@code idleProbeAfter} is sent a {@code PING}, watched the same way, so that one
 * Redis went silent on while idle is found and made again before a request pays for it. A call's budget, its timeout
 * and the circuit breaker stay with the caller ({@link RedisFeatureStore}).
 */
final class RedisPipelines {

    private static final Logger LOG = Logger.getLogger(RedisPipelines.class);

    /**
     * Most commands one write carries: a turn's calls are cut into writes of about this size (a call is never
     * split), so that one write never asks the connection to hold more replies than it has room for.
     */
    private static final int COMMANDS_PER_WRITE = 1024;

    private final Vertx vertx;
    private final RedisOptions options;
    private final long deadAfterNanos;
    private final long idleProbeNanos;
    private final FastThreadLocal<Pipeline> perLoop = new FastThreadLocal<>();
    private final List<Pipeline> all = new CopyOnWriteArrayList<>();

    /**
     * @param options the Quarkus client's options (copied; each loop's client holds one connection)
     * @param deadAfter how long a connection with commands waiting may stay silent before it is made again
     * @param idleProbeAfter how long a connection may have nothing to do before it is sent a PING; zero: never
     */
    RedisPipelines(Vertx vertx, RedisOptions options, Duration deadAfter, Duration idleProbeAfter) {
        this.vertx = vertx;
        this.options = new RedisOptions(options)
                .setMaxPoolSize(1)
                // every call in flight on the loop waits on this one connection: room for many full batches
                .setMaxWaitingHandlers(Math.max(options.getMaxWaitingHandlers(), 64 * COMMANDS_PER_WRITE));
        this.deadAfterNanos = deadAfter.toNanos();
        this.idleProbeNanos = Math.max(0, idleProbeAfter.toNanos());
    }

    /**
     * Sends {@code commands} on the calling event loop's connection at the end of this turn of the loop; {@code done}
     * is called on {@code context} (the caller's, which must be on an event loop) with their replies, in order.
     */
    void batch(List<Request> commands, Context context, Handler<AsyncResult<List<Response>>> done) {
        pipeline((ContextInternal) context).add(new Call(commands, (ContextInternal) context, done));
    }

    /**
     * A context on each event loop, to run work there: the start's warm-up ({@link RedisFeatureStore#warmUp}) sends
     * one call on each loop's connection, which connects it, so that the first requests on a loop neither spend their
     * budget on a connection nor run that path cold.
     */
    List<Context> loops() {
        VertxInternal owner = (VertxInternal) vertx;
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        List<Context> loops = new ArrayList<>();
        for (EventExecutor loop : owner.getEventLoopGroup()) {
            loops.add(owner.createEventLoopContext((EventLoop) loop, null, loader));
        }
        return loops;
    }

    /**
     * Closes the connection of {@code context}'s event loop, if it has one, so that its next call makes a new one
     * (after a snapshot restore: a connection made before the snapshot is dead). Call on that loop.
     */
    void reconnect(Context context) {
        Pipeline pipeline = pipeline((ContextInternal) context);
        if (pipeline.connection != null) {
            pipeline.drop();
        }
    }

    /** The calling event loop's pipeline, made on first use; {@code context} is on that loop. */
    private Pipeline pipeline(ContextInternal context) {
        Pipeline pipeline = perLoop.getIfExists();
        if (pipeline == null) {
            pipeline = new Pipeline(context.unwrap());
            perLoop.set(pipeline);
            all.add(pipeline);
        }
        return pipeline;
    }

    /** Closes every loop's connection (at shutdown). */
    void close() {
        for (Pipeline p : all) {
            p.context.runOnContext(v -> p.drop());
        }
    }

    private record Call(List<Request> commands, ContextInternal context, Handler<AsyncResult<List<Response>>> done) {

        void answer(AsyncResult<List<Response>> result) {
            context.emit(result, done);
        }
    }

    /** One event loop's connection and the calls of its current turn; touched only from that loop. */
    private final class Pipeline {

        final ContextInternal context;
        /** Checks, {@code deadAfter} after a write, that the connection has answered since; one per loop. */
        private final Handler<Long> checkSilence = id -> checkSilence();
        /** Sends the idle probe when the connection has had nothing to do for {@code idleProbeAfter}; one per loop. */
        private final Handler<Long> probeIfIdle = id -> probeIfIdle();

        private List<Call> queued = new ArrayList<>();
        private boolean flushScheduled;
        private Redis client;
        private RedisConnection connection;
        private boolean connecting;
        /** Writes sent and not yet answered, and since when the connection has been silent with some waiting. */
        private int inFlight;

        private long silentSince;
        /** The {@link #checkSilence} timer while one is set, else -1. */
        private long watchdog = -1;
        /** The {@link #probeIfIdle} timer while one is set, else -1; set while there is a connection. */
        private long idleTimer = -1;
        /** An idle probe sent on this connection and not answered yet. */
        private boolean probing;
        /** The last connection dropped for its silence, and what its waiting commands fail with. */
        private RedisConnection silentConnection;

        private Future<List<Response>> silentFailure;

        Pipeline(ContextInternal context) {
            this.context = context;
        }

        void add(Call call) {
            queued.add(call);
            if (!flushScheduled) {
                flushScheduled = true;
                // a task runs after the loop has handled every socket that was ready: the turn's calls are all in
                context.runOnContext(v -> flush());
            }
        }

        private void flush() {
            flushScheduled = false;
            if (queued.isEmpty()) {
                return;
            }
            if (connection != null && inFlight > 0) {
                long silent = System.nanoTime() - silentSince;
                if (silent > deadAfterNanos) {
                    dropSilent(silent); // the check is late (a busy loop): the calls below go to a new connection
                }
            }
            if (connection == null) {
                connect();
                return;
            }
            List<Call> calls = queued;
            queued = new ArrayList<>();
            int from = 0;
            int commands = 0;
            for (int i = 0; i < calls.size(); i++) {
                int size = calls.get(i).commands().size();
                if (i > from && commands + size > COMMANDS_PER_WRITE) {
                    write(calls.subList(from, i), commands);
                    from = i;
                    commands = 0;
                }
                commands += size;
            }
            write(calls.subList(from, calls.size()), commands);
        }

        /** One write of {@code calls}' commands; each call is answered with its own slice of the replies. */
        private void write(List<Call> calls, int commands) {
            Future<List<Response>> replies;
            if (calls.size() == 1) {
                replies = connection.batch(calls.get(0).commands());
            } else {
                List<Request> all = new ArrayList<>(commands);
                for (Call call : calls) {
                    all.addAll(call.commands());
                }
                replies = connection.batch(all);
            }
            if (inFlight++ == 0) {
                silentSince = System.nanoTime();
                if (watchdog < 0) { // under steady traffic one timer per deadAfter, not one per write
                    watch(deadAfterNanos);
                }
            }
            RedisConnection sentOn = connection;
            replies.onComplete(answer -> {
                AsyncResult<List<Response>> result = answer;
                if (sentOn == connection) {
                    inFlight--;
                    silentSince = System.nanoTime();
                } else if (result.failed() && sentOn == silentConnection) {
                    result = silentFailure; // rather than the client's CONNECTION_CLOSED
                }
                if (result.failed() || calls.size() == 1) {
                    for (Call call : calls) {
                        call.answer(result);
                    }
                    return;
                }
                List<Response> responses = result.result();
                int offset = 0;
                for (Call call : calls) {
                    int n = call.commands().size();
                    call.answer(Future.succeededFuture(responses.subList(offset, offset + n)));
                    offset += n;
                }
            });
        }

        void connect() {
            if (connecting || connection != null) {
                return; // the calls wait in the queue for the connection under way
            }
            connecting = true;
            client = Redis.createClient(vertx, options);
            Redis connectingClient = client;
            client.connect().onComplete(made -> {
                connecting = false;
                if (connectingClient != client) { // dropped meanwhile (shutdown)
                    if (made.succeeded()) {
                        connectingClient.close();
                    }
                    return;
                }
                if (made.failed()) {
                    client.close();
                    client = null;
                    List<Call> calls = queued;
                    queued = new ArrayList<>();
                    for (Call call : calls) {
                        call.answer(Future.failedFuture(made.cause()));
                    }
                    return;
                }
                RedisConnection made1 = made.result();
                connection = made1;
                inFlight = 0;
                silentSince = System.nanoTime(); // with nothing in flight: since when it has had nothing to do
                if (idleProbeNanos > 0 && idleTimer < 0) {
                    idleTimer = context.setTimer(Math.max(1, idleProbeNanos / 1_000_000), probeIfIdle);
                }
                made1.endHandler(v -> lost(made1));
                made1.exceptionHandler(e -> lost(made1));
                flush();
            });
        }

        private void watch(long nanos) {
            watchdog = context.setTimer(Math.max(1, nanos / 1_000_000 + 1), checkSilence);
        }

        /**
         * Drops the connection if it is still silent with commands waiting, and connects again without waiting for a
         * call: a function with no traffic must not keep a dead connection for its next request to find.
         */
        private void checkSilence() {
            watchdog = -1;
            if (connection == null || inFlight == 0) {
                return; // answered, or already dropped: the next write sets the timer again
            }
            long silent = System.nanoTime() - silentSince;
            if (silent < deadAfterNanos) {
                watch(deadAfterNanos - silent); // answers came meanwhile; others still wait
                return;
            }
            dropSilent(silent);
            connect();
        }

        /**
         * Sends a PING on a connection that has had nothing to do (nothing sent or answered) for {@code idleProbeAfter},
         * through {@link #write} like a call, so that the dead-after watchdog watches it: a connection Redis went silent
         * on while idle is found and made again without a request waiting on it. Then checks again later.
         */
        private void probeIfIdle() {
            idleTimer = -1;
            if (connection == null) {
                return; // dropped: the next connection sets the timer again
            }
            long quiet = System.nanoTime() - silentSince;
            if (inFlight > 0 || quiet < idleProbeNanos) { // busy (the watchdog watches it), or busy a moment ago
                long next = inFlight > 0 ? idleProbeNanos : idleProbeNanos - quiet;
                idleTimer = context.setTimer(Math.max(1, next / 1_000_000 + 1), probeIfIdle);
                return;
            }
            probing = true;
            RedisConnection sentOn = connection;
            write(
                    List.of(new Call(List.of(Request.cmd(Command.PING)), context, answer -> {
                        if (sentOn == connection) {
                            probing = false;
                        }
                    })),
                    1);
            idleTimer = context.setTimer(Math.max(1, idleProbeNanos / 1_000_000), probeIfIdle);
        }

        /** Drops a connection that answered nothing for {@code silentNanos} while commands waited on it. */
        private void dropSilent(long silentNanos) {
            String reason = "Redis answered nothing for " + silentNanos / 1_000_000 + " ms on an open connection"
                    + " (inferfn.feature-store.pipeline.dead-after: " + deadAfterNanos / 1_000_000
                    + " ms); closed it, connecting again";
            String waiting = probing && inFlight == 1
                    ? "No call was waiting on it: the idle probe (a PING after inferfn.feature-store.pipeline"
                            + ".idle-probe-after: " + idleProbeNanos / 1_000_000 + " ms with nothing to do) found it"
                    : inFlight + " batches of commands were waiting on it";
            LOG.warnf(
                    "%s. %s. A Redis gone without closing the socket (a network partition, a failover to another host,"
                            + " a stopped VM) looks like this; if this Redis can stall that long and come back (a"
                            + " large command, a fork), raise the setting",
                    reason, waiting);
            silentConnection = connection;
            silentFailure = Future.failedFuture(new java.net.SocketTimeoutException(reason));
            drop(); // its waiting commands fail as the client closes the socket, with silentFailure
        }

        /** Redis closed the connection or it failed: its waiting commands are failed by the client; make a new one. */
        private void lost(RedisConnection which) {
            if (which == connection) {
                drop();
            }
        }

        void drop() {
            Redis old = client;
            connection = null;
            client = null;
            inFlight = 0;
            probing = false;
            if (watchdog >= 0) {
                context.owner().cancelTimer(watchdog);
                watchdog = -1;
            }
            if (idleTimer >= 0) {
                context.owner().cancelTimer(idleTimer);
                idleTimer = -1;
            }
            if (old != null) {
                old.close();
            }
        }
    }
}
