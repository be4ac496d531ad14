package io.inferfn.scoring;

/**
 * Root of the one exception hierarchy of inferfn. Every failure a caller can see is a subclass;
 * {@link Errors#status(Throwable)} is the single place that maps them to status codes. Messages
 * say what was wrong and what was expected, and are safe to return to the client.
 */
public abstract class InferenceException extends RuntimeException {

    protected InferenceException(String message) {
        super(message);
    }

    protected InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
