package io.inferfn.http;

import java.net.URL;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * When {@code inferfn.http.worker-queue} calls are already queued or running on worker threads (here the queue holds
 * none), a call for a model scored on workers is answered 503 with {@code Retry-After} at once instead of piling up;
 * a model scored on the event loop is not affected.
 */
@QuarkusTest
@TestProfile(WorkerQueueFullTest.NoWorkerRoom.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class WorkerQueueFullTest {

    /** The text model and the fraud model; no room on the workers. */
    public static class NoWorkerRoom implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "inferfn.model.locations",
                    "file:" + TextPredictTest.minilm() + ",file:../../models/fraud/2",
                    "inferfn.http.worker-queue",
                    "0",
                    "inferfn.overload.retry-after",
                    "2s");
        }
    }

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/v2/models/minilm/infer")
    URL infer;

    @Test
    void aCallPastTheWorkerQueueIsA503WithRetryAfterAndTheEventLoopModelStillScores() {
        given().contentType(ContentType.JSON)
                .body("{\"model\": \"minilm\", \"text\": \"hello\"}")
                .post(predict)
                .then()
                .statusCode(503)
                .header("Retry-After", "2")
                .body(
                        "error",
                        containsString("busy: 0 scoring calls are queued or running on worker threads"
                                + " (inferfn.http.worker-queue); retry shortly"));
        given().contentType(ContentType.JSON)
                .body(
                        "{\"inputs\": [{\"name\": \"text\", \"datatype\": \"BYTES\", \"shape\": [1], \"data\": [\"hi\"]}]}")
                .post(infer)
                .then()
                .statusCode(503)
                .header("Retry-After", "2");
        given().contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(200)
                .body("model", equalTo("fraud"));
    }
}
