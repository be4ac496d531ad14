package io.inferfn.runtime.secrets;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.security.auth.login.AppConfigurationEntry;

import io.quarkus.kafka.client.runtime.KafkaRuntimeConfigProducer;
import io.quarkus.runtime.ApplicationConfig;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;
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
    static final String MSK_SCRAM =
            "arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_inferfn-event-score-AbCdEf";

    /**
     * KAFKA_SASL_JAAS_CONFIG as infra/terraform/modules/inference-function sets it with
     * kafka_sasl_scram_secret_arn: configuration expressions, not the credentials.
     */
    static final String JAAS_EXPRESSION = "org.apache.kafka.common.security.scram.ScramLoginModule required"
            + " username=\"${inferfn.kafka.sasl.username}\" password=\"${inferfn.kafka.sasl.password}\";";

    static MockedSecretsManager aws;

    @BeforeAll
    static void start() {
        aws = MockedSecretsManager.start()
                .put(REDIS_AUTH, "s3cret-redis-auth-token")
                .put(DB, "{\"username\":\"batch\",\"password\":\"db-pa55word\"}")
                .put(MSK_SCRAM, "{\"username\":\"inferfn\",\"password\":\"p\"}");
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
                .addDefaultInterceptors() // as Quarkus: property expressions ${...} are expanded
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

    /**
     * The configuration of a function whose Lambda environment is {@code environment}, with the
     * interceptors Quarkus always adds (property expressions {@code ${...}} among them).
     */
    static SmallRyeConfig startWithEnvironment(Map<String, String> environment) {
        Map<String, String> env = new HashMap<>(environment);
        env.putIfAbsent("INFERFN_SECRETS_ENDPOINT", aws.endpoint().toString());
        return new SmallRyeConfigBuilder()
                .addDefaultInterceptors()
                .withSources(new EnvConfigSource(env, 300))
                .withSources(new SecretsManagerConfigSourceFactory())
                .build();
    }

    @Test
    void aKafkaJaasConfigInTheEnvironmentTakesTheUsernameAndPasswordFromTheMskSecret() {
        int before = aws.received().size();
        // the environment the Terraform module gives a function with kafka_sasl_scram_secret_arn
        SmallRyeConfig config = startWithEnvironment(Map.of(
                "KAFKA_SASL_MECHANISM",
                "SCRAM-SHA-512",
                "KAFKA_SASL_JAAS_CONFIG",
                JAAS_EXPRESSION,
                "INFERFN_SECRETS_PROPERTIES",
                "inferfn.kafka.sasl.password=" + MSK_SCRAM + "#password,inferfn.kafka.sasl.username=" + MSK_SCRAM
                        + "#username"));

        String expected = "org.apache.kafka.common.security.scram.ScramLoginModule required"
                + " username=\"inferfn\" password=\"p\";";
        assertThat(config.getValue("kafka.sasl.jaas.config", String.class)).isEqualTo(expected);
        // as Quarkus' default-kafka-broker map reads it: by the environment variable's own name
        assertThat(config.getPropertyNames()).contains("KAFKA_SASL_JAAS_CONFIG");
        assertThat(config.getOptionalValue("KAFKA_SASL_JAAS_CONFIG", String.class))
                .contains(expected);
        assertThat(aws.received().subList(before, aws.received().size()))
                .as("username and password are keys of one secret: one GetSecretValue call at the cold start")
                .filteredOn(r -> MSK_SCRAM.equals(r.secretId()))
                .hasSize(1);
    }

    @Test
    void quarkusDefaultKafkaBrokerConfigurationHandsTheProducerTheScramLoginWithTheSecretsCredentials() {
        SmallRyeConfig config = startWithEnvironment(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "b-1.inferfn.abc123.c2.kafka.eu-central-1.amazonaws.com:9096",
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                "KAFKA_SASL_JAAS_CONFIG", JAAS_EXPRESSION,
                "INFERFN_SECRETS_PROPERTIES",
                        "inferfn.kafka.sasl.password=" + MSK_SCRAM + "#password,inferfn.kafka.sasl.username="
                                + MSK_SCRAM + "#username"));

        // the map SmallRye Reactive Messaging merges into every Kafka channel (event-score's event-out producer)
        Map<String, Object> kafka = new KafkaRuntimeConfigProducer().createKafkaRuntimeConfig(config, new NoName());

        assertThat(kafka)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .doesNotContainKeys("inferfn.kafka.sasl.username", "inferfn.kafka.sasl.password", "sasl.username");
        // as the Kafka client parses it when it logs in
        List<AppConfigurationEntry> login = JaasContext.loadClientContext(
                        Map.of("sasl.jaas.config", new Password((String) kafka.get("sasl.jaas.config"))))
                .configurationEntries();
        assertThat(login).singleElement().satisfies(entry -> {
            assertThat(entry.getLoginModuleName()).isEqualTo("org.apache.kafka.common.security.scram.ScramLoginModule");
            Map<String, Object> options = new HashMap<>(entry.getOptions());
            assertThat(options).containsEntry("username", "inferfn").containsEntry("password", "p");
        });
    }

    /** An application without quarkus.application.name (no default group.id). */
    private static final class NoName implements ApplicationConfig {
        @Override
        public Optional<String> name() {
            return Optional.empty();
        }

        @Override
        public Optional<String> version() {
            return Optional.empty();
        }

        @Override
        public Optional<String> uiHeader() {
            return Optional.empty();
        }
    }

    @Test
    void aSecretIsTakenLiterallyNotAsAnExpressionAndStaysSoInsideTheJaasConfig() {
        // generated passwords may hold $, \ and " anywhere; Quarkus expands ${...}, $$ and \$ in config values,
        // and Kafka's JAAS parser reads \ as an escape and " as the end of the value
        String[] passwords = {
            "a${b}c",
            "x$${y}",
            "a$$b",
            "$$$",
            "a$",
            "${",
            "${}",
            "\\$",
            "a\\$b",
            "\\$$",
            "\\\\$",
            "\\${a}",
            "$\\",
            "\\",
            "a\"b",
            "\"",
            "a\\nb",
            "\\\"",
            "p\";x=\"y"
        };
        for (int i = 0; i < passwords.length; i++) {
            String password = passwords[i];
            String arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_dollar" + i + "-AbCdEf";
            aws.put(
                    arn,
                    "{\"username\":\"inferfn\",\"password\":\""
                            + password.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
            SmallRyeConfig config = startWithEnvironment(Map.of(
                    "KAFKA_SASL_JAAS_CONFIG",
                    JAAS_EXPRESSION,
                    "INFERFN_SECRETS_PROPERTIES",
                    "inferfn.kafka.sasl.password=" + arn + "#password,inferfn.kafka.sasl.username=" + arn
                            + "#username"));

            // as the Kafka client reads it: its own JAAS parser
            String jaas = config.getValue("kafka.sasl.jaas.config", String.class);
            javax.security.auth.login.AppConfigurationEntry login =
                    org.apache.kafka.common.security.JaasContext.loadClientContext(
                                    Map.of("sasl.jaas.config", new org.apache.kafka.common.config.types.Password(jaas)))
                            .configurationEntries()
                            .get(0);
            assertThat(new HashMap<String, Object>(login.getOptions()))
                    .as("password %s in %s", password, jaas)
                    .containsEntry("password", password)
                    .containsEntry("username", "inferfn")
                    .hasSize(2);
        }
    }

    @Test
    void aKafkaJaasConfigWhoseSecretCannotBeReadFailsTheStartInsteadOfConnectingWithTheExpression() {
        String otherCluster = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_other-cluster-QwErTy";
        aws.deny(otherCluster);
        assertThatThrownBy(() -> startWithEnvironment(Map.of(
                        "KAFKA_SASL_JAAS_CONFIG",
                        JAAS_EXPRESSION,
                        "INFERFN_SECRETS_PROPERTIES",
                        "inferfn.kafka.sasl.password=" + otherCluster + "#password,inferfn.kafka.sasl.username="
                                + otherCluster + "#username")))
                .hasMessageContaining("inferfn.kafka.sasl.")
                .hasMessageContaining(otherCluster)
                .hasMessageContaining("AccessDeniedException");
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
