package io.inferfn.scoring;

/** The request is over a configured limit (rows in a batch, body size). */
public final class PayloadTooLargeException extends InferenceException {

    public PayloadTooLargeException(String message) {
        super(413, message);
    }
}
