package io.inferfn.http;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 * {@code predict} through the Lambda event path: a real API Gateway HTTP API v2 event (fixture under
 * {@code src/test/resources/events}) posted to the extension's mock event server, which hands it to
 * the function exactly as the Lambda runtime would. A caller must get the same answer through API
 * Gateway as over HTTP.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class PredictLambdaTest {

    /** The README's request (and the demo's "suspicious" sample). */
    static final String README_REQUEST =
            """
            {"entityId": "c-1042", "features": {"amount": 950.0, "merchant_category": "online",\
             "timestamp": "2026-11-23T03:12:00Z", "card_present": false}}""";

    /** What the README shows that request answered with the demo data in Redis. */
    static final float README_SCORE = 0.73662627f;

    static final String README_LABEL = "fraud";

    @TestHTTPResource("/predict")
    URL predict;

    /** c-1042's online features as the demo loads them (models/fraud/customers.csv). */
    @BeforeEach
    void seedTheDemoCustomer() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("../../models/fraud/customers.csv"));
        String[] header = lines.get(0).split(",");
        String[] row = lines.stream()
                .filter(l -> l.startsWith("c-1042,"))
                .findFirst()
                .orElseThrow()
                .split(",");
        Map<String, String> hash = new LinkedHashMap<>();
        for (int i = 1; i < header.length; i++) {
            hash.put(header[i], row[i]);
        }
        RedisTestResource.redis().hset("customer:c-1042", hash);
    }

    @Test
    void theReadmeRequestGetsTheSameScoreAndLabelThroughApiGatewayAsOverHttp() throws Exception {
        JsonPath http = given().contentType(ContentType.JSON)
                .body(README_REQUEST)
                .post(predict)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();

        JsonPath response = invoke(README_REQUEST);

        assertThat(response.getInt("statusCode")).isEqualTo(200);
        JsonPath lambda = LambdaMockEvents.httpBody(response);
        assertThat(lambda.getString("entityId")).isEqualTo("c-1042");
        assertThat(lambda.getString("model")).isEqualTo("fraud");
        assertThat(lambda.getString("version")).isEqualTo("2");
        assertThat(lambda.getBoolean("degraded"))
                .as("c-1042's features are in Redis")
                .isFalse();
        assertThat(lambda.getFloat("score")).isEqualTo(http.getFloat("score"));
        assertThat(lambda.getString("label")).isEqualTo(http.getString("label"));
        assertThat(lambda.getFloat("score")).as("the README's answer").isEqualTo(README_SCORE);
        assertThat(lambda.getString("label")).isEqualTo(README_LABEL);
    }

    @Test
    void clientErrorsKeepTheirStatusAndBodyThroughTheEventPath() throws Exception {
        String bad = README_REQUEST.replace("950.0", "\"lots\"");
        String httpError = given().contentType(ContentType.JSON)
                .body(bad)
                .post(predict)
                .then()
                .statusCode(400)
                .extract()
                .jsonPath()
                .getString("error");

        JsonPath response = invoke(bad);

        assertThat(response.getInt("statusCode")).isEqualTo(400);
        Map<String, String> headers = response.getMap("headers");
        assertThat(headers.entrySet())
                .anySatisfy(h -> assertThat(h.getKey()).isEqualToIgnoringCase("content-type"))
                .filteredOn(h -> h.getKey().equalsIgnoreCase("content-type"))
                .allSatisfy(h -> assertThat(h.getValue()).startsWith("application/json"));
        assertThat(LambdaMockEvents.httpBody(response).getString("error"))
                .contains("feature 'amount' must be a number")
                .isEqualTo(httpError);

        JsonPath unknownModel = invoke(README_REQUEST.replace("{\"entityId\"", "{\"model\": \"churn\", \"entityId\""));
        assertThat(unknownModel.getInt("statusCode")).isEqualTo(404);
        assertThat(LambdaMockEvents.httpBody(unknownModel).getString("error")).contains("unknown model 'churn'");
    }

    /** The fixture event with {@code requestBody} as its body, through the mock event server. */
    static JsonPath invoke(String requestBody) {
        return LambdaMockEvents.invoke(LambdaMockEvents.withBody(EVENT, requestBody));
    }

    static final Path EVENT = Path.of("src/test/resources/events/apigw-v2-predict.json");
}
