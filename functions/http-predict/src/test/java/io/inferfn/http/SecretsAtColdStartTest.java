package io.inferfn.http;

import java.net.URL;
import java.time.Duration;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.LocalRedis;
import io.inferfn.testing.MockedSecretsManager;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

/**
 * http-predict as Terraform deploys it with {@code redis_auth_token_secret_arn}: Redis requires a
 * password, the environment holds only the secret's ARN ({@code inferfn.secrets.properties}), and the
 * function reads the token at cold start. Secrets Manager is MOCKED ({@link MockedSecretsManager}: a
 * loopback HTTP server imitating {@code GetSecretValue}, not AWS); Redis is real.
 */
@QuarkusTest
@QuarkusTestResource(value = SecretsAtColdStartTest.PasswordRedis.class, restrictToAnnotatedClass = true)
class SecretsAtColdStartTest {

    static final String REDIS_AUTH = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:inferfn/redis-auth-Q1w2E3";
    static final String TOKEN = "token-only-in-secrets-manager";

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/q/health/ready")
    URL ready;

    @Test
    void theRedisTokenComesFromSecretsManagerAndScoringUsesTheStore() throws Exception {
        // the server really refuses clients without the token, so an undegraded score proves it was read
        assertThat(pingWithoutPassword()).startsWith("-NOAUTH");

        given().contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(200)
                .body("degraded", is(false))
                .body("missingFeatures", org.hamcrest.Matchers.empty());
        // readiness also waits for the feature store's warm-up at start (RedisWarmUpTest)
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get(ready)
                .then()
                .statusCode(200)
                .body("checks.find { it.name == 'inferfn-feature-store' }.data.redis", equalTo("reachable")));

        // read once, at cold start, signed for the ARN's region; never per request
        assertThat(PasswordRedis.aws.received()).singleElement().satisfies(r -> {
            assertThat(r.secretId()).isEqualTo(REDIS_AUTH);
            assertThat(r.authorization()).contains("/eu-west-1/secretsmanager/aws4_request");
        });
    }

    /** The first reply line to PING on a new connection that sends no password. */
    static String pingWithoutPassword() throws java.io.IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", PasswordRedis.redis.port())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("PING\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new java.io.BufferedReader(new java.io.InputStreamReader(
                            socket.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII))
                    .readLine();
        }
    }

    /** A real Redis that requires {@link #TOKEN}, seeded first, and a mocked Secrets Manager holding it. */
    public static class PasswordRedis implements QuarkusTestResourceLifecycleManager {

        static LocalRedis redis;
        static MockedSecretsManager aws;

        @Override
        public Map<String, String> start() {
            redis = LocalRedis.startOnFreePort();
            PredictFunctionTest.seed(redis);
            redis.command("CONFIG", "SET", "requirepass", TOKEN);
            aws = MockedSecretsManager.start().put(REDIS_AUTH, TOKEN);
            System.setProperty("aws.accessKeyId", "AKIDMOCKEDSECRETS");
            System.setProperty("aws.secretAccessKey", "mocked-secret-key");
            return Map.of(
                    "quarkus.redis.hosts", redis.uri(),
                    "inferfn.secrets.properties", "quarkus.redis.password=" + REDIS_AUTH,
                    "inferfn.secrets.endpoint", aws.endpoint().toString());
        }

        @Override
        public void stop() {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
            if (aws != null) {
                aws.close();
            }
            if (redis != null) {
                redis.close();
            }
        }
    }
}
