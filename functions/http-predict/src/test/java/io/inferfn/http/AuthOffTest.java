package io.inferfn.http;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;
import io.inferfn.testing.LambdaMockEvents;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Authentication off ({@code inferfn.auth.enabled=false}, the test profile's default and the local demo's):
 * credentials a request happens to carry are not looked at, so a stray bearer token or API key never turns
 * a request into a 401, and neither does an event from an {@code AWS_IAM} route or function URL.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class AuthOffTest {

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/q/health/live")
    URL live;

    @BeforeEach
    void seed() {
        PredictFunctionTest.seed();
    }

    @Test
    void strayCredentialsAreIgnored() {
        given().auth().oauth2("x").get(live).then().statusCode(200);
        given().header("X-API-Key", "x").get(live).then().statusCode(200);
        given().auth()
                .oauth2("x")
                .contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(200);
        given().header("X-API-Key", "x")
                .contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(200);
    }

    @Test
    void eventsFromIamRoutesAndFunctionUrlsAreServed() throws Exception {
        for (Path event :
                List.of(AuthLambdaTest.IAM_EVENT, AuthLambdaTest.FUNCTION_URL_IAM_EVENT, AuthLambdaTest.EVENT)) {
            JsonPath response = LambdaMockEvents.invoke(Files.readString(event));
            assertThat(response.getInt("statusCode")).as(event.toString()).isEqualTo(200);
            JsonPath health = LambdaMockEvents.invoke(AuthLambdaTest.asGet(Files.readString(event), "/q/health/live"));
            assertThat(health.getInt("statusCode"))
                    .as(event + " on /q/health/live")
                    .isEqualTo(200);
        }
    }
}
