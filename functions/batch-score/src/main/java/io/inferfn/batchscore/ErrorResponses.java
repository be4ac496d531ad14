package io.inferfn.batchscore;

import jakarta.enterprise.event.Observes;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;

import io.inferfn.runtime.HttpErrors;

/**
 * Every failure on the HTTP routes becomes {@code {"error": "..."}} with its status ({@link
 * HttpErrors}); {@code /runBatch} takes POST only.
 */
public class ErrorResponses {

    private static final HttpErrors ERRORS = new HttpErrors(
            "expected a JSON object such as {\"runId\": \"2026-11-24T08:00:00Z\", \"shardIndex\": 0,"
                    + " \"shardCount\": 1}, with optional \"source\" and \"sink\"",
            "POST /runBatch runs a batch");

    void install(@Observes Router router) {
        ERRORS.install(router);
        // Funqy would also run a function from GET query parameters: a cross-site link could start a run
        router.route("/runBatch").order(Integer.MIN_VALUE + 1).handler(ctx -> {
            if (ctx.request().method() == HttpMethod.POST) {
                ctx.next();
            } else {
                ctx.response().putHeader("Allow", "POST");
                ctx.fail(405);
            }
        });
    }
}
