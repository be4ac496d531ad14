package io.inferfn.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * A container started in {@code background} mode with a corrupted model: it stays up, readiness
 * stays DOWN with the loader's reason, and predictions are 503 with that reason.
 */
@QuarkusTest
@TestProfile(ModelNotLoadedTest.CorruptModel.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class ModelNotLoadedTest {

    public static class CorruptModel implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path dir = Files.createTempDirectory("corrupt-model");
                Path source = Path.of("../../models/fraud/2");
                Files.copy(source.resolve("manifest.json"), dir.resolve("manifest.json"));
                byte[] model = Files.readAllBytes(source.resolve("model.onnx"));
                model[model.length / 2] ^= 0x5a; // one flipped byte, as a bad upload would leave it
                Files.write(dir.resolve("model.onnx"), model);
                return Map.of("inferfn.model.locations", "file:" + dir, "inferfn.model.startup", "background");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/q/health/ready")
    URL ready;

    @Test
    void predictionsAre503WithTheReasonAndReadinessIsDown() {
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get(ready)
                .then()
                .statusCode(503)
                .body(
                        "checks.find { it.name == 'inferfn-models' }.data.state",
                        containsString("integrity check failed")));
        given().contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(503)
                .body("error", containsString("model not loaded (failed: integrity check failed for file:"))
                .body("error", containsString("model.onnx: sha256 is "));
        given().get(ready).then().body("status", equalTo("DOWN"));
    }
}
