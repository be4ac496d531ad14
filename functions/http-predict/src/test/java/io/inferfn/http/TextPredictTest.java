package io.inferfn.http;

import java.net.URL;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;
import io.inferfn.model.TextModel;
import io.inferfn.models.MiniLmModelGenerator;
import io.inferfn.runtime.ModelCatalog;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * The text demo model (all-MiniLM-L6-v2, int8) served by {@code POST /predict} beside the tabular fraud model:
 * {@code {"text"}} and {@code {"texts"}} answer embeddings equal to the model's own call, on worker threads; long
 * texts are cut, never a 500; bad input is a 4xx saying what was expected.
 */
@QuarkusTest
@TestProfile(TextPredictTest.TextAndFraud.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class TextPredictTest {

    /** The int8 text demo model, generated from its Maven artifact when missing, and the fraud demo model. */
    public static class TextAndFraud implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "inferfn.model.locations",
                    "file:" + minilm() + ",file:" + strict() + ",file:../../models/fraud/2",
                    "inferfn.http.max-batch-texts",
                    "8");
        }
    }

    /** The same model as minilm-strict: at most 16 tokens, and a longer text refused (text.truncation false). */
    static Path strict() {
        try {
            Path source = minilm();
            Path dir = source.resolveSibling("strict");
            java.nio.file.Files.createDirectories(dir);
            for (String file : List.of("model.onnx", "tokenizer.json")) {
                java.nio.file.Files.copy(
                        source.resolve(file), dir.resolve(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            String manifest = java.nio.file.Files.readString(source.resolve("manifest.json"))
                    .replace("\"name\" : \"minilm\"", "\"name\" : \"minilm-strict\"")
                    .replace("\"maxLength\" : 128", "\"maxLength\" : 16")
                    .replace("\"truncation\" : true", "\"truncation\" : false");
            java.nio.file.Files.writeString(dir.resolve("manifest.json"), manifest);
            return dir;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Path minilm() {
        try {
            return MiniLmModelGenerator.write(Path.of("target/minilm").toAbsolutePath(), true);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Inject
    ModelCatalog catalog;

    @Inject
    ScoringThreads threads;

    @TestHTTPResource("/predict")
    URL predict;

    @TestHTTPResource("/v2/models/minilm/infer")
    URL infer;

    @TestHTTPResource("/v2/models/minilm")
    URL metadata;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    io.inferfn.testing.PrometheusText scrape() {
        return io.inferfn.testing.PrometheusText.parse(
                given().get(metrics).then().statusCode(200).extract().asString());
    }

    static final List<String> SENTENCES = List.of(
            "The cat sits on the mat.",
            "A feline is resting on a rug, looking out of the window at the birds in the garden.",
            "Café déjà vu 😀");

    ValidatableResponse post(String body) {
        return given().contentType(ContentType.JSON).body(body).post(predict).then();
    }

    @Test
    void oneTextAnswersTheEmbeddingTheModelGivesItWithModelAndVersion() throws Exception {
        var json = post("{\"model\": \"minilm\", \"text\": \"The cat sits on the mat.\"}")
                .statusCode(200)
                .body("model", equalTo("minilm"))
                .body("version", equalTo("2"))
                .body("tokens", equalTo(9))
                .body("truncated", equalTo(false))
                .extract()
                .jsonPath();
        List<Float> embedding = json.getList("embedding", Float.class);
        float[] direct = catalog.resolve("minilm")
                .text()
                .run(List.of(SENTENCES.get(0)))
                .get(0)
                .embedding();
        assertThat(embedding).hasSize(384);
        for (int h = 0; h < direct.length; h++) {
            assertThat(embedding.get(h)).isEqualTo(direct[h]);
        }
        assertThat(threads.onWorker(catalog.resolve("minilm"))).isTrue();
    }

    @Test
    void aBatchOfTextsIsPaddedToTheLongestAndEachAnswersItsOwnEmbedding() throws Exception {
        var before = scrape();
        var json = post("{\"model\": \"minilm\", \"texts\": [\"" + String.join("\", \"", SENTENCES) + "\"]}")
                .statusCode(200)
                .body("model", equalTo("minilm"))
                .body("predictions.size()", equalTo(3))
                .extract()
                .jsonPath();
        List<TextModel.Result> alone = catalog.resolve("minilm").text().run(List.of(SENTENCES.get(0)));
        List<Float> first = json.getList("predictions[0].embedding", Float.class);
        float[] a = new float[first.size()];
        for (int h = 0; h < a.length; h++) {
            a[h] = first.get(h);
        }
        // padding is masked out (TextModelTest shows fp32 batch = alone to 1e-4); this int8 model quantizes its
        // activations per call (dynamic), so the batch's other texts move an embedding a little: the int8 gate holds
        assertThat(cosine(a, alone.get(0).embedding())).isGreaterThan(0.98);
        assertThat(json.getInt("predictions[1].tokens")).isGreaterThan(json.getInt("predictions[0].tokens"));
        // the three texts count as rows scored; their ORT call is timed like a tabular model's
        var after = scrape();
        String[] minilm = {"model", "minilm", "outcome", "ok"};
        assertThat(after.sum("inferfn_predictions_total", minilm) - before.sum("inferfn_predictions_total", minilm))
                .isEqualTo(3.0);
        assertThat(after.sum("inferfn_inference_duration_seconds_count", "model", "minilm")
                        - before.sum("inferfn_inference_duration_seconds_count", "model", "minilm"))
                .isEqualTo(1.0);
    }

    @Test
    void aLongTextIsCutToTheModelsMaximumNotA500() {
        post("{\"model\": \"minilm\", \"text\": \"" + "word ".repeat(5000) + "\"}")
                .statusCode(200)
                .body("tokens", equalTo(128))
                .body("truncated", equalTo(true));
    }

    @Test
    void aModelThatDoesNotTruncateRefusesALongTextWith413NamingItsLengthAndTheLimit() {
        post("{\"model\": \"minilm-strict\", \"texts\": [\"short\", \"" + "word ".repeat(40) + "\"]}")
                .statusCode(413)
                .body(
                        "error",
                        equalTo("texts[1] is 42 tokens; model minilm-strict 2 takes at most 16 (its manifest"
                                + " sets text.truncation false: shorten the text)"));
        post("{\"model\": \"minilm-strict\", \"text\": \"short\"}")
                .statusCode(200)
                .body("truncated", equalTo(false));
    }

    @Test
    void badTextInputIsA4xxSayingWhatWasExpected() {
        post("{\"model\": \"minilm\", \"text\": 42}")
                .statusCode(400)
                .body("error", equalTo("'text' must be a string; got a number"));
        post("{\"model\": \"minilm\", \"texts\": [\"ok\", {\"a\": 1}]}")
                .statusCode(400)
                .body("error", equalTo("texts[1] must be a string; got an object"));
        post("{\"model\": \"minilm\", \"texts\": []}")
                .statusCode(400)
                .body("error", equalTo("'texts' is empty; send at least one text"));
        post("{\"model\": \"minilm\", \"texts\": [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", \"i\"]}")
                .statusCode(413)
                .body(
                        "error",
                        containsString("batch of 9 texts is over the limit of 8 (inferfn.http.max-batch-texts)"));
        post("{\"model\": \"minilm\", \"entityId\": \"c-1042\", \"features\": {\"amount\": 1}}")
                .statusCode(400)
                .body("error", containsString("model minilm is a text model: send {\"text\": \"...\"}"));
        post("{\"model\": \"minilm\", \"text\": \"a\", \"texts\": [\"b\"]}")
                .statusCode(400)
                .body("error", equalTo("send either one 'text' or a batch of 'texts', not both"));
        post("{\"model\": \"fraud\", \"text\": \"hello\"}")
                .statusCode(400)
                .body("error", containsString("model fraud is not a text model"));
    }

    @Test
    void theTabularModelBesideItStillScoresOnTheEventLoop() {
        assertThat(threads.onWorker(catalog.resolve("fraud"))).isFalse();
        post(PredictFunctionTest.FRAUD_REQUEST).statusCode(200).body("model", equalTo("fraud"));
    }

    @Test
    void v2InferTakesABytesTensorOfTextsAndAnswersAnEmbeddingPerText() throws Exception {
        var json = given().contentType(ContentType.JSON)
                .body("{\"id\": \"r-1\", \"inputs\": [{\"name\": \"text\", \"datatype\": \"BYTES\", \"shape\": [2],"
                        + " \"data\": [\"" + SENTENCES.get(0) + "\", \"" + SENTENCES.get(2) + "\"]}]}")
                .post(infer)
                .then()
                .statusCode(200)
                .body("model_name", equalTo("minilm"))
                .body("id", equalTo("r-1"))
                .body("outputs[0].name", equalTo("embedding"))
                .body("outputs[0].datatype", equalTo("FP32"))
                .body("outputs[0].shape", equalTo(List.of(2, 384)))
                .extract()
                .jsonPath();
        List<Float> flat = json.getList("outputs[0].data", Float.class);
        float[] second = new float[384];
        for (int h = 0; h < 384; h++) {
            second[h] = flat.get(384 + h);
        }
        float[] alone = catalog.resolve("minilm")
                .text()
                .run(List.of(SENTENCES.get(2)))
                .get(0)
                .embedding();
        assertThat(cosine(second, alone)).isGreaterThan(0.98); // dynamic int8: see the batch test above

        given().get(metadata)
                .then()
                .statusCode(200)
                .body("inputs[0].name", equalTo("text"))
                .body("inputs[0].datatype", equalTo("BYTES"))
                .body("outputs[0].shape", equalTo(List.of(-1, 384)));
    }

    @Test
    void v2InferRefusesAnInputThatIsNotABytesTensorOfTexts() {
        given().contentType(ContentType.JSON)
                .body(
                        "{\"inputs\": [{\"name\": \"input_ids\", \"datatype\": \"INT64\", \"shape\": [1, 2], \"data\": [101, 102]}]}")
                .post(infer)
                .then()
                .statusCode(400)
                .body(
                        "error",
                        containsString("model minilm is a text model: send one input {\"name\": \"text\","
                                + " \"datatype\": \"BYTES\""));
        given().contentType(ContentType.JSON)
                .body(
                        "{\"inputs\": [{\"name\": \"text\", \"datatype\": \"BYTES\", \"shape\": [2], \"data\": [\"a\", 7]}]}")
                .post(infer)
                .then()
                .statusCode(400)
                .body("error", equalTo("input 'text' value 1 must be a string; received 7.0"));
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
