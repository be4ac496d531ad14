package io.inferfn.auth;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Who may call {@code /predict} and {@code /v2/models/...}: bearer JWTs ({@link Jwt}) and API keys,
 * each carrying roles; a caller needs the role {@code
 * model:<name>} (or {@code model:*}) for the model it calls. Health endpoints are always open, and no
 * credential is looked at outside the model endpoints.
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

    /**
     * Callers AWS IAM (SigV4) has authorised, on Lambda behind an API Gateway HTTP API with {@code AWS_IAM}
     * routes or a function URL with {@code AWS_IAM}: the event carries {@code requestContext.authorizer.iam}
     * and no token, so the function trusts the gateway's check and gives every such caller the same roles.
     */
    Iam iam();

    /** How bearer JWTs are verified (signature, {@code exp}, {@code iss}, {@code aud}). */
    interface Jwt {

        /**
         * The required {@code iss} claim. Required whenever bearer tokens are verified (a key or JWKS URL
         * is set): the function refuses to start without it.
         */
        Optional<String> issuer();

        /**
         * The required {@code aud} claim (one of the token's audiences). Required whenever bearer tokens
         * are verified: the function refuses to start without it.
         */
        Optional<String> audience();

        /**
         * The signature algorithms accepted (an allow-list: any other {@code alg}, {@code none} and
         * {@code HS256} included, is a 401). Only RS256/384/512, PS256/384/512 and ES256/384/512; with a PEM
         * key, those of its key type only (RSA: RS* and PS*; EC: ES*), else the function refuses to start.
         */
        @WithDefault("RS256,RS384,RS512,PS256,PS384,PS512")
        List<String> algorithms();

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

    /** Callers authorised by AWS IAM. */
    interface Iam {

        /**
         * The roles every IAM-authorised caller gets, e.g. {@code model:*} or {@code model:fraud}; unset,
         * none, so such a caller is authenticated but gets 403 on every model.
         */
        Optional<Set<String>> roles();
    }

    /** One API key. */
    interface ApiKey {

        /** SHA-256 of the key, hex (e.g. {@code printf %s "$KEY" | sha256sum}). */
        String sha256();

        /** Roles the key grants, e.g. {@code model:fraud}. */
        Set<String> roles();
    }
}
