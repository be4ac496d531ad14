package io.inferfn.scoring;

/** The request names a model this function does not serve. */
public final class ModelNotFoundException extends InferenceException {

    public ModelNotFoundException(String message) {
        super(404, message);
    }
}
