package io.inferfn.bench.floor;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The framework floor's only route: {@code POST /predict} reads the body as http-predict does (a Vert.x route with
 * a body handler, on the event loop) and answers a constant prediction at once, so the first 200 comes as soon as
 * Quarkus can serve one.
 */
@Singleton
public class FloorRoutes {

    static final String ANSWER = "{\"model\":\"floor\",\"version\":\"0\",\"entityId\":\"c-1000\",\"score\":0.0,"
            + "\"label\":\"legit\",\"degraded\":false,\"missingFeatures\":[]}";

    void install(@Observes Router router) {
        router.post("/predict")
                .handler(BodyHandler.create(false).setBodyLimit(1 << 20))
                .handler(FloorRoutes::answer);
    }

    private static void answer(RoutingContext ctx) {
        ctx.response().putHeader("content-type", "application/json").end(ANSWER);
    }
}
