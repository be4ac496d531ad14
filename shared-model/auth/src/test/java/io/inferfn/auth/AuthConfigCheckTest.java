package io.inferfn.auth;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The settings a function refuses to start with ({@link ModelAccess} throws {@link AuthConfigCheck}'s
 * problems at start), read from properties as an operator writes them.
 */
class AuthConfigCheckTest {

    private static final Map<String, String> PEM_WITH_ISS_AND_AUD = Map.of(
            "inferfn.auth.jwt.public-key-location", "/etc/inferfn/idp.pem",
            "inferfn.auth.jwt.issuer", "https://login.example.test",
            "inferfn.auth.jwt.audience", "inferfn");

    @Test
    void aKeyWithIssuerAndAudienceAndTheDefaultAlgorithmsStarts() {
        assertThat(problems(PEM_WITH_ISS_AND_AUD)).isEmpty();
        assertThat(problems(with(PEM_WITH_ISS_AND_AUD, "inferfn.auth.jwt.algorithms", "ES256,ES384")))
                .isEmpty();
    }

    @Test
    void verifyingTokensWithoutIssuerOrAudienceIsRefusedNamingTheSetting() {
        Map<String, String> jwks = Map.of("inferfn.auth.jwt.jwks-url", "https://idp.example.test/jwks");
        assertThat(problems(jwks))
                .hasSize(2)
                .anySatisfy(p -> assertThat(p)
                        .startsWith("inferfn.auth.jwt.issuer (INFERFN_AUTH_JWT_ISSUER) is required")
                        .contains("jwks-url"))
                .anySatisfy(p ->
                        assertThat(p).startsWith("inferfn.auth.jwt.audience (INFERFN_AUTH_JWT_AUDIENCE) is required"));
        assertThat(problems(with(PEM_WITH_ISS_AND_AUD, "inferfn.auth.jwt.audience", " ")))
                .singleElement()
                .satisfies(p -> assertThat(p).startsWith("inferfn.auth.jwt.audience"));
    }

    @Test
    void withoutAKeyOrWithAuthOffNothingIsRequired() {
        // behind the API Gateway JWT authorizer, which checks iss and aud itself
        assertThat(problems(Map.of("inferfn.auth.jwt.roles-claim", "cognito:groups")))
                .isEmpty();
        Map<String, String> off = with(
                Map.of("inferfn.auth.jwt.jwks-url", "https://idp.example.test/jwks"), "inferfn.auth.enabled", "false");
        assertThat(problems(off)).isEmpty();
    }

    @Test
    void unsignedAndSharedSecretAlgorithmsCannotBeAllowed() {
        assertThat(problems(with(PEM_WITH_ISS_AND_AUD, "inferfn.auth.jwt.algorithms", "RS256,HS256,none")))
                .hasSize(2)
                .allSatisfy(p ->
                        assertThat(p).startsWith("inferfn.auth.jwt.algorithms").contains("always refused"))
                .anySatisfy(p -> assertThat(p).contains("'HS256'"))
                .anySatisfy(p -> assertThat(p).contains("'none'"));
    }

    @Test
    void aPemKeyWithRsaAndEcAlgorithmsIsRefused() {
        // the extension would read the PEM as whichever key type its unordered set yields first
        String mixed = "RS256,RS384,RS512,PS256,PS384,PS512,ES256,ES384,ES512";
        assertThat(problems(with(PEM_WITH_ISS_AND_AUD, "inferfn.auth.jwt.algorithms", mixed)))
                .singleElement()
                .satisfies(p -> assertThat(p).contains("RSA and EC algorithms at once"));
        // a JWKS names each key's type, so there both may be allowed
        Map<String, String> jwks = with(
                with(
                        with(
                                Map.of("inferfn.auth.jwt.jwks-url", "https://idp.example.test/jwks"),
                                "inferfn.auth.jwt.issuer",
                                "https://login.example.test"),
                        "inferfn.auth.jwt.audience",
                        "inferfn"),
                "inferfn.auth.jwt.algorithms",
                mixed);
        assertThat(problems(jwks)).isEmpty();
    }

    private static List<String> problems(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(AuthConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .build();
        return AuthConfigCheck.problems(config.getConfigMapping(AuthConfig.class), false);
    }

    private static Map<String, String> with(Map<String, String> properties, String key, String value) {
        Map<String, String> copy = new HashMap<>(properties);
        copy.put(key, value);
        return copy;
    }
}
