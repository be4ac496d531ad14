package io.inferfn.scoring;

/**
 * The model returned NaN or infinity for a row that passed validation: a fault of the model, never
 * the caller's, and never mapped to a label (NaN reaches no threshold, so it would read as the
 * lowest label, "legit", with nothing to say it is not a score). A 500; the message holds only
 * the model's name, version and the value, so the caller may read it along with the error id.
 */
public final class NonFiniteScoreException extends InferenceException {

    public NonFiniteScoreException(String message) {
        super(500, message);
    }

    @Override
    public String clientMessage() {
        return getMessage();
    }
}
