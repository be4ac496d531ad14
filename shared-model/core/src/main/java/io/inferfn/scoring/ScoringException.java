package io.inferfn.scoring;

/** ONNX Runtime failed on input that passed validation: a server-side fault, never the client's. */
public final class ScoringException extends InferenceException {

    public ScoringException(String message, Throwable cause) {
        super(500, message, cause);
    }
}
