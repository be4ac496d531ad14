package io.inferfn.scoring;

/** The model exists in the configuration but is not loaded (still loading, or its load failed). */
public final class ModelUnavailableException extends InferenceException {

    public ModelUnavailableException(String message) {
        super(503, message);
    }
}
