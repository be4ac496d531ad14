package io.inferfn.http;

import java.net.URL;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Every POST takes JSON and says so: a body sent as {@code text/plain} or a form (what a page on
 * another site can make a browser send without a preflight), or without a content type, is a 415
 * naming what to send, on {@code /predict} and on the Open Inference Protocol alike.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class JsonContentTypeTest {

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/v2/models/fraud/infer")
    URL infer;

    @Test
    void aPostThatIsNotJsonIs415AndSaysWhatToSend() {
        given().contentType("text/plain")
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(415)
                .header("Accept", "application/json")
                .body("error", containsString("unsupported content type 'text/plain"))
                .body("error", containsString("POST /predict takes a JSON body; send Content-Type: application/json"));
        given().contentType("application/x-www-form-urlencoded")
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(415);
        given().contentType("text/plain")
                .body("{\"inputs\": []}")
                .post(infer)
                .then()
                .statusCode(415)
                .body("error", containsString("POST /v2/models/fraud/infer takes a JSON body"));
    }

    @Test
    void jsonWithACharsetIsAccepted() {
        PredictFunctionTest.seed();
        given().contentType("application/json; charset=UTF-8")
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(200)
                .body("model", equalTo("fraud"));
    }
}
