package io.inferfn.scoring;

/** The request carries no credentials, or ones that do not verify (401). */
public final class AuthenticationRequiredException extends InferenceException {

    public AuthenticationRequiredException(String message) {
        super(401, message);
    }
}
