package io.inferfn.http;

import java.nio.file.Files;
import java.nio.file.Path;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code predict} through the Lambda event path: a real API Gateway HTTP API v2 event (fixture under
 * {@code src/test/resources/events}) posted to the extension's mock event server, which hands it to
 * the function exactly as the Lambda runtime would.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class PredictLambdaTest {

    @Test
    void apiGatewayV2EventIsScored() throws Exception {
        PredictFunctionTest.seed();
        String event = Files.readString(Path.of("src/test/resources/events/apigw-v2-predict.json"));
        JsonPath response = given().body(event)
                .post(lambdaApi())
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(response.getInt("statusCode")).isEqualTo(200);
        JsonPath body = body(response);
        assertThat(body.getString("model")).isEqualTo("fraud");
        assertThat(body.getBoolean("degraded")).isFalse();
        assertThat(body.getFloat("score")).isBetween(0f, 1f);
    }

    @Test
    void clientErrorsKeepTheirStatusThroughTheEventPath() throws Exception {
        String event = Files.readString(Path.of("src/test/resources/events/apigw-v2-predict.json"))
                .replace("129.5", "\\\"lots\\\"");
        JsonPath response = given().body(event)
                .post(lambdaApi())
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(response.getInt("statusCode")).isEqualTo(400);
        assertThat(body(response).getString("error")).contains("feature 'amount' must be a number");
    }

    /** The HTTP body inside a Lambda proxy response (API Gateway decodes base64 bodies the same way). */
    static JsonPath body(JsonPath lambdaResponse) {
        String body = lambdaResponse.getString("body");
        if (lambdaResponse.getBoolean("isBase64Encoded")) {
            body = new String(java.util.Base64.getDecoder().decode(body), java.nio.charset.StandardCharsets.UTF_8);
        }
        return new JsonPath(body);
    }

    /** The mock event server's address, published by the extension when it starts on a free port. */
    static String lambdaApi() {
        String api = ConfigProvider.getConfig().getValue("quarkus-internal.aws-lambda.test-api", String.class);
        String base = api.startsWith("http") ? api : "http://" + api;
        return base.contains("/_lambda_") ? base : base + "/_lambda_";
    }
}
