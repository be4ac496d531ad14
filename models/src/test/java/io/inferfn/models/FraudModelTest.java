package io.inferfn.models;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.inferfn.features.FeatureStore;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.model.Quantization;
import io.inferfn.quantize.Auc;
import io.inferfn.quantize.QuantizeOptions;
import io.inferfn.quantize.Quantizer;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Row;
import io.inferfn.scoring.RowOrigin;
import io.inferfn.scoring.Scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The committed demo model: it loads, it learned something, and the manifest matches its training. */
class FraudModelTest {

    static LoadedModel model;
    static LoadedModel int8;
    static List<FraudData.Customer> customers;

    @BeforeAll
    static void load() {
        model = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:fraud/1");
        int8 = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:fraud/2");
        customers = FraudData.customers(FraudModelGenerator.CUSTOMERS, FraudModelGenerator.CUSTOMER_SEED);
    }

    @AfterAll
    static void close() {
        model.close();
        int8.close();
    }

    @Test
    void servedInt8ArtifactIsTheQuantizerOutputOfTheFp32Reference() throws Exception {
        byte[] fp32 = Files.readAllBytes(Path.of("fraud/1/model.onnx"));
        List<FraudData.Transaction> train = FraudData.transactions(customers, 80_000, FraudModelGenerator.TRAIN_SEED);
        QuantizeOptions options = FraudModelGenerator.int8Options(FraudModelGenerator.calibration(train));
        byte[] expected = Quantizer.quantize(fp32, options).model();
        assertThat(Files.readAllBytes(Path.of("fraud/2/model.onnx"))).isEqualTo(expected);
        assertThat(int8.manifest().quantization()).isEqualTo(Quantization.INT8);
        assertThat(int8.version()).isEqualTo("2");
        assertThat(int8.manifest().features()).isEqualTo(model.manifest().features());
    }

    @Test
    void int8ScoresDoNotDependOnTheBatchARowArrivesIn() {
        Scorer scorer = new Scorer(FeatureStore.EMPTY);
        List<Row> rows = FraudData.transactions(customers, 64, 5L).stream()
                .map(FraudModelTest::row)
                .toList();
        List<Prediction> batch = scorer.scoreBatch(int8, rows, RowOrigin.TRUSTED_SOURCE);
        for (int i = 0; i < rows.size(); i++) {
            // float rounding of different kernel paths only; dynamic quantization moves scores by up to 1e-2 here
            assertThat(scorer.scoreBatch(int8, List.of(rows.get(i)), RowOrigin.TRUSTED_SOURCE)
                            .get(0)
                            .score())
                    .isCloseTo(batch.get(i).score(), within(1e-6f));
        }
    }

    @Test
    void int8PassesTheQualityGateAgainstFp32OnFreshData() {
        Scorer scorer = new Scorer(FeatureStore.EMPTY);
        List<FraudData.Transaction> fresh = FraudData.transactions(customers, 5000, 123L);
        List<Row> rows = fresh.stream().map(FraudModelTest::row).toList();
        List<Prediction> reference = scorer.scoreBatch(model, rows, RowOrigin.TRUSTED_SOURCE);
        List<Prediction> candidate = scorer.scoreBatch(int8, rows, RowOrigin.TRUSTED_SOURCE);
        double[] ref = new double[rows.size()];
        double[] cand = new double[rows.size()];
        boolean[] fraud = new boolean[rows.size()];
        double maxDiff = 0;
        for (int i = 0; i < ref.length; i++) {
            ref[i] = reference.get(i).score();
            cand[i] = candidate.get(i).score();
            fraud[i] = fresh.get(i).fraud();
            maxDiff = Math.max(maxDiff, Math.abs(ref[i] - cand[i]));
        }
        assertThat(maxDiff).isLessThanOrEqualTo(0.03);
        assertThat(Auc.of(ref, fraud) - Auc.of(cand, fraud)).isLessThanOrEqualTo(0.005);
    }

    @Test
    void committedModelIsTheDeclaredMlp() throws Exception {
        assertThat(model.name()).isEqualTo("fraud");
        assertThat(model.manifest().quantization()).isEqualTo(Quantization.FP32);
        Map<String, NodeInfo> inputs = model.onnx().session().getInputInfo();
        TensorInfo input = (TensorInfo) inputs.get("features").getInfo();
        assertThat(input.getShape()).containsExactly(-1L, 15L);
        TensorInfo output =
                (TensorInfo) model.onnx().session().getOutputInfo().get("score").getInfo();
        assertThat(output.getShape()).containsExactly(-1L, 1L);
        assertThat(model.plan().width()).isEqualTo(FraudData.WIDTH);
    }

    @Test
    void scoringThroughTheManifestSeparatesFraudOnFreshData() {
        Scorer scorer = new Scorer(FeatureStore.EMPTY);
        List<FraudData.Transaction> holdout = FraudData.transactions(customers, 5000, 99L);
        List<Row> rows = new ArrayList<>();
        for (FraudData.Transaction t : holdout) {
            rows.add(row(t));
        }
        List<Prediction> predictions = scorer.scoreBatch(model, rows, RowOrigin.TRUSTED_SOURCE);
        double[] scores = new double[holdout.size()];
        boolean[] fraud = new boolean[holdout.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = predictions.get(i).score();
            fraud[i] = holdout.get(i).fraud();
            assertThat(predictions.get(i).degraded()).isFalse();
        }
        // A random-weight model scores about 0.5; the trained one reached 0.93 at generation time.
        assertThat(Auc.of(scores, fraud)).isGreaterThan(0.9);
    }

    @Test
    void manifestDerivationsEqualTheTrainingFeatures() throws Exception {
        Scorer scorer = new Scorer(FeatureStore.EMPTY);
        List<FraudData.Transaction> sample = FraudData.transactions(customers, 300, 7L);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session = model.onnx().session();
        for (FraudData.Transaction t : sample) {
            float expected;
            double[] x = FraudData.features(t);
            float[] row = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                row[i] = (float) x[i];
            }
            try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(row), new long[] {1, row.length});
                    OrtSession.Result result = session.run(Map.of("features", in))) {
                expected = ((float[][]) result.get(0).getValue())[0][0];
            }
            assertThat(scorer.scoreBatch(model, List.of(row(t)), RowOrigin.TRUSTED_SOURCE)
                            .get(0)
                            .score())
                    .isEqualTo(expected);
        }
    }

    @Test
    void committedCustomerFeaturesAreReproducible() throws Exception {
        Path regenerated = Files.createTempFile("customers", ".csv");
        FraudModelGenerator.writeCustomers(regenerated, customers);
        assertThat(Files.readString(regenerated)).isEqualTo(Files.readString(Path.of("fraud/customers.csv")));
    }

    static Row row(FraudData.Transaction t) {
        Map<String, Object> f = new HashMap<>();
        f.put("amount", t.amount());
        f.put("merchant_category", t.category());
        f.put("timestamp", t.timestamp());
        f.put("card_present", t.cardPresent());
        // Online features supplied with the row (as a batch source would), so no store is needed.
        f.put("avg_amount_30d", t.customer().avgAmount30d());
        f.put("txn_count_24h", t.customer().txnCount24h());
        f.put("account_age_days", t.customer().accountAgeDays());
        f.put("chargebacks_1y", t.customer().chargebacks1y());
        return Row.of(t.customer().id(), f);
    }
}
