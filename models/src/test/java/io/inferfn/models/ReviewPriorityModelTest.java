package io.inferfn.models;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.inferfn.features.FeatureStore;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelChain;
import io.inferfn.model.ModelManifest;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Row;
import io.inferfn.scoring.RowOrigin;
import io.inferfn.scoring.Scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The demo chain: the committed review-priority scorecard reads the served fraud model's score and label. */
class ReviewPriorityModelTest {

    static LoadedModel fraud;
    static LoadedModel priority;

    @BeforeAll
    static void load() {
        ModelRegistry registry = ModelRegistry.local(OnnxOptions.DEFAULTS);
        List<LoadedModel> linked =
                ModelChain.link(List.of(registry.load("file:fraud/2"), registry.load("file:review-priority/1")));
        fraud = linked.get(0);
        priority = linked.get(1);
    }

    @AfterAll
    static void close() {
        fraud.close();
        priority.close();
    }

    @Test
    void theCommittedArtifactsAreWhatTheGeneratorWrites() throws Exception {
        byte[] onnx = OnnxExport.export(ReviewPriorityModelGenerator.scorecard(), "review_priority_scorecard");
        assertThat(onnx).isEqualTo(Files.readAllBytes(Path.of("review-priority/1/model.onnx")));
        assertThat(new String(ReviewPriorityModelGenerator.manifest(ModelRegistry.sha256(onnx))
                        .toJson()))
                .isEqualTo(Files.readString(Path.of("review-priority/1/manifest.json")));
    }

    @Test
    void aLikelyFraudOfMuchMoneyIsUrgentAndAnEverydayPurchaseIsNot() {
        Scorer scorer = new Scorer(FeatureStore.EMPTY);
        Map<String, Object> customer =
                Map.of("avg_amount_30d", 80.0, "txn_count_24h", 3.0, "account_age_days", 40.0, "chargebacks_1y", 1.0);
        Row suspicious = Row.of("c-1042", with(customer, 950.0, "online", "2026-11-23T03:12:00Z", false));
        Row everyday = Row.of("c-1042", with(customer, 42.1, "grocery", "2026-11-23T12:05:00Z", true));
        List<Prediction> p = scorer.scoreBatch(priority, List.of(suspicious, everyday), RowOrigin.TRUSTED_SOURCE);

        Prediction.Stage fraudStage = p.get(0).stages().get(0);
        assertThat(fraudStage.model()).isEqualTo("fraud");
        assertThat(fraudStage.label()).isEqualTo("fraud");
        assertThat(fraudStage.score())
                .isEqualTo(scorer.scoreBatch(fraud, List.of(suspicious), RowOrigin.TRUSTED_SOURCE)
                        .get(0)
                        .score());
        // the scorecard by hand, from the fraud stage's outputs
        double z = ReviewPriorityModelGenerator.BIAS
                + ReviewPriorityModelGenerator.WEIGHTS[0] * fraudStage.score()
                + ReviewPriorityModelGenerator.WEIGHTS[1] * 2
                + ReviewPriorityModelGenerator.WEIGHTS[2] * Math.log1p(950.0)
                + ReviewPriorityModelGenerator.WEIGHTS[3] * 1
                + ReviewPriorityModelGenerator.WEIGHTS[4] * Math.log1p(40.0);
        assertThat(p.get(0).score()).isCloseTo((float) (1 / (1 + Math.exp(-z))), within(1e-5f));
        assertThat(p.get(0).label()).isEqualTo("urgent");
        assertThat(p.get(1).stages().get(0).label()).isEqualTo("legit");
        assertThat(p.get(1).label()).isEqualTo("low");
    }

    @Test
    void itsManifestDeclaresTheChain() {
        ModelManifest m = priority.manifest();
        assertThat(priority.chain().stages()).extracting(LoadedModel::name).containsExactly("fraud", "review-priority");
        assertThat(m.features().get(1)).isInstanceOf(io.inferfn.model.FeatureSpec.Model.class);
    }

    private static Map<String, Object> with(
            Map<String, Object> customer, double amount, String category, String timestamp, boolean cardPresent) {
        Map<String, Object> row = new java.util.HashMap<>(customer);
        row.put("amount", amount);
        row.put("merchant_category", category);
        row.put("timestamp", timestamp);
        row.put("card_present", cardPresent);
        return row;
    }
}
