package io.inferfn.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
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
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import org.jboss.logging.Logger;
import org.jose4j.jwk.HttpsJwks;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.HttpsJwksVerificationKeyResolver;

/**
 * Bearer JWTs ({@code Authorization: Bearer <token>}), verified with jose4j: signature (the PEM
 * public key or the JWKS of {@code inferfn.auth.jwt.*}), expiry, issuer and audience. The roles
 * claim becomes the caller's roles. A request without a bearer token is left to the other
 * mechanisms (API keys).
 */
@ApplicationScoped
public class JwtAuthenticationMechanism implements HttpAuthenticationMechanism {

    private static final String BEARER = "Bearer ";

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        String header = context.request().getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Uni.createFrom().nullItem();
        }
        return identities.authenticate(
                new TokenAuthenticationRequest(new io.quarkus.security.credential.TokenCredential(
                        header.substring(BEARER.length()).trim(), "bearer")));
    }

    /**
     * Below the default (1000) of Quarkus' Lambda HTTP mechanism: behind an API Gateway JWT
     * authorizer the verified claims win, even though API Gateway forwards the bearer header too.
     */
    @Override
    public int getPriority() {
        return DEFAULT_PRIORITY - 100;
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Bearer"));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(TokenAuthenticationRequest.class);
    }

    /** Verifies bearer tokens; the consumer is built once from the configuration. */
    @ApplicationScoped
    public static class JwtIdentityProvider implements IdentityProvider<TokenAuthenticationRequest> {

        private static final Logger LOG = Logger.getLogger(JwtIdentityProvider.class);

        @Inject
        AuthConfig config;

        private JwtConsumer consumer; // null: no key configured, bearer tokens refused

        @PostConstruct
        void build() {
            AuthConfig.Jwt jwt = config.jwt();
            JwtConsumerBuilder builder = new JwtConsumerBuilder()
                    .setRequireExpirationTime()
                    .setAllowedClockSkewInSeconds((int) jwt.clockSkew().toSeconds())
                    .setRequireSubject();
            jwt.issuer().ifPresent(builder::setExpectedIssuer);
            jwt.audience().ifPresentOrElse(builder::setExpectedAudience, builder::setSkipDefaultAudienceValidation);
            if (jwt.publicKeyLocation().isPresent()) {
                builder.setVerificationKey(publicKey(jwt.publicKeyLocation().get()));
            } else if (jwt.jwksUrl().isPresent()) {
                builder.setVerificationKeyResolver(new HttpsJwksVerificationKeyResolver(
                        new HttpsJwks(jwt.jwksUrl().get())));
            } else {
                if (config.enabled()) {
                    LOG.warn("No inferfn.auth.jwt.public-key-location or jwks-url: bearer tokens are refused;"
                            + " API keys still work");
                }
                return;
            }
            consumer = builder.build();
        }

        @Override
        public Class<TokenAuthenticationRequest> getRequestType() {
            return TokenAuthenticationRequest.class;
        }

        @Override
        public Uni<SecurityIdentity> authenticate(
                TokenAuthenticationRequest request, AuthenticationRequestContext context) {
            if (consumer == null) {
                return Uni.createFrom()
                        .failure(new AuthenticationFailedException("bearer tokens are not accepted here"));
            }
            // JWKS may need a network fetch: off the event loop
            return context.runBlocking(() -> {
                try {
                    JwtClaims claims =
                            consumer.processToClaims(request.getToken().getToken());
                    return QuarkusSecurityIdentity.builder()
                            .setPrincipal(new QuarkusPrincipal(claims.getSubject()))
                            .addRoles(Set.copyOf(roles(claims)))
                            .addAttribute("jwt", claims)
                            .build();
                } catch (InvalidJwtException | org.jose4j.jwt.MalformedClaimException e) {
                    throw new AuthenticationFailedException("invalid bearer token: " + e.getMessage(), e);
                }
            });
        }

        private List<String> roles(JwtClaims claims) throws org.jose4j.jwt.MalformedClaimException {
            String claim = config.jwt().rolesClaim();
            if (!claims.hasClaim(claim)) {
                return List.of();
            }
            if (claims.isClaimValueStringList(claim)) {
                return claims.getStringListClaimValue(claim);
            }
            List<String> roles = new ArrayList<>();
            for (String r : claims.getStringClaimValue(claim).split("\\s+")) {
                if (!r.isBlank()) {
                    roles.add(r);
                }
            }
            return roles;
        }

        private static PublicKey publicKey(String location) {
            try {
                String pem = Files.readString(Path.of(location));
                String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
                byte[] der = java.util.Base64.getDecoder().decode(base64);
                var spec = new java.security.spec.X509EncodedKeySpec(der);
                try {
                    return java.security.KeyFactory.getInstance("RSA").generatePublic(spec);
                } catch (java.security.spec.InvalidKeySpecException notRsa) {
                    return java.security.KeyFactory.getInstance("EC").generatePublic(spec);
                }
            } catch (IOException | IllegalArgumentException | java.security.GeneralSecurityException e) {
                throw new IllegalStateException(
                        "inferfn.auth.jwt.public-key-location " + location
                                + ": not a readable PEM public key (-----BEGIN PUBLIC KEY-----): " + e.getMessage(),
                        e);
            }
        }
    }
}
