package io.inferfn.http;

import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.TlsRedisTestResource;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/**
 * {@code rediss://} to a real Redis serving TLS with a certificate issued for {@code localhost},
 * the host connected to, and trusted through {@code quarkus.redis.tls.trust-certificate-pem}: the
 * host name check the functions turn on by default passes, and the features come from Redis.
 */
@QuarkusTest
@TestProfile(RedisTlsTest.CertificateForTheRightHost.class)
class RedisTlsTest {

    public static class CertificateForTheRightHost implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(
                    TlsRedisTestResource.class, Map.of(TlsRedisTestResource.CERTIFICATE_HOST, "localhost")));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            // the first request may pay for the TLS handshake on a shared 2-core machine
            return Map.of("inferfn.feature-store.timeout", "2s");
        }
    }

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/q/health/ready")
    URL ready;

    @Test
    void aCertificateForTheHostConnectedToIsAcceptedAndFeaturesComeFromRedis() {
        PredictFunctionTest.seed(TlsRedisTestResource.redis());
        given().contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(200)
                .body("degraded", equalTo(false))
                .body("missingFeatures", equalTo(List.of()));
        // readiness also waits for the feature store's warm-up at start (RedisWarmUpTest)
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get(ready)
                .then()
                .statusCode(200)
                .body("checks.find { it.name == 'inferfn-feature-store' }.data.redis", equalTo("reachable")));
    }
}
