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

import io.inferfn.localstack.BlackHoleRedisTestResource;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * A feature-store budget longer than {@code inferfn.feature-store.pipeline.dead-after}: a request waiting on a
 * connection Redis went silent on is answered (degraded) when that connection is dropped, not at the end of its
 * budget, and readiness says why.
 */
@QuarkusTest
@TestProfile(RedisGoneSilentPastTheBudgetTest.BudgetPastDeadAfter.class)
class RedisGoneSilentPastTheBudgetTest {

    public static class BudgetPastDeadAfter implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(BlackHoleRedisTestResource.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "inferfn.feature-store.timeout", "20s",
                    "inferfn.feature-store.pipeline.dead-after", "300ms");
        }
    }

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/q/health/ready")
    URL ready;

    @Test
    void aRequestWaitingOnASilentConnectionIsAnsweredWhenTheConnectionIsDropped() {
        PredictFunctionTest.seed(BlackHoleRedisTestResource.redis());
        given().contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(200)
                .body("degraded", equalTo(false));

        BlackHoleRedisTestResource.proxy().blackHole();

        given().contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(200)
                .body("degraded", equalTo(true))
                .body("missingFeatures", equalTo(PredictFunctionTest.STORE_FEATURES));
        given().get(ready)
                .then()
                .body(
                        "checks.find { it.name == 'inferfn-feature-store' }.data.reason",
                        allOf(
                                containsString("answered nothing for"),
                                containsString("inferfn.feature-store.pipeline.dead-after")));
    }
}
