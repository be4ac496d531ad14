package io.inferfn.models;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
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
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.model.Quantization;
import io.inferfn.quantize.Auc;
import io.inferfn.quantize.Quantizer;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Row;
import io.inferfn.scoring.RowOrigin;
import io.inferfn.scoring.Scorer;

import static org.assertj.core.api.Assertions.assertThat;

/** The committed churn model: reproducible, it learned something, int8 within the gate, manifest = training features. */
class ChurnModelTest {

    static LoadedModel fp32;
    static LoadedModel int8;

    @BeforeAll
    static void load() {
        fp32 = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:churn/1");
        int8 = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:churn/2");
    }

    @AfterAll
    static void close() {
        fp32.close();
        int8.close();
    }

    @Test
    void servedInt8ArtifactIsTheQuantizerOutputOfTheFp32Reference() throws Exception {
        byte[] reference = Files.readAllBytes(Path.of("churn/1/model.onnx"));
        List<ChurnData.Customer> train = ChurnData.customers(1, 60_000, ChurnModelGenerator.TRAIN_SEED);
        byte[] expected = Quantizer.quantize(reference, Training.staticInt8(ChurnModelGenerator.vectors(train)))
                .model();
        assertThat(Files.readAllBytes(Path.of("churn/2/model.onnx"))).isEqualTo(expected);
        assertThat(int8.manifest().quantization()).isEqualTo(Quantization.INT8);
        assertThat(int8.manifest().features()).isEqualTo(fp32.manifest().features());
        assertThat(int8.plan().width()).isEqualTo(ChurnData.WIDTH);
    }

    @Test
    void int8SeparatesChurnersAndStaysWithinTheGateOnFreshCustomers() {
        Scorer scorer = new Scorer(FeatureStore.EMPTY);
        List<ChurnData.Customer> fresh = ChurnData.customers(1, 5000, 4242L);
        List<Row> rows = fresh.stream().map(ChurnModelTest::row).toList();
        List<Prediction> reference = scorer.scoreBatch(fp32, rows, RowOrigin.TRUSTED_SOURCE);
        List<Prediction> candidate = scorer.scoreBatch(int8, rows, RowOrigin.TRUSTED_SOURCE);
        double[] ref = new double[rows.size()];
        double[] cand = new double[rows.size()];
        boolean[] churned = new boolean[rows.size()];
        double maxDiff = 0;
        for (int i = 0; i < ref.length; i++) {
            ref[i] = reference.get(i).score();
            cand[i] = candidate.get(i).score();
            churned[i] = fresh.get(i).churned();
            maxDiff = Math.max(maxDiff, Math.abs(ref[i] - cand[i]));
            assertThat(candidate.get(i).degraded()).isFalse();
        }
        // a random-weight model scores AUC ~0.5; the generator's run reached 0.825 on its holdout
        assertThat(Auc.of(cand, churned)).isGreaterThan(0.8);
        assertThat(maxDiff).isLessThanOrEqualTo(0.03);
        assertThat(Auc.of(ref, churned) - Auc.of(cand, churned)).isLessThanOrEqualTo(0.005);
    }

    @Test
    void manifestDerivationsEqualTheTrainingFeatures() throws Exception {
        Scorer scorer = new Scorer(FeatureStore.EMPTY);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        for (ChurnData.Customer c : ChurnData.customers(1, 300, 77L)) {
            double[] x = ChurnData.features(c);
            float[] row = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                row[i] = (float) x[i];
            }
            float expected;
            try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(row), new long[] {1, row.length});
                    OrtSession.Result result = fp32.onnx().session().run(Map.of("features", in))) {
                expected = ((float[][]) result.get(0).getValue())[0][0];
            }
            assertThat(scorer.scoreBatch(fp32, List.of(row(c)), RowOrigin.TRUSTED_SOURCE)
                            .get(0)
                            .score())
                    .isEqualTo(expected);
        }
    }

    @Test
    void committedDemoTablesAreReproducible() throws Exception {
        List<ChurnData.Customer> demo =
                ChurnData.customers(1, ChurnModelGenerator.DEMO_CUSTOMERS, ChurnModelGenerator.DEMO_SEED);
        List<String> table = Files.readAllLines(Path.of("churn/customers.csv"));
        List<String> activity = Files.readAllLines(Path.of("churn/activity.csv"));
        assertThat(table).hasSize(demo.size() + 1);
        assertThat(table.get(0)).isEqualTo(String.join(",", ChurnModelGenerator.TABLE_COLUMNS));
        assertThat(activity.get(0)).isEqualTo(String.join(",", ChurnModelGenerator.ACTIVITY_COLUMNS));
        for (int i : new int[] {0, 1, 2499, 4999}) {
            assertThat(table.get(i + 1)).isEqualTo(ChurnModelGenerator.tableRow(demo.get(i)));
            assertThat(activity.get(i + 1)).isEqualTo(ChurnModelGenerator.activityRow(demo.get(i)));
        }
    }

    /** A customer as a batch source sees it: table columns plus the online ones supplied with the row. */
    static Row row(ChurnData.Customer c) {
        Map<String, Object> f = new HashMap<>();
        f.put("tenure_months", c.tenureMonths());
        f.put("monthly_charges", c.monthlyCharges());
        f.put("total_charges", c.totalCharges());
        f.put("contract", c.contract());
        f.put("payment_method", c.paymentMethod());
        f.put("paperless_billing", c.paperlessBilling());
        f.put("num_products", c.numProducts());
        f.put("support_calls_90d", c.supportCalls90d());
        f.put("late_payments_12m", c.latePayments12m());
        f.put("age", c.age());
        f.put("has_partner", c.hasPartner());
        f.put("internet_service", c.internetService());
        f.put("discount_pct", c.discountPct());
        f.put("dependents", c.dependents());
        f.put("autopay", c.autopay());
        f.put("days_since_plan_change", c.daysSincePlanChange());
        f.put("logins_30d", c.logins30d());
        f.put("days_since_last_login", c.daysSinceLastLogin());
        f.put("app_minutes_30d", c.appMinutes30d());
        f.put("complaints_30d", c.complaints30d());
        return Row.of(c.id(), f);
    }
}
