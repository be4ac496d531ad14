package io.inferfn.scoring;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.inferfn.features.FeatureStore;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelManifest;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.testing.TinyModels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScorerTest {

    static final String MANIFEST =
            """
            {"name": "tiny", "version": "1", "sha256": "$SHA", "quantization": "fp32",
             "inputs": [{"name": "x", "type": "float32", "shape": [-1, 2], "features": ["a", "b"]}],
             "features": [{"name": "a", "source": "request"}, {"name": "b", "source": "request"}],
             "output": {"tensor": "y", "thresholds": [0.7], "labels": ["low", "high"]}}""";

    @Test
    void theScoresOfAModelWithAReferenceHistogramAreCountedForItsDrift() throws Exception {
        byte[] onnx = TinyModels.logistic("x", "y", new float[] {1f, 0f}, 0f);
        String withReference = MANIFEST.replace(
                "\"labels\": [\"low\", \"high\"]}",
                "\"labels\": [\"low\", \"high\"]},"
                        + " \"reference\": {\"edges\": [0, 0.5, 1], \"fractions\": [0.5, 0.5], \"rows\": 2}");
        ModelRegistry registry = ModelRegistry.local(OnnxOptions.DEFAULTS)
                .withDriftWindow(new ScoreDrift.Window(java.time.Duration.ZERO, 1));
        try (LoadedModel model = registry.load("file:" + TinyModels.publish(onnx, withReference));
                LoadedModel without = registry.load("file:" + TinyModels.publish(onnx, MANIFEST))) {
            Scorer scorer = new Scorer(FeatureStore.EMPTY);
            // sigmoid(-1), sigmoid(-2) below 0.5; sigmoid(3) above
            scorer.scoreBatch(
                    model,
                    List.of(
                            Row.of(null, Map.of("a", -1.0, "b", 0.0)),
                            Row.of(null, Map.of("a", -2.0, "b", 0.0)),
                            Row.of(null, Map.of("a", 3.0, "b", 0.0))));
            assertThat(model.drift().observed()).isEqualTo(3);
            assertThat(model.drift().fractions()).containsExactly(2 / 3.0, 1 / 3.0);
            assertThat(model.drift().psi())
                    .isCloseTo(
                            (2 / 3.0 - 0.5) * Math.log(4 / 3.0) + (1 / 3.0 - 0.5) * Math.log(2 / 3.0),
                            org.assertj.core.api.Assertions.within(1e-9));
            assertThat(without.drift()).isNull(); // no reference: nothing is counted
            assertThat(scorer.score(without, Row.of(null, Map.of("a", 1.0, "b", 0.0)))
                            .score())
                    .isEqualTo((float) sigmoid(1));
        }
    }

    static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    @Test
    void rank1OutputsScoreSingleRowsAndBatchesAlike() throws Exception {
        byte[] onnx = TinyModels.logisticRank1("x", "y", new float[] {1f, -2f}, 0.5f);
        try (LoadedModel model =
                ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + TinyModels.publish(onnx, MANIFEST))) {
            Scorer scorer = new Scorer(FeatureStore.EMPTY);
            List<Row> rows = List.of(
                    Row.of(null, Map.of("a", 1.0, "b", 0.0)),
                    Row.of(null, Map.of("a", 0.0, "b", 1.0)),
                    Row.of(null, Map.of("a", 2.0, "b", 2.0)));
            List<Prediction> batch = scorer.scoreBatch(model, rows);
            assertThat(batch.get(0).score())
                    .isCloseTo((float) sigmoid(1.5), org.assertj.core.api.Assertions.within(1e-6f));
            assertThat(batch.get(1).score())
                    .isCloseTo((float) sigmoid(-1.5), org.assertj.core.api.Assertions.within(1e-6f));
            assertThat(batch.get(2).score())
                    .isCloseTo((float) sigmoid(-1.5), org.assertj.core.api.Assertions.within(1e-6f));
            for (int i = 0; i < rows.size(); i++) {
                assertThat(scorer.score(model, rows.get(i)).score())
                        .isEqualTo(batch.get(i).score());
            }
            assertThat(batch.get(0).label()).isEqualTo("high");
            assertThat(batch.get(1).label()).isEqualTo("low");
        }
    }

    @Test
    void aScoreThatPrintsAsTheThresholdReachesIt() {
        ModelManifest.OutputSpec spec = new ModelManifest.OutputSpec("y", 0, List.of(0.7), List.of("low", "high"));
        assertThat(Scorer.label(spec, 0.7f)).isEqualTo("high");
        assertThat(Scorer.label(spec, Math.nextDown(0.7f))).isEqualTo("low");
    }

    @Test
    void aScoreThatIsNotANumberIsNeverGivenALabel() throws Exception {
        // y = sqrt(a - b): NaN whenever b > a
        byte[] onnx = TinyModels.sqrtOfLinear("x", "y", new float[] {1f, -1f}, 0f);
        try (LoadedModel model =
                ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + TinyModels.publish(onnx, MANIFEST))) {
            Scorer scorer = new Scorer(FeatureStore.EMPTY);
            Row fine = Row.of("r-1", Map.of("a", 4.0, "b", 0.0));
            Row nan = Row.of("r-2", Map.of("a", 0.0, "b", 1.0));
            assertThat(scorer.score(model, fine).score()).isEqualTo(2f);

            // a request: a 500 whose message the caller may read (no ORT text), naming the row of a batch
            assertThatThrownBy(() -> scorer.score(model, nan))
                    .isInstanceOf(NonFiniteScoreException.class)
                    .satisfies(e -> assertThat(Errors.status(e)).isEqualTo(500))
                    .satisfies(e -> assertThat(Errors.clientMessage(e, "abc"))
                            .isEqualTo("internal error (error id abc): model tiny 1 returned NaN for this row,"
                                    + " which is not a score; no prediction or label is given"));
            assertThatThrownBy(() -> scorer.scoreBatch(model, List.of(fine, nan)))
                    .hasMessageStartingWith("rows[1]: model tiny 1 returned NaN");

            // a lenient batch (messages, batch rows): that row is rejected, the others scored
            List<String> rejected = new ArrayList<>();
            List<Prediction> scored = scorer.scoreValid(
                    model,
                    List.of(nan, fine, Row.of("r-3", Map.of("a", "x", "b", 0.0)), nan),
                    (index, row, reason) -> rejected.add(index + " " + row.entityId() + ": " + reason));
            assertThat(scored).extracting(Prediction::entityId).containsExactly("r-1");
            assertThat(scored.get(0).label()).isEqualTo("high");
            assertThat(rejected)
                    .containsExactly(
                            "2 r-3: feature 'a' must be a number; got the string \"x\"",
                            "0 r-2: model tiny 1 returned NaN for this row, which is not a score; no prediction or"
                                    + " label is given",
                            "3 r-2: model tiny 1 returned NaN for this row, which is not a score; no prediction or"
                                    + " label is given");
        }
    }
}
