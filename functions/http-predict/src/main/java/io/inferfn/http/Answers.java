package io.inferfn.http;

import java.io.IOException;
import java.util.List;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Scorer;

/**
 * Carries a begun scoring call to its HTTP answer without blocking the event loop: the Redis reply arrives on the
 * request's event loop, the inputs are assembled and ONNX Runtime runs right there (or on a worker for a model
 * {@link ScoringThreads} found too slow), and the response is written from the event loop. Failures go to the
 * route's failure handler ({@link ErrorResponses}).
 */
final class Answers {

    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

    /** The response body of a call's predictions; runs on the event loop. */
    @FunctionalInterface
    interface Body {
        Buffer of(List<Prediction> predictions) throws IOException;
    }

    private Answers() {}

    /** Fetches the call's features, scores it on the thread its model is placed on, and answers 200 with body. */
    static void score(RoutingContext ctx, Scorer.Call call, ScoringThreads threads, Body body) {
        boolean onWorker = threads.onWorker(call.model());
        call.fetch(ready -> {
            if (ctx.response().closed()) {
                ready.abandon(); // the caller went away while Redis answered: nobody to score for
                return;
            }
            if (onWorker) {
                io.vertx.core.Future<List<Prediction>> scored = threads.submit(ctx.vertx(), ready::finish);
                if (scored == null) {
                    ready.abandon();
                    ctx.fail(threads.busy());
                    return;
                }
                scored.onComplete(done -> {
                    if (done.succeeded()) {
                        respond(ctx, body, done.result());
                    } else {
                        ctx.fail(done.cause());
                    }
                });
                return;
            }
            List<Prediction> predictions;
            try {
                predictions = ready.finish();
            } catch (RuntimeException e) {
                ctx.fail(e);
                return;
            }
            respond(ctx, body, predictions);
        });
    }

    private static void respond(RoutingContext ctx, Body body, List<Prediction> predictions) {
        Buffer json;
        try {
            json = body.of(predictions);
        } catch (IOException | RuntimeException e) {
            ctx.fail(e);
            return;
        }
        ok(ctx, json);
    }

    /** 200 with a JSON body. */
    static void ok(RoutingContext ctx, Buffer json) {
        ctx.response()
                .setStatusCode(200)
                .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
                .end(json);
    }

    /** Whether any prediction was made with a default in place of a missing feature. */
    static boolean anyDegraded(List<Prediction> predictions) {
        for (int i = 0, n = predictions.size(); i < n; i++) {
            if (predictions.get(i).degraded()) {
                return true;
            }
        }
        return false;
    }
}
