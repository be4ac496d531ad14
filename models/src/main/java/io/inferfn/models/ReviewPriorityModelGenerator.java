package io.inferfn.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.inferfn.model.FeatureSpec;
import io.inferfn.model.ModelManifest;
import io.inferfn.model.ModelManifest.DerivedOp;
import io.inferfn.model.ModelManifest.FeatureType;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.Quantization;

/**
 * The demo chain's second model: which card transactions a fraud analyst should look at first. It reads the
 * fraud model's score and label (a {@code "source": "model"} feature each), the amount at stake and the
 * customer's chargebacks and account age, and labels the transaction {@code low}, {@code normal} or
 * {@code urgent}. A scorecard with fixed weights ({@link #WEIGHTS}), not trained: review queues are usually
 * ranked by rules a fraud team writes down, and a chain needs nothing more to show. Usage:
 * {@code ReviewPriorityModelGenerator <out-dir>}; writes {@code <out-dir>/1/} (fp32; six weights gain nothing
 * from int8).
 */
public final class ReviewPriorityModelGenerator {

    public static final String VERSION = "1";

    /** Columns: fraud score, fraud level (legit 0, review 1, fraud 2), log1p(amount), chargebacks, log1p(age). */
    public static final double[] WEIGHTS = {6.0, 0.8, 0.7, 0.5, -0.25};

    public static final double BIAS = -7.0;

    private ReviewPriorityModelGenerator() {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "models/review-priority");
        byte[] onnx = OnnxExport.export(scorecard(), "review_priority_scorecard");
        Path dir = out.resolve(VERSION);
        Files.createDirectories(dir);
        Files.write(dir.resolve(ModelRegistry.MODEL), onnx);
        ModelManifest manifest = manifest(ModelRegistry.sha256(onnx));
        Files.write(dir.resolve(ModelRegistry.MANIFEST), manifest.toJson());
        System.out.printf("review-priority %s: %d bytes, sha256 %s%n", VERSION, onnx.length, manifest.sha256());
    }

    /** sigmoid(WEIGHTS · x + BIAS), as a one-layer {@link Mlp} with identity standardisation. */
    static Mlp scorecard() {
        int width = WEIGHTS.length;
        double[] zero = new double[width];
        double[] one = new double[width];
        java.util.Arrays.fill(one, 1.0);
        Mlp mlp = new Mlp(new int[] {width, 1}, zero, one, 0L);
        System.arraycopy(WEIGHTS, 0, mlp.weights[0], 0, width);
        mlp.biases[0][0] = BIAS;
        return mlp;
    }

    /** The fraud label as a number, in the fraud model's label order (written in that order, for a stable manifest). */
    static Map<String, Double> encoding() {
        Map<String, Double> levels = new LinkedHashMap<>();
        levels.put("legit", 0.0);
        levels.put("review", 1.0);
        levels.put("fraud", 2.0);
        return levels;
    }

    static ModelManifest manifest(String sha256) {
        String key = "customer:{entityId}";
        List<FeatureSpec> features = new ArrayList<>();
        features.add(new FeatureSpec.Model("fraud_score", FeatureType.NUMBER, null, "fraud", "score", null, null));
        features.add(new FeatureSpec.Model("fraud_level", FeatureType.NUMBER, 0.0, "fraud", "label", null, encoding()));
        features.add(new FeatureSpec.Request("amount", FeatureType.NUMBER, null));
        features.add(new FeatureSpec.Store("chargebacks_1y", key, "chargebacks_1y", 0.0, true));
        features.add(new FeatureSpec.Store("account_age_days", key, "account_age_days", 365.0, false));
        features.add(FeatureSpec.Derived.of("log_amount", DerivedOp.LOG1P, "amount"));
        features.add(FeatureSpec.Derived.of("log_account_age", DerivedOp.LOG1P, "account_age_days"));
        List<String> columns = List.of("fraud_score", "fraud_level", "log_amount", "chargebacks_1y", "log_account_age");
        return new ModelManifest(
                "review-priority",
                VERSION,
                sha256,
                Quantization.FP32,
                "Review priority of a card transaction, from the fraud model's score and label: a fixed-weight"
                        + " scorecard written by io.inferfn.models.ReviewPriorityModelGenerator; see"
                        + " models/README.md",
                List.of(new ModelManifest.InputSpec(
                        OnnxExport.INPUT, "float32", List.of(-1L, (long) WEIGHTS.length), columns)),
                features,
                new ModelManifest.OutputSpec(
                        OnnxExport.OUTPUT, 0, List.of(0.2, 0.6), List.of("low", "normal", "urgent")),
                null);
    }
}
