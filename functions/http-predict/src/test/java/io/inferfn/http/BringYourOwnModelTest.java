package io.inferfn.http;

import java.net.URL;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;
import io.inferfn.model.OnnxModel;
import io.inferfn.testing.ConverterCases;
import io.inferfn.testing.ConverterGraphs;
import io.inferfn.testing.TinyModels;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

/**
 * Models as the converters export them, served by {@code /predict} and {@code /v2} from their manifests: a skl2onnx
 * pipeline (a float and a string input, ZipMap probabilities over three classes) and a torch model with an int64
 * id through an embedding beside a float input. Scores equal a direct ONNX Runtime run of the same tensors.
 */
@QuarkusTest
@TestProfile(BringYourOwnModelTest.ConverterModels.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class BringYourOwnModelTest {

    static final String TIERS =
            """
            {"name": "tiers", "version": "1", "sha256": "$SHA", "quantization": "fp32",
             "inputs": [{"name": "amount", "type": "float32", "shape": [-1, 1], "features": ["amount"]},
                        {"name": "country", "type": "string", "shape": [-1, 1], "feature": "country"}],
             "features": [{"name": "amount", "source": "request"},
                          {"name": "country", "source": "request", "type": "string", "default": "US"}],
             "output": {"kind": "multiclass", "tensor": "output_probability"}}""";

    static final String MERCHANT =
            """
            {"name": "merchant", "version": "1", "sha256": "$SHA", "quantization": "fp32",
             "inputs": [{"name": "merchant_id", "type": "int64", "shape": [-1], "feature": "merchant"},
                        {"name": "numeric", "type": "float32", "shape": [-1, 2], "features": ["amount", "hour"]}],
             "features": [{"name": "merchant", "source": "request"}, {"name": "amount", "source": "request"},
                          {"name": "hour", "source": "request", "default": 12}],
             "output": {"tensor": "score", "thresholds": [0.5], "labels": ["low", "high"]}}""";

    public static class ConverterModels implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                return Map.of(
                        "inferfn.model.locations",
                        "file:" + TinyModels.publish(ConverterGraphs.sklearnPipeline(), TIERS) + ",file:"
                                + TinyModels.publish(ConverterGraphs.embeddingModel(), MERCHANT) + ","
                                + ConverterCases.locations(ConverterCases.all()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final OrtEnvironment ENV = OnnxModel.environment();

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/v2/models/tiers/infer")
    URL tiersInfer;

    @TestHTTPResource("/v2/models/merchant/infer")
    URL merchantInfer;

    @Test
    void everyConverterShapeAnswersOnPredictWhatOnnxRuntimeGivesItsTensors() {
        for (ConverterCases.Case c : ConverterCases.all()) {
            for (int r = 0; r < c.rows().size(); r++) {
                ConverterCases.Expected e = c.expected().get(r);
                var response = given().contentType(ContentType.JSON)
                        .body("{\"model\": \"" + c.name() + "\", \"entityId\": \"e-" + r + "\", \"features\": "
                                + ConverterCases.json(c.rows().get(r)) + "}")
                        .post(predict)
                        .then()
                        .statusCode(200)
                        .body("model", equalTo(c.name()))
                        .body("score", equalTo(e.score()))
                        .body("label", equalTo(e.label()))
                        .body("degraded", equalTo(false))
                        .extract()
                        .jsonPath();
                if (e.probabilities() == null) {
                    org.assertj.core.api.Assertions.assertThat(response.getMap("$"))
                            .as(c.name())
                            .doesNotContainKey("probabilities");
                } else {
                    org.assertj.core.api.Assertions.assertThat(
                                    response.getMap("probabilities", String.class, Float.class))
                            .as(c.name())
                            .isEqualTo(e.probabilities());
                }
            }
        }
    }

    @Test
    void aPipelineWithAStringCategoricalAnswersProbabilitiesAndTheArgmaxLabelOnPredictAndV2() throws Exception {
        Map<String, Float> direct = tiers(75.5f, "FR");
        String top = direct.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .orElseThrow()
                .getKey();
        given().contentType(ContentType.JSON)
                .body("{\"model\": \"tiers\", \"features\": {\"amount\": 75.5, \"country\": \"FR\"}}")
                .post(predict)
                .then()
                .statusCode(200)
                .body("label", equalTo(top))
                .body("score", equalTo(direct.get(top)))
                .body("probabilities.bronze", equalTo(direct.get("bronze")))
                .body("probabilities.gold", equalTo(direct.get("gold")))
                .body("probabilities.silver", equalTo(direct.get("silver")));
        given().contentType(ContentType.JSON)
                .body(
                        """
                        {"inputs": [{"name": "amount", "shape": [1], "datatype": "FP64", "data": [75.5]},
                                    {"name": "country", "shape": [1], "datatype": "BYTES", "data": ["FR"]}]}""")
                .post(tiersInfer)
                .then()
                .statusCode(200)
                .body("outputs.name", contains("score", "label", "probabilities", "degraded"))
                .body("outputs[1].data", contains(top))
                .body("outputs[2].shape", contains(1, 3))
                .body("outputs[2].parameters.classes", contains("bronze", "gold", "silver"))
                .body("outputs[2].data", contains(direct.get("bronze"), direct.get("gold"), direct.get("silver")));
        // tensor mode: one entry per ONNX input, the ZipMap read as [rows, classes]
        given().contentType(ContentType.JSON)
                .body(
                        """
                        {"inputs": [{"name": "amount", "shape": [1, 1], "datatype": "FP32", "data": [75.5]},
                                    {"name": "country", "shape": [1, 1], "datatype": "BYTES", "data": ["FR"]}]}""")
                .post(tiersInfer)
                .then()
                .statusCode(200)
                .body("outputs[0].name", equalTo("output_probability"))
                .body("outputs[0].data", contains(direct.get("bronze"), direct.get("gold"), direct.get("silver")));
    }

    @Test
    void anInt64IdThroughAnEmbeddingScoresAsOnnxRuntimeDoesInEveryMode() throws Exception {
        float direct = merchant(3, 7f, 12f);
        given().contentType(ContentType.JSON)
                .body("{\"model\": \"merchant\", \"features\": {\"merchant\": 3, \"amount\": 7}}")
                .post(predict)
                .then()
                .statusCode(200)
                .body("score", equalTo(direct))
                .body("label", equalTo(direct >= 0.5f ? "high" : "low"));
        given().contentType(ContentType.JSON)
                .body(
                        """
                        {"inputs": [{"name": "merchant_id", "shape": [1], "datatype": "INT64", "data": [3]},
                                    {"name": "numeric", "shape": [1, 2], "datatype": "FP32", "data": [7, 12]}]}""")
                .post(merchantInfer)
                .then()
                .statusCode(200)
                .body("outputs[0].name", equalTo("score"))
                .body("outputs[0].data", contains(direct));
    }

    @Test
    void badInputIsA400NamingTheInputWhatItTakesAndWhatCame() {
        given().contentType(ContentType.JSON)
                .body("{\"model\": \"merchant\", \"features\": {\"merchant\": 3.5, \"amount\": 7}}")
                .post(predict)
                .then()
                .statusCode(400)
                .body(
                        "error",
                        equalTo("feature 'merchant' is 3.5; model input 'merchant_id' takes whole numbers (int64)"));
        given().contentType(ContentType.JSON)
                .body(
                        """
                        {"inputs": [{"name": "merchant_id", "shape": [1], "datatype": "FP32", "data": [3]},
                                    {"name": "numeric", "shape": [1, 2], "datatype": "FP32", "data": [7, 12]}]}""")
                .post(merchantInfer)
                .then()
                .statusCode(400)
                .body("error", equalTo("input 'merchant_id': expected datatype INT64, received FP32"));
        given().contentType(ContentType.JSON)
                .body(
                        """
                        {"inputs": [{"name": "merchant_id", "shape": [1, 1], "datatype": "INT64", "data": [3]},
                                    {"name": "numeric", "shape": [1, 2], "datatype": "FP32", "data": [7, 12]}]}""")
                .post(merchantInfer)
                .then()
                .statusCode(400)
                .body("error", equalTo("input 'merchant_id': expected shape [rows], received [1, 1]"));
        given().contentType(ContentType.JSON)
                .body(
                        """
                        {"inputs": [{"name": "numeric", "shape": [1, 2], "datatype": "FP32", "data": [7, 12]}]}""")
                .post(merchantInfer)
                .then()
                .statusCode(400)
                .body(
                        "error",
                        equalTo("input 'merchant_id' is required in tensor mode: INT64 [rows]; model merchant takes"
                                + " [merchant_id, numeric]"));
    }

    static Map<String, Float> tiers(float amount, String country) throws Exception {
        byte[] onnx = ConverterGraphs.sklearnPipeline();
        try (OrtSession s = ENV.createSession(onnx);
                OnnxTensor a = OnnxTensor.createTensor(ENV, new float[][] {{amount}});
                OnnxTensor c = OnnxTensor.createTensor(ENV, new String[][] {{country}});
                OrtSession.Result result = s.run(Map.of("amount", a, "country", c), Set.of("output_probability"))) {
            Map<String, Float> out = new HashMap<>();
            List<? extends OnnxValue> maps = ((OnnxSequence) result.get(0)).getValue();
            for (Map.Entry<?, ?> e : ((OnnxMap) maps.get(0)).getValue().entrySet()) {
                out.put((String) e.getKey(), (Float) e.getValue());
            }
            return out;
        }
    }

    static float merchant(long id, float amount, float hour) throws Exception {
        byte[] onnx = ConverterGraphs.embeddingModel();
        try (OrtSession s = ENV.createSession(onnx);
                OnnxTensor i = OnnxTensor.createTensor(ENV, LongBuffer.wrap(new long[] {id}), new long[] {1});
                OnnxTensor n = OnnxTensor.createTensor(ENV, new float[][] {{amount, hour}});
                OrtSession.Result result = s.run(Map.of("merchant_id", i, "numeric", n))) {
            FloatBuffer b = ((OnnxTensor) result.get(0)).getFloatBuffer();
            return b.get(0);
        }
    }
}
