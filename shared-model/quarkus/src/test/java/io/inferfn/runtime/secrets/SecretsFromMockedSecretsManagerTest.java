package io.inferfn.runtime.secrets;

import java.util.HashMap;
import java.util.Map;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.inferfn.testing.MockedSecretsManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Properties read from Secrets Manager while the configuration is built (a function's cold start),
 * against a MOCKED Secrets Manager ({@link MockedSecretsManager}: a loopback HTTP server imitating
 * the {@code GetSecretValue} API, not AWS), with static test credentials for the SDK's chain.
 */
class SecretsFromMockedSecretsManagerTest {

    static final String REDIS_AUTH =
            "arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/redis-auth-AbCdEf";
    static final String DB = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:rds!db-1234-XyZ123";

    static MockedSecretsManager aws;

    @BeforeAll
    static void start() {
        aws = MockedSecretsManager.start()
                .put(REDIS_AUTH, "s3cret-redis-auth-token")
                .put(DB, "{\"username\":\"batch\",\"password\":\"db-pa55word\"}");
        System.setProperty("aws.accessKeyId", "AKIDMOCKEDSECRETS");
        System.setProperty("aws.secretAccessKey", "mocked-secret-key");
    }

    @AfterAll
    static void stop() {
        aws.close();
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    /** The configuration a function builds at start, with these application.properties. */
    static SmallRyeConfig start(Map<String, String> applicationProperties) {
        Map<String, String> properties = new HashMap<>(applicationProperties);
        properties.putIfAbsent(
                SecretsManagerConfigSourceFactory.ENDPOINT, aws.endpoint().toString());
        return new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "application.properties", 250))
                .withSources(new SecretsManagerConfigSourceFactory())
                .build();
    }

    @Test
    void eachListedPropertyTakesItsSecretsValueOverApplicationProperties() {
        SmallRyeConfig config = start(Map.of(
                "quarkus.redis.password",
                "plain-value-from-application-properties",
                SecretsManagerConfigSourceFactory.PROPERTIES,
                "quarkus.redis.password=" + REDIS_AUTH + ", quarkus.datasource.password=" + DB + "#password"));

        assertThat(config.getRawValue("quarkus.redis.password")).isEqualTo("s3cret-redis-auth-token");
        assertThat(config.getRawValue("quarkus.datasource.password")).isEqualTo("db-pa55word");
        assertThat(aws.received())
                .filteredOn(r -> REDIS_AUTH.equals(r.secretId()))
                .first()
                .satisfies(r -> {
                    assertThat(r.target()).isEqualTo("secretsmanager.GetSecretValue");
                    // signed by the SDK's SigV4 signer with the credentials chain, for the ARN's region
                    assertThat(r.authorization())
                            .startsWith("AWS4-HMAC-SHA256 Credential=AKIDMOCKEDSECRETS/")
                            .contains("/eu-central-1/secretsmanager/aws4_request");
                });
    }

    @Test
    void withoutTheListNothingIsReadAndPlainPropertiesStay() {
        int before = aws.received().size();
        SmallRyeConfig config = start(Map.of("quarkus.redis.password", "plain"));
        assertThat(config.getRawValue("quarkus.redis.password")).isEqualTo("plain");
        assertThat(aws.received()).hasSize(before);
    }

    @Test
    void aSecretTheRoleMayNotReadFailsTheStartNamingPropertyArnAndReason() {
        String forbidden = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:someone-else-QwErTy";
        aws.deny(forbidden);
        assertThatThrownBy(() -> start(
                        Map.of(SecretsManagerConfigSourceFactory.PROPERTIES, "quarkus.redis.password=" + forbidden)))
                .hasMessageContaining("quarkus.redis.password")
                .hasMessageContaining(forbidden)
                .hasMessageContaining("HTTP 400 AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role");
    }

    @Test
    void aMissingSecretFailsTheStartNamingIt() {
        String missing = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:deleted-AbC123";
        assertThatThrownBy(() -> start(
                        Map.of(SecretsManagerConfigSourceFactory.PROPERTIES, "quarkus.redis.password=" + missing)))
                .hasMessageContaining(missing)
                .hasMessageContaining("ResourceNotFoundException: Secrets Manager can't find the specified secret.");
    }

    @Test
    void anUnreachableSecretsManagerFailsTheStartSayingSo() {
        int closedPort = freePort();
        assertThatThrownBy(() -> start(Map.of(
                        SecretsManagerConfigSourceFactory.ENDPOINT, "http://127.0.0.1:" + closedPort + "/",
                        SecretsManagerConfigSourceFactory.PROPERTIES, "quarkus.redis.password=" + REDIS_AUTH)))
                .hasMessageContaining(REDIS_AUTH)
                .hasMessageContaining("could not be reached");
    }

    @Test
    void aJsonKeyTheSecretLacksFailsTheStartListingTheKeysItHas() {
        assertThatThrownBy(() -> start(Map.of(
                        SecretsManagerConfigSourceFactory.PROPERTIES,
                        "quarkus.datasource.password=" + DB + "#pasword")))
                .hasMessageContaining(DB + "#pasword")
                .hasMessageContaining("no string value under 'pasword'")
                .hasMessageContaining("[username, password]");
        assertThatThrownBy(() -> start(Map.of(
                        SecretsManagerConfigSourceFactory.PROPERTIES,
                        "quarkus.redis.password=" + REDIS_AUTH + "#password")))
                .hasMessageContaining("the secret is not JSON");
    }

    @Test
    void aMalformedEntryIsRefusedSayingWhatWasExpected() {
        assertThatThrownBy(() -> start(Map.of(
                        SecretsManagerConfigSourceFactory.PROPERTIES, "quarkus.redis.password=inferfn/redis-auth")))
                .hasMessageContaining("'inferfn/redis-auth' is not a full secret ARN")
                .hasMessageContaining("expected <property>=<secret ARN>[#<JSON key>]");
        assertThatThrownBy(() -> start(Map.of(SecretsManagerConfigSourceFactory.PROPERTIES, REDIS_AUTH)))
                .hasMessageContaining("no '<property>=' before the ARN");
        assertThatThrownBy(() -> start(Map.of(
                        SecretsManagerConfigSourceFactory.PROPERTIES,
                        "quarkus.redis.password=" + REDIS_AUTH + ",quarkus.redis.password=" + DB)))
                .hasMessageContaining("listed twice");
    }

    private static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
