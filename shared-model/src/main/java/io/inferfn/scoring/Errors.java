package io.inferfn.scoring;

import io.inferfn.model.ModelLoadException;

/** The one place that maps the exception hierarchy to HTTP-style status codes. */
public final class Errors {

    private Errors() {}

    /** The status code for {@code error}; anything outside the hierarchy is a server fault (500). */
    public static int status(Throwable error) {
        if (error instanceof InvalidRequestException) {
            return 400;
        }
        if (error instanceof ModelNotFoundException) {
            return 404;
        }
        if (error instanceof AccessDeniedException) {
            return 403;
        }
        if (error instanceof PayloadTooLargeException) {
            return 413;
        }
        if (error instanceof ModelUnavailableException || error instanceof ModelLoadException) {
            return 503;
        }
        return 500;
    }

    /** The message a client may see: ours verbatim, anything else generic (no internals leak). */
    public static String clientMessage(Throwable error) {
        if (error instanceof InferenceException || error instanceof ModelLoadException) {
            return error.getMessage();
        }
        return "internal error while scoring; the server log has the details";
    }
}
