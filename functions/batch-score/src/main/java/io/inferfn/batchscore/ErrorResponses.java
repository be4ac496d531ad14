package io.inferfn.batchscore;

import jakarta.enterprise.event.Observes;

import io.vertx.ext.web.Router;

import io.inferfn.runtime.HttpErrors;

/** Every failure on the HTTP routes becomes {@code {"error": "..."}} with its status ({@link HttpErrors}). */
public class ErrorResponses {

    private static final HttpErrors ERRORS = new HttpErrors(
            "expected a JSON object such as {\"runId\": \"2026-11-24T08:00:00Z\", \"shardIndex\": 0,"
                    + " \"shardCount\": 1}, with optional \"source\" and \"sink\"",
            "POST /runBatch runs a batch");

    void install(@Observes Router router) {
        ERRORS.install(router);
    }
}
