package io.inferfn.http;

import jakarta.enterprise.event.Observes;

import io.vertx.ext.web.Router;

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

    void install(@Observes Router router) {
        ERRORS.install(router);
    }
}
