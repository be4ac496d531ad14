package io.inferfn.auth;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Who may call {@code /predict} and {@code /v2/models/...}: bearer JWTs ({@link Jwt}) and API keys,
 * each carrying roles; a caller needs the role {@code
 * model:<name>} (or {@code model:*}) for the model it calls. Health endpoints are always open.
 */
@ConfigMapping(prefix = "inferfn.auth")
public interface AuthConfig {

    /**
     * Require a token or key on the model endpoints. On in the prod profile; the local demo turns it
     * off, and the function then logs a warning at start.
     */
    @WithDefault("true")
    boolean enabled();

    /** The request header that carries an API key. */
    @WithDefault("X-API-Key")
    String apiKeyHeader();

    /**
     * API keys by name: never the key itself, only its SHA-256 (hex), and the roles it grants, e.g.
     * {@code inferfn.auth.api-keys.ci-bot.sha256=9f86d0...} and {@code
     * inferfn.auth.api-keys.ci-bot.roles=model:fraud}.
     */
    Map<String, ApiKey> apiKeys();

    /** Bearer JWTs. Without a key or JWKS URL, bearer tokens are refused (API keys still work). */
    Jwt jwt();

    /** How bearer JWTs are verified (signature, {@code exp}, {@code iss}, {@code aud}). */
    interface Jwt {

        /** The required {@code iss} claim. */
        Optional<String> issuer();

        /** The required {@code aud} claim (one of the token's audiences). */
        Optional<String> audience();

        /** A PEM file with the issuer's RSA or EC public key. */
        Optional<String> publicKeyLocation();

        /** The issuer's JWKS URL (keys fetched and cached, refreshed on an unknown {@code kid}). */
        Optional<String> jwksUrl();

        /** The claim holding the caller's roles: an array of strings, or one space-separated string. */
        @WithDefault("groups")
        String rolesClaim();

        /** Clock skew allowed on {@code exp} and {@code nbf}. */
        @WithDefault("30s")
        java.time.Duration clockSkew();
    }

    /** One API key. */
    interface ApiKey {

        /** SHA-256 of the key, hex (e.g. {@code printf %s "$KEY" | sha256sum}). */
        String sha256();

        /** Roles the key grants, e.g. {@code model:fraud}. */
        Set<String> roles();
    }
}
