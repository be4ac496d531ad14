package io.inferfn.http;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import io.inferfn.testing.TinyModels;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

/** A model that returns NaN: the caller gets a 500 with an error id, never a label for it. */
@QuarkusTest
@TestProfile(NonFiniteScoreTest.NanModel.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class NonFiniteScoreTest {

    /** {@code score = sqrt(a - b)}: NaN whenever b > a; labels "low" below 0.5, else "high". */
    public static class NanModel implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            String manifest =
                    """
                    {"name": "sqrt", "version": "1", "sha256": "$SHA", "quantization": "fp32",
                     "inputs": [{"name": "x", "type": "float32", "shape": [-1, 2], "features": ["a", "b"]}],
                     "features": [{"name": "a", "source": "request"}, {"name": "b", "source": "request"}],
                     "output": {"tensor": "y", "thresholds": [0.5], "labels": ["low", "high"]}}""";
            try {
                byte[] onnx = TinyModels.sqrtOfLinear("x", "y", new float[] {1f, -1f}, 0f);
                return Map.of("inferfn.model.locations", "file:" + TinyModels.publish(onnx, manifest));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/v2/models/sqrt/infer")
    URL infer;

    static final String ERROR =
            "internal error \\(error id [0-9a-f]+\\): (rows\\[1\\]: )?model sqrt 1 returned NaN for this row, which is"
                    + " not a score; no prediction or label is given";

    @Test
    void aNanScoreIsA500WithAnErrorIdAndNoLabel() {
        given().contentType(ContentType.JSON)
                .body("{\"features\": {\"a\": 4, \"b\": 0}}")
                .post(predict)
                .then()
                .statusCode(200)
                .body("score", equalTo(2.0f))
                .body("label", equalTo("high"));
        given().contentType(ContentType.JSON)
                .body("{\"features\": {\"a\": 0, \"b\": 1}}")
                .post(predict)
                .then()
                .statusCode(500)
                .body("error", matchesPattern(ERROR));
        given().contentType(ContentType.JSON)
                .body("{\"rows\": [{\"features\": {\"a\": 4, \"b\": 0}}, {\"features\": {\"a\": 0, \"b\": 1}}]}")
                .post(predict)
                .then()
                .statusCode(500)
                .body("error", matchesPattern(ERROR));
    }

    @Test
    void aNanScoreOverTheOpenInferenceProtocolIsA500Too() {
        given().contentType(ContentType.JSON)
                .body(
                        """
                        {"inputs": [{"name": "a", "shape": [2], "datatype": "FP64", "data": [4, 0]},
                                    {"name": "b", "shape": [2], "datatype": "FP64", "data": [0, 1]}]}""")
                .post(infer)
                .then()
                .statusCode(500)
                .body("error", matchesPattern(ERROR));
    }
}
