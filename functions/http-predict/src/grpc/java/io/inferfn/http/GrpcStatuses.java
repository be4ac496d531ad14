package io.inferfn.http;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.jboss.logging.Logger;

import io.inferfn.scoring.Errors;

/**
 * The one place a gRPC call's failure becomes its status: the HTTP status of the exception hierarchy ({@link
 * Errors#status}) as the gRPC code that means the same, with the message {@code /v2} REST would send. A server
 * fault is {@code INTERNAL} with "internal error" and an id; the log holds the cause under the same id.
 */
final class GrpcStatuses {

    private static final Logger LOG = Logger.getLogger(GrpcStatuses.class);

    private GrpcStatuses() {}

    /** The status {@code failure} answers call {@code method} with. */
    static StatusRuntimeException of(Throwable failure, String method) {
        int status = Errors.status(failure);
        String errorId = status >= 500 && status != 503 ? Errors.newErrorId() : null;
        String message = Errors.clientMessage(failure, errorId);
        if (errorId != null) {
            LOG.errorf(failure, "gRPC %s failed (error id %s)", method, errorId);
        }
        return code(status).withDescription(message).asRuntimeException();
    }

    /** The gRPC code of an HTTP status, as grpc-java and the gRPC HTTP mapping read them. */
    static Status code(int status) {
        return switch (status) {
            case 400, 405, 415, 422 -> Status.INVALID_ARGUMENT;
            case 401 -> Status.UNAUTHENTICATED;
            case 403 -> Status.PERMISSION_DENIED;
            case 404 -> Status.NOT_FOUND;
            case 409 -> Status.ABORTED;
            case 413, 429 -> Status.RESOURCE_EXHAUSTED;
            case 503 -> Status.UNAVAILABLE;
            default -> Status.INTERNAL;
        };
    }
}
