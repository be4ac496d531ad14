package io.inferfn.eventscore;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.inferfn.features.FeatureStore;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.scoring.InvalidRequestException;
import io.inferfn.scoring.Row;
import io.inferfn.scoring.Scorer;
import io.inferfn.testing.ConverterCases;
import io.inferfn.testing.ConverterGraphs;
import io.inferfn.testing.TinyModels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class EventScorerTest {

    /** One store feature keyed by entity id, so a message must name its entity. */
    static final String MANIFEST =
            """
            {"name": "tiny-events", "version": "3", "sha256": "$SHA", "quantization": "fp32",
             "inputs": [{"name": "x", "type": "float32", "shape": [-1, 2], "features": ["a", "b"]}],
             "features": [{"name": "a", "source": "request", "type": "number"},
                          {"name": "b", "source": "store", "type": "number", "key": "s:{entityId}", "field": "b",
                           "default": 0.0}],
             "output": {"tensor": "y", "thresholds": [0.7], "labels": ["normal", "anomaly"]}}""";

    static LoadedModel model;

    record Msg(String key, byte[] value) implements EventScorer.Message {
        static Msg of(String key, String json) {
            return new Msg(key, json == null ? null : json.getBytes(StandardCharsets.UTF_8));
        }
    }

    @BeforeAll
    static void load() throws Exception {
        byte[] onnx = TinyModels.logistic("x", "y", new float[] {1f, -2f}, 0.5f);
        model = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + TinyModels.publish(onnx, MANIFEST));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void badMessagesAreSetAsideWithTheirReasonAndTheRestIsScoredInOrder() {
        EventScorer scorer = new EventScorer(new Scorer(FeatureStore.EMPTY), new EventReadings("sensorId"));
        List<Msg> batch = List.of(
                Msg.of("s1", "{\"a\": 1.0}"),
                new Msg("s2", new byte[] {(byte) 0xff, 0x00}),
                Msg.of("s3", "{\"a\": \"warm\"}"),
                Msg.of(null, "{\"a\": 2, \"sensorId\": \"s4\"}"),
                Msg.of(null, "{\"a\": 2}"),
                Msg.of("s6", "{\"a\": 0.0, \"c\": 1}"),
                Msg.of("s7", "{\"a\": -1.0}"),
                Msg.of("s8", "{\"a\": 1e300}"));

        EventScorer.Outcomes out = scorer.score(model, batch);

        assertThat(out.size()).isEqualTo(8);
        assertThat(out.rejected()).isEqualTo(5);
        assertThat(out.rejections()[7]).contains("beyond the float32 range");
        assertThat(out.rejections()[1]).startsWith("value is not valid JSON");
        assertThat(out.rejections()[2]).contains("'a'").contains("number");
        assertThat(out.rejections()[4]).contains("no entity id").contains("'sensorId'");
        assertThat(out.rejections()[5]).contains("unknown feature 'c'");
        assertThat(out.predictions()[0].entityId()).isEqualTo("s1");
        assertThat(out.predictions()[0].score()).isCloseTo((float) sigmoid(1.5), within(1e-6f));
        assertThat(out.predictions()[3].entityId()).isEqualTo("s4");
        assertThat(out.predictions()[3].score()).isCloseTo((float) sigmoid(2.5), within(1e-6f));
        assertThat(out.predictions()[6].entityId()).isEqualTo("s7");
        assertThat(out.predictions()[6].score()).isCloseTo((float) sigmoid(-0.5), within(1e-6f));
        for (int i = 0; i < out.size(); i++) {
            assertThat(out.predictions()[i] == null).isNotEqualTo(out.rejections()[i] == null);
        }
    }

    @Test
    void aChainedModelsMessagesCarryEachStagesResultAndABadOneIsSetAsideOnce() throws Exception {
        ModelRegistry registry = ModelRegistry.local(OnnxOptions.DEFAULTS);
        List<LoadedModel> chain = io.inferfn.model.ModelChain.link(List.of(
                registry.load("file:../../models/fraud/2"), registry.load("file:../../models/review-priority/1")));
        try {
            EventScorer scorer = new EventScorer(new Scorer(FeatureStore.EMPTY), new EventReadings("customerId"));
            EventScorer.Outcomes out = scorer.score(
                    chain.get(1),
                    List.of(
                            Msg.of(
                                    "c-1042",
                                    "{\"amount\": 950.0, \"merchant_category\": \"online\","
                                            + " \"timestamp\": \"2026-11-23T03:12:00Z\"}"),
                            Msg.of("c-1043", "{\"amount\": 12.0}")));
            assertThat(out.rejected()).isEqualTo(1);
            assertThat(out.rejections()[1])
                    .startsWith("feature 'timestamp' is required")
                    .contains("model fraud takes");
            String json = new String(PredictionJson.write(out.predictions()[0]), StandardCharsets.UTF_8);
            assertThat(json).contains("\"stages\":[{\"model\":\"fraud\",\"version\":\"2\",\"score\":");
            assertThat(out.predictions()[0].stages().get(0).label()).isEqualTo("fraud");
            assertThat(out.predictions()[0].degraded()).isTrue(); // no store here: both models on defaults
        } finally {
            chain.forEach(LoadedModel::close);
        }
    }

    @Test
    void readingsSayWhatIsWrongWithAValue() {
        EventReadings readings = new EventReadings("sensorId");
        assertThat(reason(readings, "k", "")).startsWith("empty value");
        assertThat(reason(readings, "k", "[1]")).contains("not a JSON object").contains("an array");
        assertThat(reason(readings, "k", "{\"a\": [1]}")).contains("field 'a' is a JSON array");
        assertThat(reason(readings, "k", "{\"a\": {\"b\": 1}}")).contains("field 'a' is a JSON object");
        assertThat(reason(readings, "k", "{\"a\": 1} {}")).contains("trailing content");
        assertThat(reason(readings, "k", "{\"a\": 1, \"a\": 2}")).contains("field 'a' appears twice");
        assertThat(reason(readings, "k", "{\"a\": NaN}")).contains("not valid JSON");
        assertThat(reason(readings, "s1", "{\"sensorId\": \"s2\"}")).contains("name different entities");
        assertThat(reason(readings, "k", "{\"a\": 1".repeat(1))).contains("not valid JSON");
        byte[] huge = new byte[EventReadings.MAX_VALUE_BYTES + 1];
        assertThatThrownBy(() -> readings.read("k", huge)).hasMessageContaining("larger than");

        Row row = readings.read(
                null,
                "{\"sensorId\": 17, \"a\": 1.5, \"on\": true, \"mode\": \"x\", \"gone\": null}"
                        .getBytes(StandardCharsets.UTF_8));
        assertThat(row.entityId()).isEqualTo("17");
        assertThat(row.features()).containsOnlyKeys("a", "on", "mode");
        assertThat(readings.read("17", "{\"sensorId\": \"17\"}".getBytes(StandardCharsets.UTF_8))
                        .entityId())
                .isEqualTo("17");
    }

    @Test
    void readingsOfABatchWithFieldsInAnyOrderAreScoredAsIfEachCameAlone() {
        EventScorer scorer = new EventScorer(new Scorer(FeatureStore.EMPTY), new EventReadings("sensorId"));
        List<Msg> batch = List.of(
                Msg.of("s1", "{\"a\": 1.5}"),
                Msg.of("s2", "{\"a\": 2.5}"), // the same fields as the reading before
                Msg.of(null, "{\"sensorId\": \"s3\", \"a\": -1}"),
                Msg.of("s4", "{\"a\": 0.5, \"b\": 7}"), // b comes from the store only
                Msg.of("s5", "{\"gone\": null, \"a\": 3}"), // a null field is an absent one
                Msg.of("s6", "{\"a\": 4}"));

        EventScorer.Outcomes together = scorer.score(model, batch);

        assertThat(together.rejected()).isEqualTo(1);
        assertThat(together.rejections()[3]).contains("'b'").contains("feature store");
        for (int i = 0; i < batch.size(); i++) {
            EventScorer.Outcomes alone = scorer.score(model, List.of(batch.get(i)));
            assertThat(together.rejections()[i] == null).isEqualTo(alone.rejections()[0] == null);
            if (alone.predictions()[0] != null) {
                assertThat(together.predictions()[i].entityId()).isEqualTo(alone.predictions()[0].entityId());
                assertThat(together.predictions()[i].score()).isEqualTo(alone.predictions()[0].score());
            }
        }
        assertThat(together.predictions()[2].entityId()).isEqualTo("s3");
    }

    @Test
    void predictionJsonHasThePredictShape() {
        EventScorer scorer = new EventScorer(new Scorer(FeatureStore.EMPTY), new EventReadings("sensorId"));
        var p = scorer.score(model, List.of(Msg.of("s1", "{\"a\": 3}"))).predictions()[0];
        String json = new String(PredictionJson.write(p), StandardCharsets.UTF_8);
        assertThat(json)
                .isEqualTo("{\"entityId\":\"s1\",\"score\":" + p.score() + ",\"label\":\"anomaly\",\"degraded\":true,"
                        + "\"missingFeatures\":[\"b\"]}");
    }

    @Test
    void everyConverterShapeScoresItsMessagesAsOnnxRuntimeScoresTheirTensors() throws Exception {
        EventScorer scorer = new EventScorer(new Scorer(FeatureStore.EMPTY), new EventReadings("sensorId"));
        for (ConverterCases.Case c : ConverterCases.all()) {
            try (LoadedModel model = ModelRegistry.local(OnnxOptions.DEFAULTS)
                    .load("file:" + TinyModels.publish(c.onnx(), c.manifest()))) {
                List<Msg> messages = new java.util.ArrayList<>();
                for (int r = 0; r < c.rows().size(); r++) {
                    messages.add(Msg.of("k-" + r, ConverterCases.json(c.rows().get(r))));
                }
                var outcomes = scorer.score(model, messages);
                assertThat(outcomes.predictions()).as(c.name()).hasSize(c.rows().size());
                for (int r = 0; r < c.rows().size(); r++) {
                    var p = outcomes.predictions()[r];
                    ConverterCases.Expected e = c.expected().get(r);
                    assertThat(Float.floatToIntBits(p.score()))
                            .as(c.name() + " row " + r)
                            .isEqualTo(Float.floatToIntBits(e.score()));
                    assertThat(p.label()).as(c.name()).isEqualTo(e.label());
                    assertThat(p.probabilities()).as(c.name()).isEqualTo(e.probabilities());
                    String json = new String(PredictionJson.write(p), StandardCharsets.UTF_8);
                    assertThat(json).as(c.name()).contains("\"score\":" + e.score());
                    if (e.probabilities() == null) {
                        assertThat(json).doesNotContain("probabilities");
                    }
                }
            }
        }
    }

    @Test
    void messagesFillEveryInputOfAPipelineWithAStringCategoricalAndTheOutputCarriesItsProbabilities() throws Exception {
        String manifest =
                """
                {"name": "tiers", "version": "1", "sha256": "$SHA", "quantization": "fp32",
                 "inputs": [{"name": "amount", "type": "float32", "shape": [-1, 1], "features": ["amount"]},
                            {"name": "country", "type": "string", "shape": [-1, 1], "feature": "country"}],
                 "features": [{"name": "amount", "source": "request"},
                              {"name": "country", "source": "request", "type": "string", "default": "US"}],
                 "output": {"kind": "multiclass", "tensor": "output_probability"}}""";
        try (LoadedModel tiers = ModelRegistry.local(OnnxOptions.DEFAULTS)
                .load("file:" + TinyModels.publish(ConverterGraphs.sklearnPipeline(), manifest))) {
            EventScorer scorer = new EventScorer(new Scorer(FeatureStore.EMPTY), new EventReadings("sensorId"));
            var outcomes = scorer.score(
                    tiers,
                    List.of(Msg.of("c1", "{\"amount\": 75.5, \"country\": \"FR\"}"), Msg.of("c2", "{\"amount\": 3}")));
            assertThat(outcomes.predictions()).hasSize(2);
            var p = outcomes.predictions()[0];
            assertThat(p.probabilities()).containsOnlyKeys(ConverterGraphs.TIERS);
            assertThat(p.score()).isEqualTo(p.probabilities().get(p.label()));
            String json = new String(PredictionJson.write(p), StandardCharsets.UTF_8);
            assertThat(json)
                    .contains("\"label\":\"" + p.label() + "\",\"probabilities\":{\"bronze\":"
                            + p.probabilities().get("bronze") + ",\"gold\":");
        }
    }

    @Test
    void aMessageCarryingAStoreFeatureOrScoredNanIsSetAsideWithTheReason() throws Exception {
        // y = sqrt(a - b): NaN for a < b
        byte[] onnx = TinyModels.sqrtOfLinear("x", "y", new float[] {1f, -1f}, 0f);
        try (LoadedModel sqrt =
                ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + TinyModels.publish(onnx, MANIFEST))) {
            EventScorer scorer = new EventScorer(new Scorer(FeatureStore.EMPTY), new EventReadings("sensorId"));
            EventScorer.Outcomes out = scorer.score(
                    sqrt,
                    List.of(
                            Msg.of("s1", "{\"a\": 4.0}"),
                            Msg.of("s2", "{\"a\": 4.0, \"b\": -100.0}"),
                            Msg.of("s3", "{\"a\": -1.0}"),
                            Msg.of("s4:x", "{\"a\": 1.0}")));
            assertThat(out.predictions()[0].score()).isEqualTo(2f);
            assertThat(out.rejections())
                    .containsExactly(
                            null,
                            "feature 'b' comes from the feature store (s:{entityId}) and may not be sent; model"
                                    + " tiny-events takes a (number)",
                            "model tiny-events 3 returned NaN for this row, which is not a score; no prediction or"
                                    + " label is given",
                            "'entityId' must match [A-Za-z0-9_.-]{1,128} (it becomes part of the Redis key"
                                    + " s:{entityId}); got the string \"s4:x\"");
            assertThat(out.rejected()).isEqualTo(3);
        }
    }

    private static String reason(EventReadings readings, String key, String json) {
        try {
            readings.read(key, json.getBytes(StandardCharsets.UTF_8));
            return "accepted";
        } catch (InvalidRequestException e) {
            return e.getMessage();
        }
    }

    static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }
}
