package io.inferfn.models;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.inferfn.features.FeatureStore;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelManifest;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.model.Quantization;
import io.inferfn.quantize.ManifestStarter;
import io.inferfn.quantize.QuantizeException;
import io.inferfn.quantize.QuantizeOptions;
import io.inferfn.quantize.Quantizer;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Row;
import io.inferfn.scoring.RowOrigin;
import io.inferfn.scoring.Scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The committed retention-offer model (XGBoost trees as an ONNX-ML TreeEnsembleClassifier): it scores as XGBoost
 * did, the manifest assembles the vectors it was trained on, the served probabilities are ONNX Runtime's own,
 * and the quantizer leaves it alone.
 */
class RetentionOfferModelTest {

    static LoadedModel model;
    static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    @BeforeAll
    static void load() {
        model = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:retention-offer/1");
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void theCommittedExportScoresAsXgboostDid() throws Exception {
        List<String> reference = Files.readAllLines(Path.of("retention-offer/xgboost-reference.csv"));
        assertThat(reference).hasSize(RetentionOfferGenerator.REFERENCE_ROWS + 1);
        assertThat(reference.get(0)).isEqualTo("customer_id,p_none,p_discount,p_upgrade,p_call");
        List<ChurnData.Customer> demo = demo().subList(0, RetentionOfferGenerator.REFERENCE_ROWS);
        float[][] ort = ortRun(RetentionOfferGenerator.matrix(demo));
        int[] predicted = new int[4];
        for (int r = 0; r < demo.size(); r++) {
            String[] f = reference.get(r + 1).split(",");
            assertThat(f[0]).isEqualTo(demo.get(r).id());
            int top = 0;
            for (int c = 0; c < 4; c++) {
                // float sums in a different order: ~3e-7 apart when generated
                assertThat(ort[r][c]).as("%s p_%d", f[0], c).isCloseTo(Float.parseFloat(f[c + 1]), within(1e-5f));
                top = ort[r][c] > ort[r][top] ? c : top;
            }
            predicted[top]++;
        }
        // every offer is somebody's best: the trees learned more than the majority class
        assertThat(java.util.Arrays.stream(predicted).min().orElseThrow()).isPositive();
    }

    @Test
    void servedProbabilitiesAreOnnxRuntimesOwnForTheManifestsFeatures() throws Exception {
        assertThat(model.manifest().output().outputKind()).isEqualTo(ModelManifest.OutputKind.MULTICLASS);
        assertThat(model.manifest().quantization()).isEqualTo(Quantization.FP32);
        List<ChurnData.Customer> customers = ChurnData.customers(1, 500, 99L);
        List<Row> rows = customers.stream().map(ChurnModelTest::row).toList();
        List<Prediction> served = new Scorer(FeatureStore.EMPTY).scoreBatch(model, rows, RowOrigin.TRUSTED_SOURCE);
        float[][] direct = ortRun(RetentionOfferGenerator.matrix(customers));
        for (int r = 0; r < rows.size(); r++) {
            Prediction p = served.get(r);
            assertThat(p.probabilities().keySet()).containsExactlyElementsOf(RetentionOfferGenerator.OFFERS);
            int top = 0;
            for (int c = 0; c < 4; c++) {
                String offer = RetentionOfferGenerator.OFFERS.get(c);
                assertThat(Float.floatToIntBits(p.probabilities().get(offer)))
                        .as("%s %s", customers.get(r).id(), offer)
                        .isEqualTo(Float.floatToIntBits(direct[r][c]));
                top = direct[r][c] > direct[r][top] ? c : top;
            }
            assertThat(p.label()).isEqualTo(RetentionOfferGenerator.OFFERS.get(top));
            assertThat(p.score()).isEqualTo(direct[r][top]);
            assertThat(p.degraded()).isFalse();
        }
    }

    @Test
    void theQuantizerLeavesTheTreesAloneAndSaysWhy() throws Exception {
        byte[] onnx = Files.readAllBytes(Path.of("retention-offer/1/model.onnx"));
        assertThatThrownBy(() -> Quantizer.quantize(onnx, QuantizeOptions.DYNAMIC))
                .isInstanceOf(QuantizeException.class)
                .hasMessageContaining("TreeEnsembleClassifier")
                .hasMessageContaining("tree ensemble");
        // model init reads the same graph as a multiclass model over one float input
        ModelManifest starter = ManifestStarter.manifest(onnx, "retention-offer");
        assertThat(starter.output().outputKind()).isEqualTo(ModelManifest.OutputKind.MULTICLASS);
        assertThat(starter.output().tensor()).isEqualTo(RetentionOfferGenerator.PROBABILITIES);
        assertThat(starter.inputs()).hasSize(1);
        assertThat(starter.inputs().get(0).shape()).containsExactly(-1L, (long) RetentionOfferGenerator.WIDTH);
    }

    static List<ChurnData.Customer> demo() {
        return ChurnData.customers(1, ChurnModelGenerator.DEMO_CUSTOMERS, ChurnModelGenerator.DEMO_SEED);
    }

    static float[][] ortRun(float[][] rows) throws Exception {
        try (OnnxTensor in = OnnxTensor.createTensor(ENV, rows);
                OrtSession.Result result = model.onnx().session().run(Map.of(RetentionOfferGenerator.INPUT, in))) {
            return (float[][]) result.get(RetentionOfferGenerator.PROBABILITIES)
                    .orElseThrow()
                    .getValue();
        }
    }
}
