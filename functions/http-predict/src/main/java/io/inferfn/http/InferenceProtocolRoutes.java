package io.inferfn.http;

import java.util.List;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.inferfn.auth.ModelAccess;
import io.inferfn.http.InferenceProtocolBodies.InferRequest;
import io.inferfn.http.InferenceProtocolBodies.ModelReady;
import io.inferfn.http.InferenceProtocolBodies.ServerLive;
import io.inferfn.http.InferenceProtocolBodies.ServerMetadata;
import io.inferfn.http.InferenceProtocolBodies.ServerReady;
import io.inferfn.model.LoadedModel;
import io.inferfn.runtime.ModelCatalog;
import io.inferfn.scoring.Scorer;

/**
 * HTTP trigger, Open Inference Protocol (KServe v2) REST: health, server and model metadata, and
 * {@code infer} in tensor or features mode ({@link InferenceProtocol}) over the same scoring core
 * as {@code /predict}. Errors are {@code {"error": "..."}} ({@link ErrorResponses}).
 */
@Singleton
public class InferenceProtocolRoutes {

    @Inject
    ModelCatalog catalog;

    @Inject
    Scorer scorer;

    @Inject
    HttpPredictConfig config;

    @Inject
    ObjectMapper json;

    @Inject
    ModelAccess access;

    @Inject
    ScoringThreads threads;

    @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown")
    String version;

    @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "1M")
    io.quarkus.runtime.configuration.MemorySize maxBody;

    private InferenceProtocol protocol;
    private ObjectReader requests;

    void install(@Observes Router router) {
        protocol = new InferenceProtocol(scorer, config.maxBatchRows());
        requests = json.readerFor(InferRequest.class);
        router.get("/v2/health/live").handler(ctx -> respond(ctx, 200, new ServerLive(true)));
        router.get("/v2/health/ready").handler(ctx -> {
            boolean ready = catalog.ready();
            // the protocol: 200 means ready, a 4xx means not
            respond(ctx, ready ? 200 : 400, new ServerReady(ready));
        });
        router.get("/v2").handler(this::server);
        BodyHandler body = BodyHandler.create(false).setBodyLimit(maxBody.asLongValue());
        for (String model : List.of("/v2/models/:name", "/v2/models/:name/versions/:version")) {
            router.get(model).handler(ctx -> respond(ctx, 200, InferenceProtocol.metadata(model(ctx))));
            router.get(model + "/ready").handler(this::modelReady);
            router.post(model + "/infer").handler(body).handler(this::infer);
        }
    }

    private void server(RoutingContext ctx) {
        // none of the protocol's optional extensions (repository, statistics, ...)
        respond(ctx, 200, new ServerMetadata("inferfn", version, List.of()));
    }

    private void modelReady(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        boolean ready;
        try {
            model(ctx);
            ready = true;
        } catch (io.inferfn.scoring.ModelUnavailableException e) {
            ready = false;
        }
        respond(ctx, ready ? 200 : 400, new ModelReady(name, ready));
    }

    /**
     * On the event loop, like {@code /predict}: features mode awaits its Redis reply asynchronously and scores
     * inline ({@link Answers}); tensor mode has no I/O and runs ORT at once. A model {@link ScoringThreads} placed
     * on workers runs there in either mode.
     */
    private void infer(RoutingContext ctx) {
        LoadedModel model = model(ctx);
        byte[] body =
                ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        InferRequest request = InferenceProtocol.read(requests, body);
        RequestMetrics.Tracked tracked = RequestMetrics.of(ctx);
        if (model.text() != null) {
            inferText(ctx, model, request, tracked);
            return;
        }
        InferenceProtocol.Checked checked = protocol.check(model, request);
        boolean onWorker = threads.onWorker(model);
        if (!checked.tensorMode()) {
            Answers.score(
                    ctx,
                    scorer.beginBatch(model, checked.batch()),
                    threads,
                    predictions -> json(protocol.features(model, checked, predictions, tracked)));
            return;
        }
        if (!onWorker) {
            Answers.ok(ctx, json(protocol.tensor(model, checked, tracked)));
            return;
        }
        Future<Buffer> scored = threads.submit(ctx.vertx(), () -> json(protocol.tensor(model, checked, tracked)));
        if (scored == null) {
            ctx.fail(threads.busy());
            return;
        }
        scored.onComplete(done -> {
            if (done.succeeded()) {
                Answers.ok(ctx, done.result());
            } else {
                ctx.fail(done.cause());
            }
        });
    }

    /** A text model's infer call: the BYTES input checked here, tokenized and scored on a worker. */
    private void inferText(
            RoutingContext ctx, LoadedModel model, InferRequest request, RequestMetrics.Tracked tracked) {
        List<String> texts = InferenceProtocol.texts(model, request, config.maxBatchTexts());
        Future<Buffer> scored = threads.submit(
                ctx.vertx(),
                () -> json(InferenceProtocol.textResponse(model, request, scorer.scoreTexts(model, texts))));
        if (scored == null) {
            ctx.fail(threads.busy());
            return;
        }
        scored.onComplete(done -> {
            if (done.succeeded()) {
                if (tracked != null) {
                    tracked.scored(texts.size(), false);
                }
                Answers.ok(ctx, done.result());
            } else {
                ctx.fail(done.cause());
            }
        });
    }

    private Buffer json(Record body) {
        try {
            return Buffer.buffer(json.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new java.io.UncheckedIOException(e); // records of plain values always serialize
        }
    }

    private LoadedModel model(RoutingContext ctx) {
        LoadedModel model = catalog.resolve(ctx.pathParam("name"));
        RequestMetrics.Tracked tracked = RequestMetrics.of(ctx);
        if (tracked != null) {
            tracked.model(model);
        }
        access.check(ctx.user() instanceof QuarkusHttpUser user ? user.getSecurityIdentity() : null, model.name());
        InferenceProtocol.checkVersion(model, ctx.pathParam("version"));
        return model;
    }

    private void respond(RoutingContext ctx, int status, Record body) {
        try {
            ctx.response()
                    .setStatusCode(status)
                    .putHeader("Content-Type", "application/json")
                    .end(io.vertx.core.buffer.Buffer.buffer(json.writeValueAsBytes(body)));
        } catch (JsonProcessingException e) {
            throw new java.io.UncheckedIOException(e); // records of plain values always serialize
        }
    }
}
