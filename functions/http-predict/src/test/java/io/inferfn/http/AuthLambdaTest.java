package io.inferfn.http;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;
import io.inferfn.testing.LambdaMockEvents;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On Lambda behind an API Gateway JWT authorizer, the authorizer has verified the token; its claims
 * (fixture: {@code requestContext.authorizer.jwt.claims}) become the caller's identity, and the
 * {@code groups} claim its roles, so per-model access applies as with a bearer token. API Gateway
 * also forwards the caller's {@code Authorization} header (in the fixture, a token this function
 * could not verify): the authorizer's claims win. Behind {@code AWS_IAM} (API Gateway or a function URL)
 * the caller gets the roles of {@code inferfn.auth.iam.roles}. Health never asks for credentials.
 */
@QuarkusTest
@TestProfile(AuthTest.AuthOn.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class AuthLambdaTest {

    static final Path EVENT = Path.of("src/test/resources/events/apigw-v2-predict-jwt-authorizer.json");

    /** An HTTP API route with {@code AWS_IAM}: a SigV4-signed call, {@code requestContext.authorizer.iam}. */
    static final Path IAM_EVENT = Path.of("src/test/resources/events/apigw-v2-predict-iam.json");

    /** A function URL with {@code AWS_IAM}: the same payload format, {@code routeKey $default}. */
    static final Path FUNCTION_URL_IAM_EVENT = Path.of("src/test/resources/events/function-url-predict-iam.json");

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
    void aGroupContainingACommaIsOneRoleNotTwo() throws Exception {
        JsonPath response =
                LambdaMockEvents.invoke(Files.readString(EVENT).replace("[model:fraud]", "[analysts,model:fraud]"));
        assertThat(response.getInt("statusCode")).isEqualTo(403);
        assertThat(LambdaMockEvents.httpBody(response).getString("error")).contains("[analysts,model:fraud]");
        JsonPath two =
                LambdaMockEvents.invoke(Files.readString(EVENT).replace("[model:fraud]", "[analysts model:fraud]"));
        assertThat(two.getInt("statusCode"))
                .as("space-separated groups are two roles")
                .isEqualTo(200);
    }

    @Test
    void iamCallersThroughApiGatewayAndAFunctionUrlGetTheConfiguredRoles() throws Exception {
        PredictFunctionTest.seed();
        for (Path event : List.of(IAM_EVENT, FUNCTION_URL_IAM_EVENT)) {
            JsonPath response = LambdaMockEvents.invoke(Files.readString(event));
            assertThat(response.getInt("statusCode")).as(event.toString()).isEqualTo(200);
            assertThat(LambdaMockEvents.httpBody(response).getString("model")).isEqualTo("fraud");
        }
    }

    @Test
    void healthThroughTheEventPathNeverAsksForCredentials() throws Exception {
        for (Path event : List.of(IAM_EVENT, FUNCTION_URL_IAM_EVENT, EVENT)) {
            JsonPath response = LambdaMockEvents.invoke(asGet(Files.readString(event), "/q/health/live"));
            assertThat(response.getInt("statusCode")).as(event.toString()).isEqualTo(200);
        }
        // an authorizer whose claims carry no subject is no identity; health does not care
        String noSubject = Files.readString(EVENT).replace("\"sub\": \"client-7\",", "");
        assertThat(LambdaMockEvents.invoke(asGet(noSubject, "/q/health/live")).getInt("statusCode"))
                .isEqualTo(200);
        assertThat(LambdaMockEvents.invoke(noSubject).getInt("statusCode")).isEqualTo(401);
    }

    @Test
    void noAuthorizerIs401() throws Exception {
        assertThat(LambdaMockEvents.invoke(PredictLambdaTest.EVENT).getInt("statusCode"))
                .isEqualTo(401);
    }

    /** {@code event} turned into a {@code GET} of {@code path} without a body, as API Gateway would send it. */
    static String asGet(String event, String path) {
        JsonObject json = new JsonObject(event);
        json.put("rawPath", path).put("routeKey", "$default").putNull("body");
        json.getJsonObject("requestContext").put("routeKey", "$default");
        json.getJsonObject("requestContext")
                .getJsonObject("http")
                .put("method", "GET")
                .put("path", path);
        json.getJsonObject("headers").remove("content-type");
        json.getJsonObject("headers").remove("content-length");
        return json.encode();
    }
}
