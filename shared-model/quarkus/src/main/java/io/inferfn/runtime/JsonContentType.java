package io.inferfn.runtime;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Every POST a function serves takes JSON, so every POST must say {@code Content-Type:
 * application/json} (parameters such as {@code charset} allowed); anything else is a 415 before
 * authentication or the function sees it. A browser sends a cross-site form or {@code fetch} as
 * {@code text/plain} or a form type without a preflight: this turns such a request away. Routes
 * under {@code /q/} (Quarkus' own) and gRPC calls ({@code application/grpc...}) are left alone.
 */
@Singleton
public class JsonContentType {

    private static final String JSON = "application/json";
    private static final String GRPC = "application/grpc";
    /** Ahead of Quarkus' own filters and of the routes; authentication runs in a route of its own. */
    static final int PRIORITY = 1_000;

    void install(@Observes Filters filters) {
        filters.register(JsonContentType::check, PRIORITY);
    }

    static void check(RoutingContext ctx) {
        String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        if (ctx.request().method() != HttpMethod.POST || isJson(type) || isGrpc(type)) {
            ctx.next();
            return;
        }
        String path = ctx.request().path();
        if (path != null && path.startsWith("/q/")) {
            ctx.next();
            return;
        }
        String sent = type;
        ctx.response()
                .setStatusCode(415)
                .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
                .putHeader(HttpHeaders.ACCEPT, JSON)
                .end(new JsonObject()
                        .put(
                                "error",
                                "unsupported content type "
                                        + (sent == null || sent.isBlank() ? "(none sent)" : "'" + sent + "'")
                                        + ": POST " + path + " takes a JSON body; send Content-Type: application/json")
                        .encode());
    }

    /**
     * {@code application/grpc}, {@code application/grpc+proto} and the like: a gRPC call (http-predict serves the Open
     * Inference Protocol's), which a browser never sends cross-site without a CORS preflight.
     */
    static boolean isGrpc(String contentType) {
        return contentType != null && contentType.regionMatches(true, 0, GRPC, 0, GRPC.length());
    }

    /** {@code application/json}, any case, optionally followed by parameters ({@code ; charset=utf-8}). */
    static boolean isJson(String contentType) {
        if (contentType == null || !contentType.regionMatches(true, 0, JSON, 0, JSON.length())) {
            return false;
        }
        if (contentType.length() == JSON.length()) {
            return true;
        }
        char next = contentType.charAt(JSON.length());
        return next == ';' || next == ' ' || next == '\t';
    }
}
