package io.inferfn.http;

import jakarta.enterprise.event.Observes;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.inferfn.runtime.HttpErrors;

/** Every failure on the HTTP routes becomes {@code {"error": "..."}} with its status ({@link HttpErrors}). */
public class ErrorResponses {

    static final String EXPECTED_BODY = "expected a JSON object such as {\"entityId\": \"c-1042\", \"features\":"
            + " {\"amount\": 129.5}} or {\"rows\": [...]}, with an optional \"model\"; numbers must be finite and"
            + " unknown fields are rejected";

    private static final HttpErrors ERRORS = new HttpErrors(
            EXPECTED_BODY,
            "POST /predict scores; the Open Inference Protocol is under /v2 (GET /v2/models/{name},"
                    + " POST /v2/models/{name}/infer)");

    @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "1M")
    MemorySize maxBody;

    void install(@Observes Router router) {
        ERRORS.install(router);
        long limit = maxBody.asLongValue();
        // Ahead of Quarkus' own check (ROUTE_ORDER_UPLOAD_LIMIT), which answers an over-long Content-Length with an
        // empty 413: this one says why, as JSON. A chunked body over the limit is stopped by the routes' BodyHandler.
        router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1).handler(ctx -> {
            String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length != null && tooLong(length, limit)) {
                // the unread body stays in the socket: close the connection once the answer is out
                ctx.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
                ctx.response().endHandler(v -> ctx.request().connection().close());
                ctx.fail(413);
                return;
            }
            ctx.next();
        });
    }

    private static boolean tooLong(String length, long limit) {
        try {
            return Long.parseLong(length) > limit;
        } catch (NumberFormatException e) {
            return false; // Vert.x itself rejects a malformed Content-Length
        }
    }
}
