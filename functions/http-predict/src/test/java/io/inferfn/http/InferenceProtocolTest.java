package io.inferfn.http;

import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.DisabledOnIntegrationTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

/**
 * The Open Inference Protocol (KServe v2) REST surface over a real socket and a real Redis: request
 * and response bodies in the shapes of the protocol's published examples
 * (kserve/open-inference-protocol, REST "Inference Request Examples").
 */
@QuarkusTest
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class InferenceProtocolTest {

    @TestHTTPResource("/v2")
    URL v2;

    @TestHTTPResource("/predict")
    URL predict;

    /** Two rows of the fraud model's 15 input columns (c-1042's vector, then an all-zero row). */
    static final float[] VECTOR = {
        (float) Math.log1p(129.5),
        (float) Math.log1p(129.5 / 80.0),
        0f,
        (float) Math.log1p(3),
        (float) Math.log1p(900),
        0f,
        1f,
        0f,
        0f,
        0f,
        0f,
        0f,
        0f,
        1f,
        0f
    };

    @BeforeEach
    void seed() {
        PredictFunctionTest.seed();
    }

    @Test
    void serverMetadataAndHealth() {
        given().get(v2 + "")
                .then()
                .statusCode(200)
                .body("name", equalTo("inferfn"))
                .body("extensions", hasSize(0));
        given().get(v2 + "/health/live").then().statusCode(200).body("live", equalTo(true));
        given().get(v2 + "/health/ready").then().statusCode(200).body("ready", equalTo(true));
        given().get(v2 + "/models/fraud/ready").then().statusCode(200).body("ready", equalTo(true));
        given().get(v2 + "/models/fraud/versions/2/ready")
                .then()
                .statusCode(200)
                .body("name", equalTo("fraud"));
    }

    @Test
    void everyPathInTheOpenApiDocumentIsServed() {
        Map<String, Set<String>> documented = documentedEndpoints();
        assertThat(documented).isNotEmpty();
        documented.forEach((path, methods) -> {
            String url = v2.toString().replace("/v2", "")
                    + path.replace("{name}", "fraud").replace("{version}", "2");
            for (String method : methods) {
                // an empty JSON object: the endpoint exists if it answers anything but "no such route"
                int status = given().contentType(ContentType.JSON)
                        .body("{}")
                        .request(method.toUpperCase(java.util.Locale.ROOT), url)
                        .then()
                        .extract()
                        .statusCode();
                assertThat(status).as("%s %s", method, path).isNotIn(404, 405);
            }
        });
    }

    /** Derived from the running application, so an endpoint added without documenting it fails here. */
    @Test
    @DisabledOnIntegrationTest("reads the application's router in its own JVM")
    void everyEndpointTheApplicationServesIsInTheOpenApiDocument() {
        // looked up, not injected: the class also runs as InferenceProtocolIT, where injection is refused
        Map<String, Set<String>> served = io.quarkus.arc.Arc.container()
                .instance(ServedRoutes.class)
                .get()
                .endpoints();
        Map<String, Set<String>> documented = documentedEndpoints();
        System.out.println("served: " + served + "\ndocumented: " + documented);

        assertThat(served).containsKeys("/predict", "/v2/models/{name}/infer"); // the reading itself works
        assertThat(documented).containsOnlyKeys(served.keySet());
        served.forEach((path, methods) -> {
            if (!methods.isEmpty()) { // a route for any method is documented with the ones it means
                assertThat(documented.get(path)).as(path).containsExactlyInAnyOrderElementsOf(methods);
            }
        });
    }

    @Test
    void theOpenApiDocumentDeclaresBothAuthenticationSchemes() {
        assertThat(openApi().getMap("components.securitySchemes")).containsKeys("bearer", "apiKey");
    }

    /** Path to its operations' methods, from the document the function serves at /q/openapi. */
    private Map<String, Set<String>> documentedEndpoints() {
        Map<String, Map<String, Object>> paths = openApi().getMap("paths");
        Map<String, Set<String>> documented = new TreeMap<>();
        paths.forEach((path, item) -> {
            Set<String> methods = new TreeSet<>(item.keySet());
            methods.retainAll(Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace"));
            documented.put(path, methods);
        });
        return documented;
    }

    private JsonPath openApi() {
        return given().queryParam("format", "json")
                .get(v2.toString().replace("/v2", "/q/openapi"))
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    @Test
    void modelMetadataComesFromTheOnnxSession() {
        JsonPath meta = given().get(v2 + "/models/fraud")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(meta.getString("name")).isEqualTo("fraud");
        assertThat(meta.getList("versions")).containsExactly("2");
        assertThat(meta.getString("inputs[0].name")).isEqualTo("features");
        assertThat(meta.getString("inputs[0].datatype")).isEqualTo("FP32");
        assertThat(meta.getList("inputs[0].shape", Integer.class)).containsExactly(-1, 15);
        assertThat(meta.getString("outputs[0].name")).isEqualTo("score");
        assertThat(meta.getString("outputs[0].datatype")).isEqualTo("FP32");
        assertThat(meta.getList("parameters.features_mode_inputs.name"))
                .contains("entity_id", "amount", "merchant_category", "timestamp", "card_present");
        given().get(v2 + "/models/fraud/versions/2").then().statusCode(200).body("name", equalTo("fraud"));
        given().get(v2 + "/models/fraud/versions/1")
                .then()
                .statusCode(404)
                .body("error", containsString("version 1 is not served"));
        given().get(v2 + "/models/churn").then().statusCode(404).body("error", containsString("unknown model 'churn'"));
    }

    @Test
    void tensorModeRunsTheRawTensorAndEchoesIdAndParameters() throws Exception {
        StringBuilder data = new StringBuilder();
        for (int row = 0; row < 2; row++) {
            for (int i = 0; i < VECTOR.length; i++) {
                data.append(data.length() == 0 ? "" : ", ").append(row == 0 ? VECTOR[i] : 0f);
            }
        }
        // the protocol's example request, with this model's input
        String request = "{\"id\": \"42\", \"parameters\": {\"priority\": 1}, \"inputs\": [{\"name\": \"features\","
                + " \"shape\": [2, 15], \"datatype\": \"FP32\", \"data\": [" + data + "]}],"
                + " \"outputs\": [{\"name\": \"score\"}]}";

        JsonPath body = infer("/models/fraud/infer", request, 200);

        assertThat(body.getString("model_name")).isEqualTo("fraud");
        assertThat(body.getString("model_version")).isEqualTo("2");
        assertThat(body.getString("id")).isEqualTo("42");
        assertThat(body.getInt("parameters.priority")).isEqualTo(1);
        assertThat(body.getList("outputs")).hasSize(1);
        assertThat(body.getString("outputs[0].name")).isEqualTo("score");
        assertThat(body.getString("outputs[0].datatype")).isEqualTo("FP32");
        assertThat(body.getList("outputs[0].shape", Integer.class)).containsExactly(2, 1);
        List<Float> scores = body.getList("outputs[0].data", Float.class);
        assertThat(scores.get(0)).isEqualTo(PredictFunctionTest.directOrt(VECTOR));
        assertThat(scores.get(1)).isEqualTo(PredictFunctionTest.directOrt(new float[15]));

        // nested (row by row) data is the same tensor
        String nested = request.replace(
                "[" + data + "]", "[[" + data.toString().replaceFirst("((?:[^,]+, ){14}[^,]+), ", "$1], [") + "]]");
        assertThat(infer("/models/fraud/versions/2/infer", nested, 200).getList("outputs[0].data", Float.class))
                .isEqualTo(scores);
    }

    @Test
    void featuresModeGoesThroughTheSameFeatureAssemblyAsPredict() {
        float predicted = given().contentType(ContentType.JSON)
                .body(PredictFunctionTest.FRAUD_REQUEST)
                .post(predict)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getFloat("score");
        String request =
                """
                {"id": "features-1", "inputs": [
                  {"name": "entity_id", "shape": [2], "datatype": "BYTES", "data": ["c-1042", "c-9999"]},
                  {"name": "amount", "shape": [2, 1], "datatype": "FP64", "data": [129.5, 129.5]},
                  {"name": "merchant_category", "shape": [2], "datatype": "BYTES", "data": ["electronics", "electronics"]},
                  {"name": "timestamp", "shape": [2], "datatype": "BYTES", "data": ["2026-11-23T02:14:00Z", "2026-11-23T02:14:00Z"]},
                  {"name": "card_present", "shape": [2], "datatype": "BOOL", "data": [false, false]}]}""";

        JsonPath body = infer("/models/fraud/infer", request, 200);

        assertThat(body.getList("outputs.name")).containsExactly("score", "label", "degraded");
        assertThat(body.getFloat("outputs[0].data[0]")).isEqualTo(predicted);
        assertThat(body.getList("outputs[0].shape", Integer.class)).containsExactly(2);
        assertThat(body.getString("outputs[1].datatype")).isEqualTo("BYTES");
        assertThat(body.getList("outputs[2].data", Boolean.class))
                .as("c-9999 has no online features: scored with defaults, degraded")
                .containsExactly(false, true);
    }

    @Test
    void shapeAndDatatypeMismatchesSayWhatWasExpected() {
        String tensor = "{\"inputs\": [{\"name\": \"features\", \"shape\": %s, \"datatype\": \"%s\", \"data\": %s}]}";
        String fifteen = zeros(15);
        assertThat(error(tensor.formatted("[1, 15]", "FP64", fifteen)))
                .contains("expected datatype FP32, received FP64");
        assertThat(error(tensor.formatted("[1, 14]", "FP32", zeros(14))))
                .contains("expected shape [rows, 15], received [1, 14]");
        assertThat(error(tensor.formatted("[2, 15]", "FP32", fifteen))).contains("holds 30 value(s); 'data' has 15");
        assertThat(error(tensor.formatted("[1, 15]", "FLOAT", fifteen))).contains("received 'FLOAT'");
        assertThat(error(tensor.formatted("[1, 15]", "FP32", fifteen.replaceFirst("0.0", "\"x\""))))
                .contains("FP32 data must be numbers");
        assertThat(error(tensor.formatted("[1, 15]", "FP32", fifteen)
                        .replace("]}]}", "]}], \"outputs\": [{\"name\": \"probs\"}]}")))
                .contains("unknown output 'probs'");
        assertThat(
                        error(
                                "{\"inputs\": [{\"name\": \"amount\", \"shape\": [1], \"datatype\": \"BOOL\", \"data\": [true]},"
                                        + " {\"name\": \"entity_id\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"c-1042\"]}]}"))
                .contains("input 'amount': expected datatype FP64 (or FP32, INT32, INT64), received BOOL");
        assertThat(
                        error(
                                "{\"inputs\": [{\"name\": \"colour\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"red\"]}]}"))
                .contains("unknown input 'colour'");
        assertThat(
                        error(
                                "{\"inputs\": [{\"name\": \"amount\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": [1]},"
                                        + " {\"name\": \"card_present\", \"shape\": [2], \"datatype\": \"BOOL\", \"data\": [true, false]}]}"))
                .contains("has 2 rows; the other inputs have 1");
        assertThat(error("{\"inputs\": []}")).contains("'inputs' is required");
        assertThat(error("{\"inputs\": [")).contains("malformed JSON");
        assertThat(error(tensor.formatted("\"2x15\"", "FP32", fifteen)))
                .contains("'inputs[0].shape' has the wrong JSON type")
                .doesNotContain("java", "long[]");
        assertThat(error(tensor.formatted("[1, 15]", "FP32", "\"0 0 0\"")))
                .contains("inputs[0].data: expected a row-major array (flat, or nested by rows); received a string");
        assertThat(error("[]")).startsWith("expected a JSON object");
    }

    @Test
    void fieldsTheServerDoesNotReadAreIgnored() {
        String request = "{\"id\": 7, \"trace\": {\"span\": 1}, \"inputs\": [{\"name\": \"features\", \"shape\":"
                + " [1, 15], \"datatype\": \"FP32\", \"data\": " + zeros(15) + ", \"contents\": {}}]}";

        JsonPath body = infer("/models/fraud/infer", request, 200);

        assertThat(body.getString("id")).isEqualTo("7");
        assertThat(body.getMap("$")).doesNotContainKey("parameters");
        assertThat(body.getList("outputs[0].shape", Integer.class)).containsExactly(1, 1);
    }

    private JsonPath infer(String path, String body, int status) {
        return given().contentType(ContentType.JSON)
                .body(body)
                .post(v2 + path)
                .then()
                .statusCode(status)
                .extract()
                .jsonPath();
    }

    private String error(String body) {
        return infer("/models/fraud/infer", body, 400).getString("error");
    }

    private static String zeros(int n) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            values.add("0.0");
        }
        return values.toString();
    }
}
