package io.inferfn.scoring;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;

import io.inferfn.features.FeatureStore;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ManifestException;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxModel;
import io.inferfn.model.OnnxOptions;
import io.inferfn.testing.ConverterGraphs;
import io.inferfn.testing.TinyModels;
import io.inferfn.testing.TorchGraphs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Models as the converters export them (skl2onnx pipeline with a string categorical and ZipMap, ONNX-ML tree
 * ensembles, a torch softmax, a torch embedding over an int64 id) are served from a manifest, and score exactly
 * what a direct ONNX Runtime run of the same tensors gives.
 */
class BringYourOwnModelTest {

    private static final OrtEnvironment ENV = OnnxModel.environment();
    private final ModelRegistry registry = ModelRegistry.local(OnnxOptions.DEFAULTS);
    private final Scorer scorer = new Scorer(FeatureStore.EMPTY);

    private static final String HEAD =
            """
            {"name": "byo", "version": "1", "sha256": "$SHA", "quantization": "fp32",
            """;

    private LoadedModel load(byte[] onnx, String rest) throws Exception {
        return registry.load("file:" + TinyModels.publish(onnx, HEAD + rest));
    }

    private static final String PIPELINE =
            """
             "inputs": [{"name": "amount", "type": "float32", "shape": [-1, 1], "features": ["amount"]},
                        {"name": "country", "type": "string", "shape": [-1, 1], "feature": "country"}],
             "features": [{"name": "amount", "source": "request"},
                          {"name": "country", "source": "request", "type": "string", "default": "US"}],
             "output": {"kind": "multiclass", "tensor": "output_probability", "classThresholds": {"gold": 0.6}}}""";

    @Test
    void anSklearnPipelineWithAStringCategoricalAndZipMapScoresAsOnnxRuntimeDoes() throws Exception {
        byte[] onnx = ConverterGraphs.sklearnPipeline();
        float[] amounts = {10f, 75.5f, 120f, 3f};
        String[] countries = {"DE", "US", "FR", "ES"};
        try (LoadedModel model = load(onnx, PIPELINE)) {
            List<Row> rows = new ArrayList<>();
            for (int r = 0; r < amounts.length; r++) {
                rows.add(Row.of(null, Map.of("amount", (double) amounts[r], "country", countries[r])));
            }
            List<Prediction> predictions = scorer.scoreBatch(model, rows);
            List<Map<String, Float>> direct = zipMapRun(onnx, amounts, countries);
            for (int r = 0; r < rows.size(); r++) {
                Prediction p = predictions.get(r);
                assertThat(p.probabilities()).containsExactlyEntriesOf(sorted(direct.get(r)));
                assertThat(p.probabilities().keySet()).containsExactlyElementsOf(ConverterGraphs.TIERS);
                // gold needs 0.6; otherwise the most probable class
                String expected = null;
                float best = -1;
                for (Map.Entry<String, Float> e : direct.get(r).entrySet()) {
                    boolean qualifies = !e.getKey().equals("gold") || e.getValue() >= 0.6f;
                    if (qualifies && e.getValue() > best) {
                        best = e.getValue();
                        expected = e.getKey();
                    }
                }
                assertThat(p.label()).isEqualTo(expected);
                assertThat(Float.floatToIntBits(p.score())).isEqualTo(Float.floatToIntBits(best));
            }
            // a missing categorical takes its default, as any feature does
            Prediction defaulted = scorer.score(model, Row.of(null, Map.of("amount", 10.0)));
            assertThat(defaulted.probabilities())
                    .containsExactlyEntriesOf(sorted(zipMapRun(onnx, new float[] {10f}, new String[] {"US"})
                            .get(0)));
        }
    }

    @Test
    void aTreeEnsembleClassifierServesItsProbabilityOfTheSecondClassAsABinaryScore() throws Exception {
        byte[] onnx = ConverterGraphs.treeClassifier();
        String manifest =
                """
                 "inputs": [{"name": "input", "type": "float32", "shape": [-1, 3], "features": ["a", "b", "c"]}],
                 "features": [{"name": "a", "source": "request"}, {"name": "b", "source": "request"},
                              {"name": "c", "source": "request"}],
                 "output": {"tensor": "probabilities", "column": 1, "thresholds": [0.3], "labels": ["ok", "alert"]}}""";
        float[][] x = {{0f, 0f, 0f}, {0f, 2f, -1f}, {1f, 0f, 0f}, {1f, 5f, -3f}};
        try (LoadedModel model = load(onnx, manifest)) {
            List<Row> rows = new ArrayList<>();
            for (float[] v : x) {
                rows.add(Row.of(null, Map.of("a", (double) v[0], "b", (double) v[1], "c", (double) v[2])));
            }
            List<Prediction> predictions = scorer.scoreBatch(model, rows);
            float[] direct = floatRun(onnx, Map.of("input", x), "probabilities");
            for (int r = 0; r < x.length; r++) {
                assertThat(Float.floatToIntBits(predictions.get(r).score()))
                        .isEqualTo(Float.floatToIntBits(direct[r * 2 + 1]));
                assertThat(predictions.get(r).label()).isEqualTo(direct[r * 2 + 1] >= 0.3f ? "alert" : "ok");
            }
        }
    }

    @Test
    void aThreeClassSoftmaxGivesProbabilitiesTheArgmaxLabelAndLabelsFromTheModelMetadata() throws Exception {
        byte[] onnx = ConverterGraphs.withMetadata(
                TorchGraphs.mlp(
                        17, TorchGraphs.Linear.GEMM_TRANS_B, TorchGraphs.Head.NONE, "Relu", "Softmax", 7, 4, 8, 3),
                "classes",
                "cat, dog, bird");
        String manifest =
                """
                 "inputs": [{"name": "input", "type": "float32", "shape": [-1, 4], "features": ["a", "b", "c", "d"]}],
                 "features": [{"name": "a", "source": "request"}, {"name": "b", "source": "request"},
                              {"name": "c", "source": "request"}, {"name": "d", "source": "request"}],
                 "output": {"kind": "multiclass", "tensor": "%s"}}""";
        String output;
        try (OrtSession s = ENV.createSession(onnx)) {
            output = s.getOutputNames().iterator().next();
        }
        float[][] x = TorchGraphs.randomRows(5, 4, 3);
        try (LoadedModel model = load(onnx, manifest.formatted(output))) {
            List<Row> rows = new ArrayList<>();
            for (float[] v : x) {
                rows.add(Row.of(
                        null, Map.of("a", (double) v[0], "b", (double) v[1], "c", (double) v[2], "d", (double) v[3])));
            }
            List<Prediction> predictions = scorer.scoreBatch(model, rows);
            float[] direct = floatRun(onnx, Map.of("input", x), output);
            String[] classes = {"cat", "dog", "bird"};
            for (int r = 0; r < x.length; r++) {
                Prediction p = predictions.get(r);
                int top = 0;
                for (int c = 0; c < 3; c++) {
                    assertThat(Float.floatToIntBits(p.probabilities().get(classes[c])))
                            .isEqualTo(Float.floatToIntBits(direct[r * 3 + c]));
                    if (direct[r * 3 + c] > direct[r * 3 + top]) {
                        top = c;
                    }
                }
                assertThat(p.label()).isEqualTo(classes[top]);
                assertThat(p.score()).isEqualTo(direct[r * 3 + top]);
            }
        }
    }

    @Test
    void aTreeEnsembleRegressorGivesItsValueAndNoLabel() throws Exception {
        byte[] onnx = ConverterGraphs.treeRegressor();
        String manifest =
                """
                 "inputs": [{"name": "input", "type": "float32", "shape": [-1, 2], "features": ["size", "age"]}],
                 "features": [{"name": "size", "source": "request"}, {"name": "age", "source": "request"}],
                 "output": {"kind": "regression", "tensor": "variable"}}""";
        float[][] x = {{5f, -1f}, {50f, 3f}, {10f, 0f}};
        try (LoadedModel model = load(onnx, manifest)) {
            List<Row> rows = new ArrayList<>();
            for (float[] v : x) {
                rows.add(Row.of(null, Map.of("size", (double) v[0], "age", (double) v[1])));
            }
            List<Prediction> predictions = scorer.scoreBatch(model, rows);
            float[] direct = floatRun(onnx, Map.of("input", x), "variable");
            for (int r = 0; r < x.length; r++) {
                assertThat(Float.floatToIntBits(predictions.get(r).score())).isEqualTo(Float.floatToIntBits(direct[r]));
                assertThat(predictions.get(r).label()).isNull();
                assertThat(predictions.get(r).probabilities()).isNull();
            }
            assertThat(direct[0]).isEqualTo(100f + 12.5f - 3.5f);
        }
    }

    private static final String EMBEDDING =
            """
             "inputs": [{"name": "merchant_id", "type": "int64", "shape": [-1], "feature": "merchant"},
                        {"name": "numeric", "type": "float32", "shape": [-1, 2], "features": ["amount", "hour"]}],
             "features": [{"name": "merchant", "source": "request"}, {"name": "amount", "source": "request"},
                          {"name": "hour", "source": "request", "default": 12}],
             "output": {"tensor": "score", "thresholds": [0.5], "labels": ["low", "high"]}}""";

    @Test
    void aTwoInputModelWithAnInt64IdThroughAnEmbeddingScoresAsOnnxRuntimeDoes() throws Exception {
        byte[] onnx = ConverterGraphs.embeddingModel();
        long[] ids = {0, 3, 9, 3};
        float[][] numeric = {{1f, 12f}, {-2f, 3f}, {0.5f, 23f}, {7f, 12f}};
        try (LoadedModel model = load(onnx, EMBEDDING)) {
            List<Row> rows = new ArrayList<>();
            for (int r = 0; r < ids.length; r++) {
                rows.add(Row.of(
                        null, Map.of("merchant", (double) ids[r], "amount", (double) numeric[r][0], "hour", (double)
                                numeric[r][1])));
            }
            List<Prediction> predictions = scorer.scoreBatch(model, rows);
            float[] direct;
            try (OrtSession s = ENV.createSession(onnx);
                    OnnxTensor id = OnnxTensor.createTensor(ENV, LongBuffer.wrap(ids), new long[] {ids.length});
                    OnnxTensor num = OnnxTensor.createTensor(ENV, numeric);
                    OrtSession.Result result = s.run(Map.of("merchant_id", id, "numeric", num))) {
                FloatBuffer b = ((OnnxTensor) result.get(0)).getFloatBuffer();
                direct = new float[b.remaining()];
                b.get(direct);
            }
            for (int r = 0; r < ids.length; r++) {
                assertThat(Float.floatToIntBits(predictions.get(r).score())).isEqualTo(Float.floatToIntBits(direct[r]));
                assertThat(predictions.get(r).label()).isEqualTo(direct[r] >= 0.5f ? "high" : "low");
            }
            // the same through the single-row path
            assertThat(scorer.score(model, rows.get(1)).score()).isEqualTo(direct[1]);
        }
    }

    @Test
    void aValueThatDoesNotFitItsInputIsA400NamingTheInputTheFeatureAndTheValue() throws Exception {
        try (LoadedModel model = load(ConverterGraphs.embeddingModel(), EMBEDDING)) {
            assertThatThrownBy(() -> scorer.score(model, Row.of(null, Map.of("merchant", 2.5, "amount", 1.0))))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("feature 'merchant' is 2.5; model input 'merchant_id' takes whole numbers (int64)");
            List<String> rejected = new ArrayList<>();
            List<Prediction> valid = scorer.scoreValid(
                    model,
                    List.of(
                            Row.of("a", Map.of("merchant", 1.5, "amount", 1.0)),
                            Row.of("b", Map.of("merchant", 4.0, "amount", 1.0))),
                    RowOrigin.TRUSTED_SOURCE,
                    (i, row, reason) -> rejected.add(i + ": " + reason));
            assertThat(valid).extracting(Prediction::entityId).containsExactly("b");
            assertThat(rejected)
                    .containsExactly(
                            "0: feature 'merchant' is 1.5; model input 'merchant_id' takes whole" + " numbers (int64)");
        }
    }

    @Test
    void aManifestThatDisagreesWithTheGraphNamesTheInputTheExpectedAndTheActual() throws Exception {
        byte[] onnx = ConverterGraphs.embeddingModel();
        assertThatThrownBy(() -> load(onnx, EMBEDDING.replace("\"int64\"", "\"int32\"")))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("input 'merchant_id' is INT64 in the model; the manifest says 'int32' (INT32)");
        assertThatThrownBy(() -> load(onnx, EMBEDDING.replace("\"shape\": [-1], ", "\"shape\": [-1, 1], ")))
                .hasMessageContaining("input 'merchant_id' has shape [-1] in the model; the manifest says [batch, 1]");
        String oneInput = EMBEDDING.replace(
                "{\"name\": \"merchant_id\", \"type\": \"int64\", \"shape\": [-1], \"feature\": \"merchant\"},\n", "");
        assertThatThrownBy(() -> load(onnx, oneInput))
                .hasMessageContaining("model input 'merchant_id' is not filled by the manifest; declare it in"
                        + " 'inputs' (the manifest fills [numeric])");
        assertThatThrownBy(() -> load(
                        ConverterGraphs.sklearnPipeline(),
                        PIPELINE.replace("\"multiclass\"", "\"regression\"")
                                .replace(", \"classThresholds\": {\"gold\": 0.6}", "")))
                .hasMessageContaining("output 'output_probability' is ");
        assertThatThrownBy(() ->
                        load(ConverterGraphs.sklearnPipeline(), PIPELINE.replace("output_probability", "output_label")))
                .hasMessageContaining(
                        "output 'output_label' is STRING; expected FLOAT scores or probabilities (it looks"
                                + " like a label output: name the probability output instead)");
        assertThatThrownBy(
                        () -> load(
                                ConverterGraphs.treeClassifier(),
                                """
                         "inputs": [{"name": "input", "type": "float32", "shape": [-1, 3], "features": ["a", "b", "c"]}],
                         "features": [{"name": "a", "source": "request"}, {"name": "b", "source": "request"},
                                      {"name": "c", "source": "request"}],
                         "output": {"kind": "multiclass", "tensor": "probabilities", "labels": ["x", "y", "z"]}}"""))
                .hasMessageContaining(
                        "output 'probabilities' has 2 classes; the manifest's 'labels' name 3: [x, y, z]");
    }

    private static Map<String, Float> sorted(Map<String, Float> map) {
        return new java.util.TreeMap<>(map);
    }

    private static List<Map<String, Float>> zipMapRun(byte[] onnx, float[] amounts, String[] countries)
            throws Exception {
        float[][] a = new float[amounts.length][1];
        String[][] c = new String[amounts.length][1];
        for (int r = 0; r < amounts.length; r++) {
            a[r][0] = amounts[r];
            c[r][0] = countries[r];
        }
        List<Map<String, Float>> out = new ArrayList<>();
        try (OrtSession s = ENV.createSession(onnx);
                OnnxTensor at = OnnxTensor.createTensor(ENV, a);
                OnnxTensor ct = OnnxTensor.createTensor(ENV, c);
                OrtSession.Result result =
                        s.run(Map.of("amount", at, "country", ct), java.util.Set.of("output_probability"))) {
            for (OnnxValue v : ((OnnxSequence) result.get(0)).getValue()) {
                Map<String, Float> probabilities = new java.util.HashMap<>();
                for (Map.Entry<?, ?> e : ((OnnxMap) v).getValue().entrySet()) {
                    probabilities.put((String) e.getKey(), (Float) e.getValue());
                }
                out.add(probabilities);
            }
        }
        return out;
    }

    private static float[] floatRun(byte[] onnx, Map<String, float[][]> inputs, String output) throws Exception {
        try (OrtSession s = ENV.createSession(onnx)) {
            Map<String, OnnxTensor> feed = new java.util.HashMap<>();
            try {
                for (Map.Entry<String, float[][]> e : inputs.entrySet()) {
                    feed.put(e.getKey(), OnnxTensor.createTensor(ENV, e.getValue()));
                }
                try (OrtSession.Result result = s.run(feed, java.util.Set.of(output))) {
                    FloatBuffer b = ((OnnxTensor) result.get(0)).getFloatBuffer();
                    float[] values = new float[b.remaining()];
                    b.get(values);
                    return values;
                }
            } finally {
                feed.values().forEach(OnnxTensor::close);
            }
        }
    }
}
