package io.inferfn.http;

import java.net.URL;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;
import io.inferfn.testing.LambdaMockEvents;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Authentication on without a JWT key, as the Terraform example deploys http-predict behind the API
 * Gateway JWT authorizer ({@code INFERFN_AUTH_ENABLED} and the roles claim only): the authorizer's
 * claims and API keys work, and a bearer token the function cannot verify is a 401, never a 500.
 */
@QuarkusTest
@TestProfile(AuthWithoutJwtKeyTest.NoJwtKey.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class AuthWithoutJwtKeyTest {

    /** Auth on, one API key, no inferfn.auth.jwt.public-key-location or jwks-url. */
    public static class NoJwtKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                return Map.of(
                        "inferfn.auth.enabled",
                        "true",
                        "inferfn.auth.jwt.roles-claim",
                        "groups",
                        "inferfn.auth.api-keys.fraud-bot.sha256",
                        AuthTest.sha256(AuthTest.API_KEY),
                        "inferfn.auth.api-keys.fraud-bot.roles",
                        "model:fraud");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @TestHTTPResource("/predict")
    URL predict;

    @BeforeEach
    void seed() {
        PredictFunctionTest.seed();
    }

    @Test
    void authorizerClaimsAndApiKeysWork() throws Exception {
        JsonPath response = given().body(Files.readString(AuthLambdaTest.EVENT))
                .post(LambdaMockEvents.url())
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(response.getInt("statusCode")).isEqualTo(200);
        given().header("X-API-Key", AuthTest.API_KEY)
                .contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(200);
    }

    @Test
    void iamCallersWithoutConfiguredRolesAre403NamingTheSetting() throws Exception {
        JsonPath response = LambdaMockEvents.invoke(Files.readString(AuthLambdaTest.FUNCTION_URL_IAM_EVENT));
        assertThat(response.getInt("statusCode")).isEqualTo(403);
        assertThat(LambdaMockEvents.httpBody(response).getString("error"))
                .contains("iam:arn:aws:sts::123456789012:assumed-role/fraud-scoring-client/ci-session")
                .contains("inferfn.auth.iam.roles");
    }

    @Test
    void bearerTokensAndMissingCredentialsAre401() {
        AuthTest.isUnauthorized(given().auth()
                .oauth2(AuthTest.token(AuthTest.OTHER_KEYS.getPrivate(), List.of("model:fraud"), 300, "inferfn"))
                .contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict));
        AuthTest.isChallenged(given().contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict));
    }
}
