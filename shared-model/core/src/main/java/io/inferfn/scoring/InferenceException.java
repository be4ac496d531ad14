package io.inferfn.scoring;

/**
 * Root of the one exception hierarchy of inferfn. Every failure a caller can see is a subclass
 * and carries its HTTP status; {@link Errors} turns any throwable into what a client may see.
 * Messages say what was wrong and what was expected. A 4xx or 503 message is written for the
 * caller; a 500's message is for the log only (it may hold ONNX Runtime or SQL text), and the
 * caller gets {@link #clientMessage()} instead.
 */
public abstract class InferenceException extends RuntimeException {

    private final int status;

    protected InferenceException(int status, String message) {
        super(message);
        this.status = status;
    }

    protected InferenceException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The HTTP status this failure answers with. */
    public final int status() {
        return status;
    }

    /**
     * What a caller may read: the message itself for a 4xx or 503, nothing for a 500 (the caller
     * then gets "internal error" and an id that leads to the logged cause). Subclasses of a 500 may
     * return advice that holds no internal text.
     */
    public String clientMessage() {
        return status >= 500 && status != 503 ? null : getMessage();
    }
}
