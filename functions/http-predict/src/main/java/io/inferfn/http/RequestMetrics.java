package io.inferfn.http;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import io.inferfn.model.LoadedModel;
import io.inferfn.runtime.metrics.InferfnMetrics;

/**
 * Counts and times every request to the scoring routes ({@code /predict}, {@code POST
 * /v2/models/.../infer}, gRPC {@code ModelInfer}) by endpoint, model, version and outcome ({@code inferfn.requests},
 * {@code inferfn.request.duration}, {@code inferfn.request.rows}), from its headers to its response's
 * headers, shed requests included (a caller that hangs up before an answer is not counted). A gRPC call is counted
 * by the service when it answers or fails ({@link #grpc()}, {@link Tracked#end}), from the call's dispatch to the
 * service; a shed one by its route's record, as REST's. The meters of a model are built when it is first seen; a
 * request allocates one small record and builds no tags.
 */
@Singleton
public class RequestMetrics {

    /** The {@link RoutingContext} data key of a request's {@link Tracked}. */
    static final String KEY = "inferfn.request.metrics";

    /** The {@code endpoint} tag. */
    enum Endpoint {
        PREDICT,
        V2,
        GRPC;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    /** The {@code outcome} tag: ok, degraded, a 4xx kind, shed (503 from load shedding) or error. */
    enum Outcome {
        OK,
        DEGRADED,
        BAD_REQUEST,
        UNAUTHORIZED,
        FORBIDDEN,
        NOT_FOUND,
        UNSUPPORTED_MEDIA_TYPE,
        PAYLOAD_TOO_LARGE,
        SHED,
        ERROR;

        final String tag = name().toLowerCase(Locale.ROOT);

        static Outcome of(int status) {
            return switch (status) {
                case 400, 405, 422 -> BAD_REQUEST;
                case 401 -> UNAUTHORIZED;
                case 403 -> FORBIDDEN;
                case 404 -> NOT_FOUND;
                case 413 -> PAYLOAD_TOO_LARGE;
                case 415 -> UNSUPPORTED_MEDIA_TYPE;
                default -> status >= 200 && status < 300 ? OK : status >= 400 && status < 500 ? BAD_REQUEST : ERROR;
            };
        }
    }

    @Inject
    InferfnMetrics metrics;

    private volatile Meters[] models = new Meters[0];
    private Meters none;

    @Inject
    OverloadConfig overload;

    /**
     * With load shedding on, {@link OverloadGuard}'s handler, first on the scoring routes, starts each request's
     * record ({@link #begin}): one handler and no extra routes to match per request. With it off, this installs
     * its own, in the same place. Nothing with {@code inferfn.metrics.enabled=false}.
     */
    void install(@Observes @Priority(Interceptor.Priority.APPLICATION) Router router) {
        none = new Meters(null, "none", "none");
        if (!metrics.enabled() || overload.enabled()) {
            return;
        }
        int first = RouteConstants.ROUTE_ORDER_BODY_HANDLER - 1;
        router.route("/predict").order(first).handler(ctx -> {
            begin(ctx, Endpoint.PREDICT);
            ctx.next();
        });
        Handler<RoutingContext> v2 = ctx -> {
            begin(ctx, Endpoint.V2);
            ctx.next();
        };
        router.post("/v2/models/:name/infer").order(first).handler(v2);
        router.post("/v2/models/:name/versions/:version/infer").order(first).handler(v2);
    }

    /** Whether requests are tracked ({@code inferfn.metrics.enabled}). */
    boolean enabled() {
        return metrics.enabled();
    }

    /** Starts the record of a request to {@code endpoint}, counted and timed when its response's headers go out. */
    void begin(RoutingContext ctx, Endpoint endpoint) {
        Tracked tracked = new Tracked(ctx, endpoint, System.nanoTime());
        ctx.put(KEY, tracked);
        // at the headers, before the client can read the answer: a scrape after a response sees it counted
        ctx.addHeadersEndHandler(tracked);
    }

    /** The record of a gRPC {@code ModelInfer} call the service is about to run, or null with metrics off. */
    Tracked grpc() {
        return metrics.enabled() ? new Tracked(null, Endpoint.GRPC, System.nanoTime()) : null;
    }

    /** The request's record, or null for a route this class does not track. */
    static Tracked of(RoutingContext ctx) {
        return ctx == null ? null : ctx.get(KEY);
    }

    /** Marks the request as shed by load shedding. */
    static void shed(RoutingContext ctx) {
        Tracked t = of(ctx);
        if (t != null) {
            t.shed = true;
        }
    }

    private Meters meters(LoadedModel model) {
        if (model == null) {
            return none;
        }
        for (Meters m : models) {
            if (m.model == model) {
                return m;
            }
        }
        return create(model);
    }

    private synchronized Meters create(LoadedModel model) {
        for (Meters m : models) {
            if (m.model == model) {
                return m;
            }
        }
        Meters m = new Meters(model, model.name(), model.version());
        Meters[] grown = Arrays.copyOf(models, models.length + 1);
        grown[grown.length - 1] = m;
        models = grown;
        return m;
    }

    /** One request on its way: what the scoring code learned of it, read when its response ends. */
    final class Tracked implements Handler<Void> {
        private final RoutingContext ctx;
        private final Endpoint endpoint;
        private final long start;
        private LoadedModel model;
        private int rows;
        private boolean degraded;
        private boolean shed;

        Tracked(RoutingContext ctx, Endpoint endpoint, long start) {
            this.ctx = ctx;
            this.endpoint = endpoint;
            this.start = start;
        }

        /** The model the request named, once resolved. */
        void model(LoadedModel model) {
            this.model = model;
        }

        /** The rows scored and whether any was degraded. */
        void scored(int rows, boolean degraded) {
            this.rows = rows;
            this.degraded = degraded;
        }

        @Override
        public void handle(Void headers) {
            if (endpoint == Endpoint.GRPC) {
                // the route's record of a gRPC call (HTTP status 200 whatever the outcome): it counts a call shed
                // before the service saw it; the service counts the others (end)
                if (shed) {
                    end(Outcome.SHED);
                }
                return;
            }
            int status = ctx.response().getStatusCode();
            end(shed && status == 503 ? Outcome.SHED : Outcome.of(status));
        }

        /** Counts and times the request with {@code outcome} (degraded when ok but a row was). */
        void end(Outcome outcome) {
            if (outcome == Outcome.OK && degraded) {
                outcome = Outcome.DEGRADED;
            }
            Meters m = meters(model);
            int e = endpoint.ordinal();
            m.requests[e][outcome.ordinal()].increment();
            m.duration[e].record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            if (rows > 1) { // batch sizes: a single-row request is counted in requests, not here
                m.rows[e].record(rows);
            }
        }
    }

    /** The request meters of one model (or of none: requests that never named a model that exists). */
    private final class Meters {
        final LoadedModel model;
        final Counter[][] requests;
        final Timer[] duration;
        final DistributionSummary[] rows;

        Meters(LoadedModel model, String name, String version) {
            this.model = model;
            Endpoint[] endpoints = Endpoint.values();
            Outcome[] outcomes = Outcome.values();
            requests = new Counter[endpoints.length][outcomes.length];
            duration = new Timer[endpoints.length];
            rows = new DistributionSummary[endpoints.length];
            for (Endpoint e : endpoints) {
                String[] tags = {"endpoint", e.tag, "model", name, "version", version};
                for (Outcome o : outcomes) {
                    requests[e.ordinal()][o.ordinal()] = Counter.builder(InferfnMetrics.REQUESTS)
                            .tags(tags)
                            .tag("outcome", o.tag)
                            .description("requests to the scoring routes, by outcome")
                            .register(metrics.registry());
                }
                duration[e.ordinal()] = metrics.latency(InferfnMetrics.REQUEST_DURATION, tags);
                rows[e.ordinal()] = metrics.summary(InferfnMetrics.REQUEST_ROWS, "rows per scoring request", tags);
            }
        }
    }
}
