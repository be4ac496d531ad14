package io.inferfn.auth;

import java.util.List;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.security.identity.SecurityIdentity;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import io.inferfn.scoring.AccessDeniedException;

/**
 * Per-model access: a caller may use model {@code name} when its roles (JWT {@code groups}, API key
 * roles, or the API Gateway authorizer's claims on Lambda) include {@code model:<name>} or {@code
 * model:*}. Authentication itself is enforced before the request reaches a function
 * ({@code quarkus.http.auth.permission.models}).
 */
@Singleton
public class ModelAccess {

    private static final Logger LOG = Logger.getLogger(ModelAccess.class);

    /**
     * An identity attribute naming where its roles were configured (e.g. {@code inferfn.auth.iam.roles}),
     * quoted in the 403 so the operator knows what to change.
     */
    public static final String ROLES_FROM = "inferfn.roles-from";

    /** The role that grants every model. */
    public static final String ALL_MODELS = "model:*";

    @Inject
    AuthConfig config;

    void announce(@Observes StartupEvent event) {
        // the extension's own "not set" is NONE
        boolean inlineKey = ConfigProvider.getConfig()
                .getOptionalValue("mp.jwt.verify.publickey", String.class)
                .filter(key -> !key.equals("NONE"))
                .isPresent();
        List<String> problems = AuthConfigCheck.problems(config, inlineKey);
        if (!problems.isEmpty()) {
            throw new IllegalStateException(
                    "Refusing to start with these authentication settings: " + String.join("; ", problems));
        }
        if (!config.enabled()) {
            LOG.warn("AUTHENTICATION IS OFF (inferfn.auth.enabled=false): anyone who can reach this port may call"
                    + " /predict and /v2/models/*. Fine for the local demo; never in production.");
        } else if (config.jwt().publicKeyLocation().isEmpty()
                && config.jwt().jwksUrl().isEmpty()
                && !inlineKey) {
            LOG.info("No inferfn.auth.jwt.public-key-location or jwks-url: bearer tokens are refused (401);"
                    + " API keys and, on Lambda, the API Gateway authorizer's claims still work");
        }
    }

    /** @throws AccessDeniedException when auth is on and {@code identity} lacks the model's role */
    public void check(SecurityIdentity identity, String model) {
        if (!config.enabled()) {
            return;
        }
        if (identity == null || identity.isAnonymous()) {
            // the HTTP permission rejects anonymous callers first; this is a second line
            throw new AccessDeniedException("authentication required for model " + model);
        }
        if (!identity.hasRole("model:" + model) && !identity.hasRole(ALL_MODELS)) {
            Object rolesFrom = identity.getAttribute(ROLES_FROM);
            throw new AccessDeniedException(identity.getPrincipal().getName() + " may not use model '" + model
                    + "': its roles " + identity.getRoles() + " lack model:" + model + " (or " + ALL_MODELS + ")"
                    + (rolesFrom == null ? "" : "; they come from " + rolesFrom));
        }
    }
}
