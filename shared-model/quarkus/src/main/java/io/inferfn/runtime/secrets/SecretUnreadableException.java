package io.inferfn.runtime.secrets;

/** A secret a property is configured to come from could not be read: the start must fail, saying which and why. */
public final class SecretUnreadableException extends IllegalStateException {

    SecretUnreadableException(SecretReference reference, String reason) {
        super("cannot start: " + reference.property() + " is configured (inferfn.secrets.properties) to come from the"
                + " Secrets Manager secret " + reference.describe() + ", which could not be read: " + reason);
    }
}
