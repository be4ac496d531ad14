package io.inferfn.scoring;

/** The client sent something the model cannot score: a missing, mistyped or non-finite feature. */
public final class InvalidRequestException extends InferenceException {

    public InvalidRequestException(String message) {
        super(400, message);
    }
}
