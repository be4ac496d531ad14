package io.inferfn.http;

import java.io.IOException;
import java.util.List;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.inferfn.auth.ModelAccess;
import io.inferfn.model.LoadedModel;
import io.inferfn.runtime.ModelCatalog;
import io.inferfn.scoring.InvalidRequestException;
import io.inferfn.scoring.PayloadTooLargeException;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Scorer;

/**
 * HTTP trigger: {@code POST /predict} scores one row or a batch and returns the predictions to the caller. Served
 * on the Vert.x event loop: the body is read and checked, the Redis round trip is asynchronous, and its reply is
 * assembled, scored and answered on the same event loop ({@link Answers}).
 */
@Singleton
public class PredictRoutes {

    @Inject
    ModelCatalog catalog;

    @Inject
    Scorer scorer;

    @Inject
    HttpPredictConfig config;

    @Inject
    ModelAccess access;

    @Inject
    ScoringThreads threads;

    @Inject
    ObjectMapper json;

    @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "1M")
    MemorySize maxBody;

    private ObjectReader requests;
    private ObjectWriter responses;
    private ObjectWriter textResponses;

    void install(@Observes Router router) {
        requests = json.readerFor(PredictRequest.class);
        responses = json.writerFor(PredictResponse.class);
        textResponses = json.writerFor(TextResponse.class);
        router.post("/predict")
                .handler(BodyHandler.create(false).setBodyLimit(maxBody.asLongValue()))
                .handler(this::predict);
    }

    private void predict(RoutingContext ctx) {
        PredictRequest request = read(ctx.body().buffer());
        LoadedModel model = catalog.resolve(request.model);
        RequestMetrics.Tracked tracked = RequestMetrics.of(ctx);
        if (tracked != null) {
            tracked.model(model);
        }
        access.check(ctx.user() instanceof QuarkusHttpUser user ? user.getSecurityIdentity() : null, model.name());
        if (model.text() != null || request.text != null || request.texts != null) {
            predictText(ctx, model, request, tracked);
            return;
        }
        if (request.rows == null) {
            Answers.score(ctx, scorer.begin(model, request), threads, predictions -> {
                Prediction prediction = predictions.get(0);
                if (tracked != null) {
                    tracked.scored(1, prediction.degraded());
                }
                return body(PredictResponse.single(model.name(), model.version(), prediction));
            });
            return;
        }
        checkBatch(request);
        Answers.score(ctx, scorer.beginBatch(model, request.rows), threads, predictions -> {
            if (tracked != null) {
                tracked.scored(predictions.size(), Answers.anyDegraded(predictions));
            }
            return body(PredictResponse.batch(model.name(), model.version(), predictions));
        });
    }

    /**
     * A text model's call: {@code text} or {@code texts} checked on the event loop, then tokenized and scored on a
     * worker (a transformer takes milliseconds; {@link ScoringThreads} bounds the queue).
     */
    private void predictText(
            RoutingContext ctx, LoadedModel model, PredictRequest request, RequestMetrics.Tracked tracked) {
        List<String> texts = texts(model, request);
        boolean batch = request.texts != null;
        var scored = threads.submit(ctx.vertx(), () -> scorer.scoreTexts(model, texts));
        if (scored == null) {
            ctx.fail(threads.busy());
            return;
        }
        scored.onComplete(done -> {
            if (done.failed()) {
                ctx.fail(done.cause());
                return;
            }
            if (tracked != null) {
                tracked.scored(texts.size(), false);
            }
            try {
                Answers.ok(
                        ctx,
                        Buffer.buffer(textResponses.writeValueAsBytes(
                                TextResponse.of(model.name(), model.version(), done.result(), batch))));
            } catch (IOException | RuntimeException e) {
                ctx.fail(e);
            }
        });
    }

    /** The request's texts, or a 4xx saying what a text model (or a tabular one) expects. */
    private List<String> texts(LoadedModel model, PredictRequest request) {
        if (model.text() == null) {
            throw new InvalidRequestException("model " + model.name() + " is not a text model: send {\"entityId\","
                    + " \"features\": {...}} or {\"rows\": [...]}, not 'text' or 'texts'");
        }
        if (request.entityId != null || request.features != null || request.rows != null) {
            throw new InvalidRequestException("model " + model.name() + " is a text model: send {\"text\": \"...\"}"
                    + " or {\"texts\": [\"...\", ...]}, without 'entityId', 'features' or 'rows'");
        }
        if (request.text != null && request.texts != null) {
            throw new InvalidRequestException("send either one 'text' or a batch of 'texts', not both");
        }
        if (request.text == null && request.texts == null) {
            throw new InvalidRequestException("model " + model.name() + " is a text model: send {\"text\": \"...\"}"
                    + " or {\"texts\": [\"...\", ...]}");
        }
        if (request.text != null) {
            if (!(request.text instanceof String one)) {
                throw new InvalidRequestException("'text' must be a string; got " + jsonType(request.text));
            }
            return List.of(one);
        }
        List<Object> raw = request.texts;
        if (raw.isEmpty()) {
            throw new InvalidRequestException("'texts' is empty; send at least one text");
        }
        if (raw.size() > config.maxBatchTexts()) {
            throw new PayloadTooLargeException("batch of " + raw.size() + " texts is over the limit of "
                    + config.maxBatchTexts() + " (inferfn.http.max-batch-texts); split it");
        }
        List<String> texts = new java.util.ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            if (!(raw.get(i) instanceof String one)) {
                throw new InvalidRequestException("texts[" + i + "] must be a string; got " + jsonType(raw.get(i)));
            }
            texts.add(one);
        }
        return texts;
    }

    private static String jsonType(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Number) {
            return "a number";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        return value instanceof List ? "an array" : "an object";
    }

    private PredictRequest read(Buffer body) {
        PredictRequest request = null;
        if (body != null && body.length() > 0) {
            try {
                request = requests.readValue(body.getBytes());
            } catch (JacksonException e) {
                throw new InvalidRequestException("malformed request body: " + ErrorResponses.EXPECTED_BODY);
            } catch (IOException e) {
                throw new InvalidRequestException("unreadable request body: " + ErrorResponses.EXPECTED_BODY);
            }
        }
        if (request == null) {
            throw new InvalidRequestException(
                    "request body is required: {\"entityId\": \"...\", \"features\": {...}} or {\"rows\": [...]}");
        }
        return request;
    }

    private void checkBatch(PredictRequest request) {
        List<PredictRow> rows = request.rows;
        if (request.entityId != null || request.features != null) {
            throw new InvalidRequestException("send either one row (entityId, features) or 'rows', not both");
        }
        if (rows.size() > config.maxBatchRows()) {
            throw new PayloadTooLargeException("batch of " + rows.size() + " rows is over the limit of "
                    + config.maxBatchRows() + " (inferfn.http.max-batch-rows); split it");
        }
        if (rows.isEmpty()) {
            throw new InvalidRequestException("'rows' is empty; send at least one row");
        }
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i) == null) {
                throw new InvalidRequestException("rows[" + i + "] is null; expected {\"entityId\", \"features\"}");
            }
        }
    }

    private Buffer body(PredictResponse response) throws IOException {
        return Buffer.buffer(responses.writeValueAsBytes(response));
    }
}
