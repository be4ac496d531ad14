package io.inferfn.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.identity.request.BaseAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * API keys in a request header ({@code inferfn.auth.api-key-header}). Keys are kept only as
 * SHA-256 hashes; a presented key is hashed and looked up, and its configured roles become the
 * caller's roles. A request without the header is left to the other mechanisms (bearer JWT).
 */
@ApplicationScoped
public class ApiKeyAuthenticationMechanism implements HttpAuthenticationMechanism {

    @Inject
    AuthConfig config;

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        String key = context.request().getHeader(config.apiKeyHeader());
        if (key == null || key.isEmpty()) {
            return Uni.createFrom().nullItem();
        }
        return identities.authenticate(new ApiKeyRequest(key));
    }

    /**
     * After the Lambda authorizer's claims (1000), before bearer tokens (900): the first mechanism with a
     * challenge sends it, and this one's says in its body what to send.
     */
    @Override
    public int getPriority() {
        return DEFAULT_PRIORITY - 50;
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Bearer"));
    }

    /**
     * The 401 for a model endpoint: the {@code Bearer} challenge and {@code {"error": ...}} saying which
     * credentials were missing or refused and what to send. Quarkus ends the request after a challenge, so
     * the body is written here, not by the routes' failure handler.
     */
    @Override
    public Uni<Boolean> sendChallenge(RoutingContext context) {
        HttpServerResponse response = context.response();
        if (response.ended() || response.headWritten()) {
            return Uni.createFrom().item(true);
        }
        String expected =
                "send a valid bearer token (Authorization: Bearer <jwt>) or API key (" + config.apiKeyHeader() + ")";
        String error = HttpSecurityUtils.getAuthenticationFailureFromEvent(context) == null
                ? "authentication required: " + expected
                : "authentication failed: " + expected;
        response.setStatusCode(401)
                .putHeader("WWW-Authenticate", "Bearer")
                .putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("error", error).encode());
        return Uni.createFrom().item(true);
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ApiKeyRequest.class);
    }

    /** A presented API key. */
    public static final class ApiKeyRequest extends BaseAuthenticationRequest {
        final String key;

        ApiKeyRequest(String key) {
            this.key = key;
        }
    }

    /** Verifies API keys against the configured hashes. */
    @ApplicationScoped
    public static class ApiKeyIdentityProvider implements IdentityProvider<ApiKeyRequest> {

        @Inject
        AuthConfig config;

        private final Map<String, Map.Entry<String, Set<String>>> byHash = new HashMap<>();

        @PostConstruct
        void index() {
            config.apiKeys().forEach((name, key) -> {
                String hash = key.sha256().trim().toLowerCase(java.util.Locale.ROOT);
                if (!hash.matches("[0-9a-f]{64}")) {
                    throw new IllegalStateException("inferfn.auth.api-keys." + name + ".sha256 must be 64 hex digits"
                            + " (the SHA-256 of the key, e.g. printf %s \"$KEY\" | sha256sum); got " + key.sha256());
                }
                byHash.put(hash, Map.entry(name, key.roles()));
            });
        }

        @Override
        public Class<ApiKeyRequest> getRequestType() {
            return ApiKeyRequest.class;
        }

        @Override
        public Uni<SecurityIdentity> authenticate(ApiKeyRequest request, AuthenticationRequestContext context) {
            Map.Entry<String, Set<String>> key = byHash.get(sha256(request.key));
            if (key == null) {
                return Uni.createFrom().failure(new AuthenticationFailedException("unknown API key"));
            }
            return Uni.createFrom()
                    .item(QuarkusSecurityIdentity.builder()
                            .setPrincipal(new QuarkusPrincipal("api-key:" + key.getKey()))
                            .addRoles(key.getValue())
                            .build());
        }

        static String sha256(String key) {
            try {
                return HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is part of every JDK", e);
            }
        }
    }
}
