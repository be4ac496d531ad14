package io.inferfn.http;

import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.jboss.logging.Logger;

/**
 * Load shedding for the scoring routes ({@code /predict}, {@code POST /v2/models/.../infer}, gRPC {@code
 * ModelInfer}): at most
 * {@link #limit()} requests are in flight at once; one more waits for a slot up to
 * {@code inferfn.overload.queue-deadline} (in a queue of {@code queue-size}), paused before its body is
 * read, and is otherwise answered on the event loop with 503, {@code Retry-After} and a JSON error,
 * instead of queueing behind the others until callers time out. A slot is held from the request's
 * headers to its response (a slow upload holds one too) and freed when the response ends or the
 * connection closes. The limit adapts to latency (Netflix concurrency-limits' {@code Gradient2Limit}:
 * it shrinks when latency rises above the no-load latency) unless {@code max-concurrent} fixes it.
 * Health, metadata and {@code /q} routes are never shed. On Lambda an instance serves one request at
 * a time and Lambda's own throttling applies.
 */
@Singleton
public class OverloadGuard {

    private static final Logger LOG = Logger.getLogger(OverloadGuard.class);

    /** The path of the gRPC ModelInfer call (inference.GRPCInferenceService, src/main/proto). */
    static final String GRPC_INFER = "/inference.GRPCInferenceService/ModelInfer";

    @Inject
    OverloadConfig config;

    @Inject
    RequestMetrics requests;

    private Limit limit;
    private SimpleLimiter<Void> limiter;
    private final ConcurrentLinkedQueue<Waiter> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private int queueSize;
    private long deadlineMillis;
    private String retryAfter;
    private Buffer queueFull;
    private Buffer deadlinePassed;
    private String queueFullGrpc;
    private String deadlinePassedGrpc;

    void install(@Observes Router router) {
        if (!config.enabled()) {
            LOG.warn("load shedding is off (inferfn.overload.enabled=false): an overload queues until callers time"
                    + " out");
            return;
        }
        limit = config.maxConcurrent().isPresent()
                ? FixedLimit.of(config.maxConcurrent().getAsInt())
                : Gradient2Limit.newBuilder()
                        .initialLimit(config.initialConcurrent())
                        .minLimit(config.minConcurrent())
                        .maxConcurrency(config.maxAdaptiveConcurrent())
                        .build();
        limiter = SimpleLimiter.newBuilder().limit(limit).build();
        queueSize = config.queueSize();
        deadlineMillis = config.queueDeadline().toMillis();
        retryAfter = Long.toString(Math.max(1, config.retryAfter().toSeconds()));
        String full = "overloaded: " + queueSize + " requests already wait for one of the scoring slots";
        String late =
                "overloaded: no scoring slot freed within " + deadlineMillis + " ms (inferfn.overload.queue-deadline)";
        queueFull = error(full);
        deadlinePassed = error(late);
        queueFullGrpc = grpcMessage(full);
        deadlinePassedGrpc = grpcMessage(late);
        // Before Quarkus' body handler (ROUTE_ORDER_BODY_HANDLER) reads the body, and before authentication and
        // dispatch to a worker: shedding costs next to nothing, and a waiting request's body stays in the socket.
        // The paths are the documented ones, so the OpenAPI test's view of the routes is unchanged.
        int first = RouteConstants.ROUTE_ORDER_BODY_HANDLER - 1;
        // the request metrics start here too (RequestMetrics.begin): a shed request is counted, and no second
        // handler per request
        boolean tracked = requests.enabled();
        Handler<RoutingContext> predict = tracked
                ? ctx -> {
                    requests.begin(ctx, RequestMetrics.Endpoint.PREDICT);
                    admit(ctx);
                }
                : this::admit;
        Handler<RoutingContext> v2 = tracked
                ? ctx -> {
                    requests.begin(ctx, RequestMetrics.Endpoint.V2);
                    admit(ctx);
                }
                : this::admit;
        router.route("/predict").order(first).handler(predict);
        router.post("/v2/models/:name/infer").order(first).handler(v2);
        router.post("/v2/models/:name/versions/:version/infer").order(first).handler(v2);
        // gRPC ModelInfer (container builds): the same slots; a shed call ends with the gRPC status UNAVAILABLE
        router.post(GRPC_INFER)
                .order(first)
                .handler(
                        tracked
                                ? ctx -> {
                                    requests.begin(ctx, RequestMetrics.Endpoint.GRPC);
                                    admit(ctx);
                                }
                                : this::admit);
        LOG.infof(
                "load shedding: %s requests in flight, %d more wait up to %d ms, then 503 with Retry-After: %s s",
                config.maxConcurrent().isPresent() ? "at most " + limit.getLimit() : "an adaptive limit of",
                queueSize,
                deadlineMillis,
                retryAfter);
    }

    private Buffer error(String message) {
        return Buffer.buffer("{\"error\":\"" + message + "; retry after " + retryAfter + " s (Retry-After)\"}");
    }

    private void admit(RoutingContext ctx) {
        Optional<Limiter.Listener> permit = limiter.acquire(null);
        if (permit.isPresent()) {
            start(ctx, permit.get());
            return;
        }
        if (deadlineMillis <= 0 || queued.incrementAndGet() > queueSize) {
            if (deadlineMillis > 0) {
                queued.decrementAndGet();
            }
            reject(ctx, queueFull);
            return;
        }
        // Quarkus holds a request paused until a handler reads it; pausing here keeps it so while it waits
        ctx.request().pause();
        Waiter waiter = new Waiter(ctx, Vertx.currentContext());
        waiter.timer = ctx.vertx().setTimer(deadlineMillis, id -> expire(waiter));
        queue.add(waiter);
        drain(); // a slot may have freed between the acquire above and the add
    }

    /** Runs the request on: the permit is given back when its response ends or its connection closes. */
    private void start(RoutingContext ctx, Limiter.Listener permit) {
        ctx.addEndHandler(done -> {
            if (done.succeeded() && ctx.response().getStatusCode() < 500) {
                permit.onSuccess(); // a latency sample for the adaptive limit
            } else {
                permit.onIgnore();
            }
            drain();
        });
        ctx.next();
    }

    /** Hands freed slots to waiting requests, first come first served. */
    private void drain() {
        while (!queue.isEmpty()) {
            Optional<Limiter.Listener> permit = limiter.acquire(null);
            if (permit.isEmpty()) {
                return;
            }
            Waiter waiter = queue.poll();
            if (waiter == null || !waiter.claimed.compareAndSet(false, true)) {
                permit.get().onIgnore(); // emptied meanwhile, or the waiter's deadline took it
                continue;
            }
            queued.decrementAndGet();
            waiter.context.runOnContext(v -> resume(waiter, permit.get()));
        }
    }

    private void resume(Waiter waiter, Limiter.Listener permit) {
        RoutingContext ctx = waiter.ctx;
        ctx.vertx().cancelTimer(waiter.timer);
        if (ctx.response().closed() || ctx.response().ended()) {
            permit.onIgnore(); // the caller went away while it waited: no end or close event would free the slot
            drain();
            return;
        }
        ctx.request().resume();
        start(ctx, permit);
    }

    private void expire(Waiter waiter) {
        if (!waiter.claimed.compareAndSet(false, true)) {
            return; // a slot was handed to it first
        }
        queue.remove(waiter);
        queued.decrementAndGet();
        if (!waiter.ctx.response().closed()) {
            reject(waiter.ctx, deadlinePassed);
        }
    }

    private void reject(RoutingContext ctx, Buffer body) {
        RequestMetrics.shed(ctx);
        String type = ctx.request().getHeader("Content-Type");
        if (type != null && type.startsWith("application/grpc")) {
            // a trailers-only gRPC answer: grpc-status 14 (UNAVAILABLE) and the message
            ctx.response()
                    .setStatusCode(200)
                    .putHeader("Content-Type", "application/grpc")
                    .putHeader("grpc-status", "14")
                    .putHeader("grpc-message", body == queueFull ? queueFullGrpc : deadlinePassedGrpc)
                    .end();
            return;
        }
        ctx.response()
                .setStatusCode(503)
                .putHeader("Retry-After", retryAfter)
                .putHeader("Content-Type", "application/json")
                .end(body); // Quarkus reads and drops the unread body when the response ends: the connection stays
        // usable
    }

    /** {@code message} as a {@code grpc-message} header: percent-encoded outside printable ASCII, as gRPC asks. */
    private String grpcMessage(String message) {
        StringBuilder encoded = new StringBuilder();
        for (byte b :
                (message + "; retry after " + retryAfter + " s").getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            if (b >= 0x20 && b < 0x7f && b != '%') {
                encoded.append((char) b);
            } else {
                encoded.append('%').append(String.format(java.util.Locale.ROOT, "%02X", b & 0xff));
            }
        }
        return encoded.toString();
    }

    /** Whether the scoring routes shed load ({@code inferfn.overload.enabled}). */
    public boolean enabled() {
        return limiter != null;
    }

    /** The current concurrency limit. */
    public int limit() {
        return limit.getLimit();
    }

    /** Requests holding a slot now. */
    public int inFlight() {
        return limiter.getInflight();
    }

    /** Requests waiting for a slot now. */
    public int waiting() {
        return queued.get();
    }

    /** A request waiting for a slot, on the Vert.x context it arrived on. */
    private static final class Waiter {
        final RoutingContext ctx;
        final Context context;
        final AtomicBoolean claimed = new AtomicBoolean();
        long timer;

        Waiter(RoutingContext ctx, Context context) {
            this.ctx = ctx;
            this.context = context;
        }
    }
}
