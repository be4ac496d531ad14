package io.inferfn.http;

import java.util.Optional;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Load shedding for the scoring routes ({@code POST /predict}, {@code POST /v2/models/.../infer}):
 * at most {@link #limit()} requests are scored at once; one more is answered at once, on the event
 * loop, with 503, {@code Retry-After} and a JSON error, instead of queueing behind the others until
 * callers time out. The limit adapts to the measured latency (Netflix concurrency-limits'
 * {@code Gradient2Limit}: it shrinks when latency rises above the no-load latency) unless
 * {@code inferfn.http.overload.max-concurrent} fixes it. Health and metadata routes are never shed.
 * On Lambda each instance serves one request at a time and Lambda's own throttling (429) applies.
 */
@Singleton
public class OverloadGuard {

    @Inject
    HttpPredictConfig config;

    private Limiter<Void> limiter;
    private Limit limit;
    private Buffer rejection;
    private String retryAfter;

    void install(@Observes Router router) {
        HttpPredictConfig.Overload overload = config.overload();
        limit = overload.maxConcurrent().isPresent()
                ? FixedLimit.of(overload.maxConcurrent().getAsInt())
                : Gradient2Limit.newBuilder()
                        .initialLimit(overload.initialConcurrent())
                        .minLimit(overload.minConcurrent())
                        .maxConcurrency(overload.maxAdaptiveConcurrent())
                        .build();
        limiter = SimpleLimiter.newBuilder().limit(limit).build();
        retryAfter = Long.toString(Math.max(1, overload.retryAfter().toSeconds()));
        rejection = Buffer.buffer("{\"error\":\"overloaded: too many requests in flight; retry after " + retryAfter
                + " s (Retry-After)\"}");
        // before Quarkus reads the body (ROUTE_ORDER_BODY_HANDLER), authenticates and dispatches: shedding costs next
        // to
        // nothing, and a slow upload holds its slot like any request in flight
        int first = RouteConstants.ROUTE_ORDER_BODY_HANDLER - 1;
        router.post("/predict").order(first).handler(this::admit);
        router.post("/v2/models/*").order(first).handler(this::admit);
    }

    private void admit(RoutingContext ctx) {
        Optional<Limiter.Listener> permit = limiter.acquire(null);
        if (permit.isEmpty()) {
            ctx.response()
                    .setStatusCode(503)
                    .putHeader("Retry-After", retryAfter)
                    .putHeader("Content-Type", "application/json")
                    .end(rejection);
            return;
        }
        Limiter.Listener listener = permit.get();
        ctx.addEndHandler(done -> {
            int status = ctx.response().getStatusCode();
            if (done.succeeded() && status < 500) {
                listener.onSuccess(); // the latency sample the adaptive limit learns from
            } else {
                listener.onIgnore();
            }
        });
        ctx.next();
    }

    /** The current concurrency limit (for metrics and tests). */
    public int limit() {
        return limit.getLimit();
    }
}
