package io.inferfn.http;

import java.net.URL;
import java.time.Duration;
import java.util.List;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;

import static io.restassured.RestAssured.given;

/**
 * Bearer tokens verified against an identity provider's JWKS URL: when the provider goes down, the
 * function keeps verifying tokens signed with keys it has already fetched, and still refuses a key it
 * never saw.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = JwksServerResource.class, restrictToAnnotatedClass = true)
class JwksOutageTest {

    @TestHTTPResource("/predict")
    URL predict;

    @Test
    void tokensWithAKnownKidStillVerifyWhileTheIdentityProviderIsDown() {
        PredictFunctionTest.seed();
        String token = JwksServerResource.token(List.of("model:fraud"));
        post(token).then().statusCode(200);

        JwksServerResource.down();
        // every token refetches the keys (they expire at once in this test); each must still score, until the
        // function has asked the provider at least once and been refused
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            post(token).then().statusCode(200);
            return JwksServerResource.requestsWhileDown() > 0;
        });

        JwksServerResource.stopServer();
        post(token).then().statusCode(200);
        // a kid the function never fetched cannot be verified while the provider is away
        String unknown = JwksServerResource.token(List.of("model:fraud"), "idp-key-2", AuthTest.keyPair());
        AuthTest.isUnauthorized(post(unknown));
    }

    private Response post(String token) {
        return given().auth()
                .oauth2(token)
                .contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict);
    }
}
