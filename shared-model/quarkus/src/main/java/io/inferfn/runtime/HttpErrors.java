package io.inferfn.runtime;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.jboss.logging.Logger;

import io.inferfn.scoring.AccessDeniedException;
import io.inferfn.scoring.AuthenticationRequiredException;
import io.inferfn.scoring.Errors;
import io.inferfn.scoring.InferenceException;
import io.inferfn.scoring.RetryLaterException;

/**
 * Turns every failure on a function's HTTP routes into {@code {"error": "..."}} with the status
 * from {@link Errors#status}: what was wrong and what was expected. Failures Funqy and Vert.x raise
 * before a function runs (malformed JSON, a body over the limit) get the function's own
 * explanation of the body it expects. A function installs it from a {@code Router} observer.
 */
public final class HttpErrors {

    private static final Logger LOG = Logger.getLogger(HttpErrors.class);

    private final String expectedBody;
    private final String endpoints;

    /**
     * @param expectedBody how a good request body looks, for malformed ones
     * @param endpoints what this function serves, for unknown paths (e.g. "POST /predict scores")
     */
    public HttpErrors(String expectedBody, String endpoints) {
        this.expectedBody = expectedBody;
        this.endpoints = endpoints;
    }

    /** Registers the failure handler ahead of every route. */
    public void install(Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(this::handle);
    }

    void handle(RoutingContext ctx) {
        if (ctx.response().ended() || ctx.response().headWritten()) {
            return;
        }
        if (ctx.response().closed()) {
            // the caller hung up (mid-body, or tired of waiting under load): nobody to answer, and not our
            // failure, so no error id and no ERROR line; under load these would flood the log
            LOG.debugf(
                    "%s %s: the caller closed the connection",
                    ctx.request().method(), ctx.request().path());
            return;
        }
        Throwable failure = securityFailure(ctx.failure());
        failure = failure != null ? failure : unwrap(ctx.failure());
        if (failure != null && Errors.status(failure) == 500 && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
            failure = null; // Vert.x rejected the request itself (e.g. a malformed chunked body): the client's fault
        }
        int status;
        String message;
        if (failure != null) {
            status = Errors.status(failure);
            String errorId = status >= 500 && status != 503 ? Errors.newErrorId() : null;
            message = Errors.clientMessage(failure, errorId);
            if (errorId != null) {
                LOG.errorf(
                        failure,
                        "%s %s failed (error id %s)",
                        ctx.request().method(),
                        ctx.request().path(),
                        errorId);
            }
        } else {
            status = ctx.statusCode() < 0 ? 500 : ctx.statusCode();
            message = switch (status) {
                case 400 -> "malformed request body: " + expectedBody;
                case 404 -> "no such endpoint: " + ctx.request().path() + "; " + endpoints;
                case 405 -> "method " + ctx.request().method() + " not allowed; use POST";
                case 413 -> "request body over the size limit (quarkus.http.limits.max-body-size); split the batch";
                default -> "request failed with status " + status;
            };
        }
        if (status == 401) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer");
        }
        if (failure instanceof RetryLaterException later) {
            ctx.response().putHeader("Retry-After", Long.toString(later.retryAfterSeconds()));
        }
        ctx.response()
                .setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("error", message).encode());
    }

    /**
     * Quarkus Security's own failures anywhere in the chain (they wrap the mechanism's cause), as
     * the hierarchy's 401 and 403.
     */
    private static InferenceException securityFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof io.quarkus.security.AuthenticationFailedException
                    || c instanceof io.quarkus.security.UnauthorizedException) {
                return new AuthenticationRequiredException(
                        "authentication failed: send a valid bearer token (Authorization: Bearer <jwt>) or API key");
            }
            if (c instanceof io.quarkus.security.ForbiddenException) {
                return new AccessDeniedException("forbidden: " + c.getMessage());
            }
        }
        return null;
    }

    private static Throwable unwrap(Throwable t) {
        Throwable current = t;
        while (current != null
                && !(current instanceof InferenceException)
                && current.getCause() != null
                && current.getCause() != current) {
            if (Errors.status(current) != 500) {
                return current;
            }
            current = current.getCause();
        }
        return current == null ? t : current;
    }
}
