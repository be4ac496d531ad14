package io.inferfn.http;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import com.amazonaws.services.lambda.runtime.Context;
import io.quarkus.vertx.http.runtime.QuarkusHttpHeaders;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.ext.web.RoutingContext;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import io.inferfn.runtime.metrics.EmfMeterRegistry;
import io.inferfn.runtime.metrics.InvocationMetrics;

/**
 * On Lambda, each API Gateway or function URL event is one HTTP request here: its log lines carry the invocation's
 * {@code AWSRequestId} (the MDC of the request's Vert.x context, where it is served), and when its response
 * ends, the invocation's metrics are written as EMF lines, before Lambda freezes the process. Compiled only into the
 * Lambda build (and the tests), where the Lambda HTTP extension is present.
 */
@Singleton
public class LambdaInvocationFilter {

    /** Ahead of authentication and routing: a refused request is an invocation too. */
    static final int PRIORITY = 50_000;

    private static final Logger LOG = Logger.getLogger(LambdaInvocationFilter.class);

    @Inject
    InvocationMetrics metrics;

    void register(@Observes Filters filters) {
        filters.register(this::invocation, PRIORITY);
    }

    void invocation(RoutingContext rc) {
        Context lambda = rc.request().headers() instanceof QuarkusHttpHeaders headers
                ? headers.getContextObject(Context.class)
                : null;
        if (lambda != null) { // null: a request on the socket (the tests' HTTP server), not a Lambda event
            MDC.put(EmfMeterRegistry.REQUEST_ID_MDC_KEY, lambda.getAwsRequestId());
            if (LOG.isDebugEnabled()) {
                LOG.debugf(
                        "Lambda invocation: %s %s",
                        rc.request().method(), rc.request().path());
            }
            rc.addBodyEndHandler(ended -> metrics.invocationEnded());
        }
        rc.next();
    }
}
