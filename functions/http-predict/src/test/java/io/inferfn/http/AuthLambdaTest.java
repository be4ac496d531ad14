package io.inferfn.http;

import java.nio.file.Files;
import java.nio.file.Path;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;
import io.inferfn.testing.LambdaMockEvents;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On Lambda behind an API Gateway JWT authorizer, the authorizer has verified the token; its claims
 * (fixture: {@code requestContext.authorizer.jwt.claims}) become the caller's identity, and the
 * {@code groups} claim its roles, so per-model access applies as with a bearer token. API Gateway
 * also forwards the caller's {@code Authorization} header (in the fixture, a token this function
 * could not verify): the authorizer's claims win.
 */
@QuarkusTest
@TestProfile(AuthTest.AuthOn.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class AuthLambdaTest {

    static final Path EVENT = Path.of("src/test/resources/events/apigw-v2-predict-jwt-authorizer.json");

    @Test
    void authorizerClaimsWithTheModelsGroupScore() throws Exception {
        PredictFunctionTest.seed();
        assertThat(LambdaMockEvents.invoke(Files.readString(EVENT)).getInt("statusCode"))
                .isEqualTo(200);
    }

    @Test
    void authorizerClaimsForAnotherModelAre403() throws Exception {
        JsonPath response = LambdaMockEvents.invoke(Files.readString(EVENT).replace("[model:fraud]", "[model:churn]"));
        assertThat(response.getInt("statusCode")).isEqualTo(403);
        assertThat(LambdaMockEvents.httpBody(response).getString("error")).contains("may not use model 'fraud'");
    }

    @Test
    void noAuthorizerIs401() throws Exception {
        assertThat(LambdaMockEvents.invoke(PredictLambdaTest.EVENT).getInt("statusCode"))
                .isEqualTo(401);
    }
}
