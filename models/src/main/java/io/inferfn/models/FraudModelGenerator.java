package io.inferfn.models;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.inferfn.model.FeatureSpec;
import io.inferfn.model.ModelManifest;
import io.inferfn.model.ModelManifest.DerivedOp;
import io.inferfn.model.ModelManifest.FeatureType;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.Quantization;
import io.inferfn.quantize.ModelPublisher;
import io.inferfn.quantize.QuantizeOptions;

/**
 * Reproducibly generates the demo fraud model: synthetic data ({@link FraudData}), an MLP with two
 * hidden layers trained on it ({@link Mlp}), its ONNX export ({@link OnnxExport}), the manifest,
 * and the demo customers' online features. Usage: {@code FraudModelGenerator <out-dir>}; writes
 * {@code <out-dir>/1/} (fp32, the reference), {@code <out-dir>/2/} (int8, served; published through
 * {@link ModelPublisher}), {@code <out-dir>/customers.csv} and {@code <out-dir>/holdout.csv}.
 */
public final class FraudModelGenerator {

    public static final long CUSTOMER_SEED = 20261123L;
    public static final long TRAIN_SEED = 1L;
    public static final long HOLDOUT_SEED = 2L;
    public static final int CUSTOMERS = 5000;
    public static final String VERSION = "1";

    private FraudModelGenerator() {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "models/fraud");
        long start = System.nanoTime();
        List<FraudData.Customer> customers = FraudData.customers(CUSTOMERS, CUSTOMER_SEED);
        List<FraudData.Transaction> train = FraudData.transactions(customers, 80_000, TRAIN_SEED);
        List<FraudData.Transaction> holdout = FraudData.transactions(customers, 20_000, HOLDOUT_SEED);
        Mlp mlp = train(train);
        double auc = Training.auc(mlp, vectors(holdout), labels(holdout));
        byte[] onnx = OnnxExport.export(mlp, "fraud_mlp");
        Path dir = out.resolve(VERSION);
        Files.createDirectories(dir);
        Files.write(dir.resolve(ModelRegistry.MODEL), onnx);
        ModelManifest manifest = manifest(ModelRegistry.sha256(onnx));
        Files.write(dir.resolve(ModelRegistry.MANIFEST), manifest.toJson());
        writeCustomers(out.resolve("customers.csv"), customers);
        List<FraudData.Transaction> holdoutSample = holdout.subList(0, 5000);
        Training.writeVectors(out.resolve("holdout.csv"), vectors(holdoutSample), labels(holdoutSample));
        ModelPublisher.Published int8 =
                Training.publishInt8(out, VERSION, INT8_VERSION, int8Options(calibration(train)));
        long fraud = train.stream().filter(FraudData.Transaction::fraud).count();
        System.out.printf(
                Locale.ROOT,
                "fraud model %s: %d training rows (%.2f %% fraud), holdout AUC %.4f, %d bytes, sha256 %s, %d ms%n",
                VERSION,
                train.size(),
                100.0 * fraud / train.size(),
                auc,
                onnx.length,
                manifest.sha256(),
                (System.nanoTime() - start) / 1_000_000);
        System.out.printf(
                "published %s %s (%s, sha256 %s) at %s%n",
                int8.manifest().name(),
                int8.manifest().version(),
                int8.manifest().quantization().json(),
                int8.manifest().sha256(),
                int8.directory());
    }

    /** Rows the int8 version is calibrated on: the first 20,000 training transactions (never holdout rows). */
    public static List<FraudData.Transaction> calibration(List<FraudData.Transaction> train) {
        return train.subList(0, 20_000);
    }

    /**
     * The int8 version served by the functions: static QDQ, per-tensor, min/max calibrated. Static
     * scales make a row's score independent of the batch it arrives in (dynamic quantization
     * scales activations per call); see models/README.md for the measurements behind the choice.
     */
    public static QuantizeOptions int8Options(List<FraudData.Transaction> calibration) {
        return Training.staticInt8(vectors(calibration));
    }

    public static final String INT8_VERSION = "2";

    static double[][] vectors(List<FraudData.Transaction> transactions) {
        return Training.vectors(transactions, FraudData::features);
    }

    static boolean[] labels(List<FraudData.Transaction> transactions) {
        return Training.labels(transactions, FraudData.Transaction::fraud);
    }

    static Mlp train(List<FraudData.Transaction> transactions) {
        return Training.train(
                transactions, FraudData::features, FraudData.Transaction::fraud, new int[] {FraudData.WIDTH, 32, 16, 1
                });
    }

    /** The manifest: where each of the 15 columns comes from, mirroring {@link FraudData#features}. */
    static ModelManifest manifest(String sha256) {
        String key = "customer:{entityId}";
        List<FeatureSpec> features = new ArrayList<>();
        features.add(new FeatureSpec.Request("amount", FeatureType.NUMBER, null));
        features.add(new FeatureSpec.Request("merchant_category", FeatureType.STRING, "other"));
        features.add(new FeatureSpec.Request("timestamp", FeatureType.TIMESTAMP, null));
        features.add(new FeatureSpec.Request("card_present", FeatureType.BOOLEAN, false));
        features.add(new FeatureSpec.Store("avg_amount_30d", key, "avg_amount_30d", 55.0, false));
        features.add(new FeatureSpec.Store("txn_count_24h", key, "txn_count_24h", 2.0, false));
        features.add(new FeatureSpec.Store("account_age_days", key, "account_age_days", 365.0, false));
        features.add(new FeatureSpec.Store("chargebacks_1y", key, "chargebacks_1y", 0.0, true));
        features.add(FeatureSpec.Derived.of("log_amount", DerivedOp.LOG1P, "amount"));
        features.add(FeatureSpec.Derived.of("amount_ratio", DerivedOp.RATIO, "amount", "avg_amount_30d"));
        features.add(FeatureSpec.Derived.of("log_amount_ratio", DerivedOp.LOG1P, "amount_ratio"));
        features.add(FeatureSpec.Derived.of("log_txn_count_24h", DerivedOp.LOG1P, "txn_count_24h"));
        features.add(FeatureSpec.Derived.of("log_account_age", DerivedOp.LOG1P, "account_age_days"));
        features.add(FeatureSpec.Derived.of("hour", DerivedOp.HOUR_OF_DAY, "timestamp"));
        features.add(FeatureSpec.Derived.bucket("hour_band", "hour", List.of(6.0, 22.0)));
        features.add(FeatureSpec.Derived.oneHot("hour_band_onehot", "hour_band", List.of("0", "1", "2")));
        features.add(FeatureSpec.Derived.oneHot("category_onehot", "merchant_category", List.of(FraudData.CATEGORIES)));
        List<String> columns = List.of(
                "log_amount",
                "log_amount_ratio",
                "card_present",
                "log_txn_count_24h",
                "log_account_age",
                "chargebacks_1y",
                "hour_band_onehot",
                "category_onehot");
        return new ModelManifest(
                "fraud",
                VERSION,
                sha256,
                Quantization.FP32,
                "Card-transaction fraud MLP (15 -> 32 -> 16 -> 1) trained on synthetic data by"
                        + " io.inferfn.models.FraudModelGenerator; see models/README.md",
                List.of(new ModelManifest.InputSpec(OnnxExport.INPUT, "float32", List.of(-1L, 15L), columns)),
                features,
                new ModelManifest.OutputSpec(
                        OnnxExport.OUTPUT, 0, List.of(0.3, 0.7), List.of("legit", "review", "fraud")),
                null);
    }

    static void writeCustomers(Path file, List<FraudData.Customer> customers) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("customer_id,avg_amount_30d,txn_count_24h,account_age_days,chargebacks_1y\n");
            for (FraudData.Customer c : customers) {
                w.write(String.format(
                        Locale.ROOT,
                        "%s,%.2f,%d,%d,%d%n",
                        c.id(),
                        c.avgAmount30d(),
                        c.txnCount24h(),
                        c.accountAgeDays(),
                        c.chargebacks1y()));
            }
        }
    }
}
