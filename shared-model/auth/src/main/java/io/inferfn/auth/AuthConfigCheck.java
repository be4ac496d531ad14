package io.inferfn.auth;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The authentication settings a function refuses to start with, each named with what to set instead:
 * bearer tokens verified without a required {@code iss} or {@code aud}, algorithms outside the
 * asymmetric allow-list ({@code none}, {@code HS256}, ...), and a PEM key with algorithms of another
 * key type (quarkus-smallrye-jwt reads the PEM with the key type of an arbitrary one of them, so such a
 * key worked on some starts and refused every token on others).
 */
public final class AuthConfigCheck {

    /** The algorithms that may be allowed, and the key type each needs. */
    static final Map<String, String> KEY_TYPES = Map.of(
            "RS256", "RSA", "RS384", "RSA", "RS512", "RSA", "PS256", "RSA", "PS384", "RSA", "PS512", "RSA", "ES256",
            "EC", "ES384", "EC", "ES512", "EC");

    private AuthConfigCheck() {}

    /**
     * @param inlinePublicKey whether {@code mp.jwt.verify.publickey} (the key itself, not a location) is set
     * @return what is wrong, one sentence each; empty when the function may start
     */
    public static List<String> problems(AuthConfig config, boolean inlinePublicKey) {
        List<String> problems = new ArrayList<>();
        if (!config.enabled()) {
            return problems;
        }
        AuthConfig.Jwt jwt = config.jwt();
        boolean pemKey = jwt.publicKeyLocation().isPresent() || inlinePublicKey;
        if (!pemKey && jwt.jwksUrl().isEmpty()) {
            return problems; // bearer tokens are refused; behind the API Gateway authorizer it checks iss and aud
        }
        String verified = "bearer tokens are verified ("
                + (jwt.jwksUrl().isPresent() && !pemKey
                        ? "inferfn.auth.jwt.jwks-url"
                        : jwt.publicKeyLocation().isPresent()
                                ? "inferfn.auth.jwt.public-key-location"
                                : "mp.jwt.verify.publickey")
                + " is set)";
        if (blank(jwt.issuer())) {
            problems.add("inferfn.auth.jwt.issuer (INFERFN_AUTH_JWT_ISSUER) is required when " + verified
                    + ": set it to the iss your identity provider writes into its tokens, e.g."
                    + " https://cognito-idp.<region>.amazonaws.com/<pool-id>");
        }
        if (blank(jwt.audience())) {
            problems.add("inferfn.auth.jwt.audience (INFERFN_AUTH_JWT_AUDIENCE) is required when " + verified
                    + ": set it to the aud the identity provider issues tokens for this API with (e.g. its client id)");
        }
        Set<String> keyTypes = new LinkedHashSet<>();
        for (String algorithm : jwt.algorithms()) {
            String keyType = KEY_TYPES.get(algorithm.trim().toUpperCase(Locale.ROOT));
            if (keyType == null) {
                problems.add("inferfn.auth.jwt.algorithms (INFERFN_AUTH_JWT_ALGORITHMS) lists '" + algorithm
                        + "': only RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 and ES512 may be allowed;"
                        + " unsigned (none) and shared-secret (HS*) tokens are always refused");
            } else {
                keyTypes.add(keyType);
            }
        }
        if (pemKey && keyTypes.size() > 1) {
            problems.add("inferfn.auth.jwt.algorithms (INFERFN_AUTH_JWT_ALGORITHMS) is " + jwt.algorithms()
                    + ", RSA and EC algorithms at once, but a PEM key is of one type: list the algorithms of your key"
                    + " only (RS256,RS384,RS512,PS256,PS384,PS512 for RSA, the default; ES256,ES384,ES512 for EC)");
        }
        return problems;
    }

    private static boolean blank(Optional<String> value) {
        return value.isEmpty() || value.get().isBlank();
    }
}
