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

    /**
     * Bearer JWTs, verified by quarkus-smallrye-jwt: these properties feed its {@code mp.jwt.*} and
     * {@code smallrye.jwt.*} settings (inferfn-auth's {@code META-INF/microprofile-config.properties}).
     * Without a key or JWKS URL, bearer tokens are refused (API keys still work).
     */
    Jwt jwt();

    /** How bearer JWTs are verified (signature, {@code exp}, {@code iss}, {@code aud}). */
    interface Jwt {

        /** The required {@code iss} claim; unset, any issuer is accepted. */
        Optional<String> issuer();

        /** The required {@code aud} claim (one of the token's audiences); unset, any audience is accepted. */
        Optional<String> audience();

        /** A PEM file with the issuer's RSA or EC public key ({@code mp.jwt.verify.publickey.location}). */
        Optional<String> publicKeyLocation();

        /**
         * The issuer's JWKS URL, used when no PEM file is set: keys fetched on first use and cached
         * ({@code smallrye.jwt.jwks.refresh-interval}), refetched when a token's {@code kid} is unknown.
         */
        Optional<String> jwksUrl();

        /**
         * The claim holding the caller's roles, by its literal name (e.g. {@code cognito:groups}): an
         * array of strings, or one space-separated string. Also read from the API Gateway authorizer's
         * claims on Lambda.
         */
        @WithDefault("groups")
        String rolesClaim();
    }

    /** One API key. */
    interface ApiKey {

        /** SHA-256 of the key, hex (e.g. {@code printf %s "$KEY" | sha256sum}). */
        String sha256();

        /** Roles the key grants, e.g. {@code model:fraud}. */
        Set<String> roles();
    }
}
