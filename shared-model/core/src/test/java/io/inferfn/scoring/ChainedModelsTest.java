package io.inferfn.scoring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.inferfn.features.FeatureStore;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ManifestException;
import io.inferfn.model.ModelChain;
import io.inferfn.model.ModelManifest;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.testing.TinyModels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Models that feed models: a "risk" model scores a and b, and a "priority" model reads risk's score (or its
 * label) beside its own request feature c, in one call. Broken chains are refused when the catalog is linked.
 */
class ChainedModelsTest {

    static final String RISK =
            """
            {"name": "risk", "version": "3", "sha256": "$SHA", "quantization": "fp32",
             "inputs": [{"name": "x", "type": "float32", "shape": [-1, 2], "features": ["a", "b"]}],
             "features": [{"name": "a", "source": "request"}, {"name": "b", "source": "request", "default": 0}],
             "output": {"tensor": "y", "thresholds": [0.5], "labels": ["legit", "fraud"]}}""";

    /** priority = sigmoid(2 * risk score + c - 1). */
    static final String PRIORITY =
            """
            {"name": "priority", "version": "1", "sha256": "$SHA", "quantization": "fp32",
             "inputs": [{"name": "x", "type": "float32", "shape": [-1, 2], "features": ["risk_score", "c"]}],
             "features": [{"name": "risk_score", "source": "model", "model": "risk", "output": "score"},
                          {"name": "c", "source": "request"}],
             "output": {"tensor": "y", "thresholds": [0.6], "labels": ["normal", "urgent"]}}""";

    private final List<LoadedModel> loaded = new ArrayList<>();

    @AfterEach
    void close() {
        loaded.forEach(LoadedModel::close);
    }

    LoadedModel load(byte[] onnx, String manifest) throws Exception {
        LoadedModel m = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + TinyModels.publish(onnx, manifest));
        loaded.add(m);
        return m;
    }

    LoadedModel risk() throws Exception {
        return load(TinyModels.logistic("x", "y", new float[] {1f, -1f}, 0f), RISK);
    }

    LoadedModel priority(String manifest) throws Exception {
        return load(TinyModels.logistic("x", "y", new float[] {2f, 1f}, -1f), manifest);
    }

    static LoadedModel named(List<LoadedModel> models, String name) {
        return models.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
    }

    static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    @Test
    void aChainedModelScoresItsUpstreamFirstAndShowsEachStage() throws Exception {
        List<LoadedModel> catalog = ModelChain.link(List.of(priority(PRIORITY), risk()));
        LoadedModel priority = named(catalog, "priority");
        assertThat(priority.chain().stages()).extracting(LoadedModel::name).containsExactly("risk", "priority");
        assertThat(named(catalog, "risk").chain()).isNull();

        Scorer scorer = new Scorer(FeatureStore.EMPTY);
        // one row carries both models' request features
        Prediction p = scorer.score(priority, Row.of("t-1", Map.of("a", 2.0, "b", 0.5, "c", 0.25)));
        double risk = sigmoid(1.5);
        assertThat(p.score()).isCloseTo((float) sigmoid(2 * risk + 0.25 - 1), within(1e-6f));
        assertThat(p.label()).isEqualTo("urgent");
        assertThat(p.entityId()).isEqualTo("t-1");
        assertThat(p.stages()).hasSize(1);
        Prediction.Stage first = p.stages().get(0);
        assertThat(first.model()).isEqualTo("risk");
        assertThat(first.version()).isEqualTo("3");
        assertThat(first.score()).isCloseTo((float) risk, within(1e-6f));
        assertThat(first.label()).isEqualTo("fraud");

        // the upstream model alone answers as it always did: no stages
        Prediction alone = scorer.score(named(catalog, "risk"), Row.of("t-1", Map.of("a", 2.0, "b", 0.5)));
        assertThat(alone.stages()).isNull();
        assertThat(alone.score()).isEqualTo(first.score());

        // a batch scores the same as single rows, the non-blocking call too
        List<Row> rows = List.of(
                Row.of("t-1", Map.of("a", 2.0, "b", 0.5, "c", 0.25)), Row.of("t-2", Map.of("a", -3.0, "c", 0.0)));
        List<Prediction> batch = scorer.scoreBatch(priority, rows);
        assertThat(batch.get(0).score()).isEqualTo(p.score());
        assertThat(batch.get(1).stages().get(0).label()).isEqualTo("legit");
        assertThat(batch.get(1).score()).isCloseTo((float) sigmoid(2 * sigmoid(-3) - 1), within(1e-6f));
        Scorer.Call call = scorer.beginBatch(priority, rows);
        List<Prediction>[] done = new List[1];
        call.fetch(ready -> done[0] = ready.finish());
        assertThat(done[0]).isEqualTo(batch);
    }

    @Test
    void aLabelFeedsANumberThroughItsEncodingAndAStringAsIs() throws Exception {
        String encoded = PRIORITY.replace(
                "\"output\": \"score\"}", "\"output\": \"label\", \"encoding\": {\"legit\": 0, \"fraud\": 1}}");
        LoadedModel priority = named(ModelChain.link(List.of(risk(), priority(encoded))), "priority");
        Prediction p = new Scorer(FeatureStore.EMPTY).score(priority, Row.of("t-1", Map.of("a", 2.0, "c", 0.0)));
        assertThat(p.score()).isCloseTo((float) sigmoid(2 * 1 - 1), within(1e-6f)); // fraud -> 1
    }

    @Test
    void aCallerMayNotSendWhatTheUpstreamModelGivesNorNamesNoModelReads() throws Exception {
        LoadedModel priority = named(ModelChain.link(List.of(risk(), priority(PRIORITY))), "priority");
        Scorer scorer = new Scorer(FeatureStore.EMPTY);
        assertThatThrownBy(() -> scorer.score(priority, Row.of("t-1", Map.of("a", 1.0, "c", 0.0, "risk_score", 0.0))))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("feature 'risk_score' is the output of another model, scored first in the same call;"
                        + " model priority takes c (number)");
        assertThatThrownBy(() -> scorer.score(priority, Row.of("t-1", Map.of("a", 1.0, "c", 0.0, "zzz", 0.0))))
                .hasMessageStartingWith("unknown feature 'zzz'");
        assertThatThrownBy(() -> scorer.score(priority, Row.of("t-1", Map.of("c", 0.0))))
                .hasMessageStartingWith("feature 'a' is required");
    }

    @Test
    void aRowItsUpstreamCannotScoreIsRejectedOnceWithTheUpstreamsReason() throws Exception {
        // risk' = sqrt(a - b): NaN when b > a
        LoadedModel sqrtRisk = load(
                TinyModels.sqrtOfLinear("x", "y", new float[] {1f, -1f}, 0f),
                RISK.replace("\"thresholds\": [0.5], \"labels\": [\"legit\", \"fraud\"]", "\"kind\": \"regression\""));
        LoadedModel priority = named(ModelChain.link(List.of(sqrtRisk, priority(PRIORITY))), "priority");
        List<String> rejected = new ArrayList<>();
        List<Prediction> scored = new Scorer(FeatureStore.EMPTY)
                .scoreValid(
                        priority,
                        List.of(
                                Row.of("bad", Map.of("a", 0.0, "b", 1.0, "c", 0.0)),
                                Row.of("good", Map.of("a", 4.0, "c", 0.0)),
                                Row.of("typo", Map.of("a", "x", "c", 0.0))),
                        (index, row, reason) -> rejected.add(index + " " + row.entityId() + ": " + reason));
        assertThat(scored).extracting(Prediction::entityId).containsExactly("good");
        assertThat(scored.get(0).stages().get(0).score()).isEqualTo(2f);
        assertThat(rejected)
                .containsExactly(
                        "2 typo: feature 'a' must be a number; got the string \"x\"",
                        "0 bad: model risk (scored first for priority): model risk 3 returned NaN for this row,"
                                + " which is not a score; no prediction or label is given");
    }

    @Test
    void aModelTheCatalogDoesNotLoadIsRefusedNamingTheFeature() throws Exception {
        LoadedModel priority = priority(PRIORITY);
        assertThatThrownBy(() -> ModelChain.link(List.of(priority)))
                .isInstanceOf(ManifestException.class)
                .hasMessage("model priority: feature 'risk_score' reads the output of model 'risk', which this"
                        + " function does not load (it loads [priority]); add the model's location to"
                        + " inferfn.model.locations, or fix the name");
    }

    @Test
    void aStageWithWindowFeaturesIsRefusedNamingBothModels() throws Exception {
        String riskWithWindow = RISK.replace(
                "{\"name\": \"b\", \"source\": \"request\", \"default\": 0}",
                "{\"name\": \"b\", \"source\": \"window\", \"of\": \"a\", \"stat\": \"mean\", \"last\": 5,"
                        + " \"key\": \"w:{entityId}\", \"default\": 0}");
        LoadedModel risk = load(TinyModels.logistic("x", "y", new float[] {1f, -1f}, 0f), riskWithWindow);
        LoadedModel priority = priority(PRIORITY);
        assertThatThrownBy(() -> ModelChain.link(List.of(risk, priority)))
                .isInstanceOf(ManifestException.class)
                .hasMessage("model risk has window features and is in the chain of model priority: window features"
                        + " are not supported in a chain yet (a chained call does not keep the windows); serve the"
                        + " window model on its own in event-score");
    }

    @Test
    void modelsThatReadEachOtherAreRefusedAsACycle() throws Exception {
        String riskReadsPriority = RISK.replace(
                        "{\"name\": \"b\", \"source\": \"request\", \"default\": 0}",
                        "{\"name\": \"b\", \"source\": \"model\", \"model\": \"priority\"}")
                .replace("\"thresholds\": [0.5], \"labels\": [\"legit\", \"fraud\"]", "\"kind\": \"regression\"");
        LoadedModel risk = load(TinyModels.logistic("x", "y", new float[] {1f, -1f}, 0f), riskReadsPriority);
        LoadedModel priority = priority(PRIORITY);
        assertThatThrownBy(() -> ModelChain.link(List.of(risk, priority)))
                .isInstanceOf(ManifestException.class)
                .hasMessageStartingWith("models read each other in a cycle: risk -> priority -> risk");
    }

    @Test
    void anOutputTheUpstreamDoesNotGiveIsRefusedWithWhatItGives() throws Exception {
        LoadedModel regression = load(
                TinyModels.logistic("x", "y", new float[] {1f, -1f}, 0f),
                RISK.replace("\"thresholds\": [0.5], \"labels\": [\"legit\", \"fraud\"]", "\"kind\": \"regression\""));
        String readsLabel = PRIORITY.replace(
                "\"output\": \"score\"}", "\"output\": \"label\", \"encoding\": {\"legit\": 0, \"fraud\": 1}}");
        LoadedModel priority = priority(readsLabel);
        assertThatThrownBy(() -> ModelChain.link(List.of(regression, priority)))
                .hasMessage("model priority: feature 'risk_score' reads the label of model risk, a regression model:"
                        + " it gives a value, not a label; read output score instead");

        LoadedModel risk = risk();
        LoadedModel halfEncoded = priority(readsLabel.replace(", \"fraud\": 1", ""));
        assertThatThrownBy(() -> ModelChain.link(List.of(risk, halfEncoded)))
                .hasMessage("model priority: feature 'risk_score' reads the label of model risk, which gives labels"
                        + " [legit, fraud]; 'encoding' has no number for [fraud] (expected one per label)");

        LoadedModel probability = priority(
                PRIORITY.replace("\"output\": \"score\"}", "\"output\": \"probability\", \"class\": \"fraud\"}"));
        assertThatThrownBy(() -> ModelChain.link(List.of(risk, probability)))
                .hasMessage("model priority: feature 'risk_score' reads the probability of model risk 'fraud', a"
                        + " binary model: only a multiclass model gives class probabilities; read output score"
                        + " instead");
    }

    @Test
    void aClassLabelFeedingANumberNeedsAnEncodingAtParse() {
        String manifest = PRIORITY.replace("\"output\": \"score\"}", "\"output\": \"label\", \"type\": \"number\"}")
                .replace("$SHA", "0".repeat(64));
        assertThatThrownBy(() -> ModelManifest.parse(manifest.getBytes(), "priority/manifest.json"))
                .isInstanceOf(ManifestException.class)
                .hasMessage("manifest priority/manifest.json: feature 'risk_score': model risk's label is a class"
                        + " name, and this feature is a number: declare 'encoding' {label: number} (e.g."
                        + " {\"legit\": 0, \"fraud\": 1}), or type string to feed a one_hot or a string input");
        String embedding = PRIORITY.replace("\"output\": \"score\"", "\"output\": \"embedding\"")
                .replace("$SHA", "0".repeat(64));
        assertThatThrownBy(() -> ModelManifest.parse(embedding.getBytes(), "priority/manifest.json"))
                .hasMessageEndingWith(
                        "'output' must be one of score, label or probability; got 'embedding' (no output kind gives"
                                + " an embedding yet)");
        // a label read as a string defaults to type string: a float input refuses it at parse
        String asString = PRIORITY.replace("\"output\": \"score\"", "\"output\": \"label\"")
                .replace("$SHA", "0".repeat(64));
        assertThatThrownBy(() -> ModelManifest.parse(asString.getBytes(), "priority/manifest.json"))
                .hasMessageContaining("feature 'risk_score' is a string and input 'x' is float32");
        assertThat(Arrays.asList(ModelManifest.FeatureSource.values())).contains(ModelManifest.FeatureSource.MODEL);
    }
}
