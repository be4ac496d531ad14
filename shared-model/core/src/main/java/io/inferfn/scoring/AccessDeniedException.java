package io.inferfn.scoring;

/** The caller is authenticated but may not use this model (403): its roles lack the model's. */
public final class AccessDeniedException extends InferenceException {

    public AccessDeniedException(String message) {
        super(403, message);
    }
}
