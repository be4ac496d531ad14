package io.inferfn.http;

import java.net.URL;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.TlsRedisTestResource;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * {@code rediss://localhost} answered by a real TLS Redis whose certificate is trusted but issued
 * for another host (as an impostor holding any certificate from the trusted CA would present):
 * the connection is refused by the host name check, scoring degrades, and readiness says why.
 * With Quarkus' own default ({@code hostname-verification-algorithm=NONE}) the features would be
 * read from the impostor.
 */
@QuarkusTest
@TestProfile(RedisTlsWrongHostTest.CertificateForAnotherHost.class)
class RedisTlsWrongHostTest {

    public static class CertificateForAnotherHost implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(
                    TlsRedisTestResource.class,
                    Map.of(TlsRedisTestResource.CERTIFICATE_HOST, "redis.another-host.example")));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            // a refused handshake must be what degrades the request, not the 25 ms budget
            return Map.of("inferfn.feature-store.timeout", "2s");
        }
    }

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/q/health/ready")
    URL ready;

    @Test
    void aTrustedCertificateForAnotherHostIsRefusedScoringDegradesAndReadinessSaysWhy() {
        TlsRedisTestResource.redis()
                .hset(
                        "customer:c-1042",
                        Map.of(
                                "avg_amount_30d", "80.0",
                                "txn_count_24h", "3",
                                "account_age_days", "900",
                                "chargebacks_1y", "0"));
        given().contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(200)
                .body("degraded", equalTo(true))
                .body("missingFeatures", equalTo(PredictFunctionTest.STORE_FEATURES));
        given().get(ready)
                .then()
                .statusCode(200)
                .body(
                        "checks.find { it.name == 'inferfn-feature-store' }.data.redis",
                        equalTo("unreachable (serving defaults, degraded)"))
                .body(
                        "checks.find { it.name == 'inferfn-feature-store' }.data.reason",
                        containsString("No subject alternative DNS name matching localhost"));
    }
}
