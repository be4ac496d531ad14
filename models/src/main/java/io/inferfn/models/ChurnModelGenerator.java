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

/**
 * Reproducibly generates the demo churn model for batch scoring: synthetic customers
 * ({@link ChurnData}), an MLP trained on them, its ONNX export, the manifest, and the demo data.
 * Usage: {@code ChurnModelGenerator <out-dir>}; writes {@code 1/} (fp32, the reference), {@code 2/}
 * (int8, served), {@code customers.csv} (the table columns of 5,000 demo customers),
 * {@code activity.csv} (their online features, for Redis) and {@code holdout.csv} (input vectors).
 */
public final class ChurnModelGenerator {

    public static final long TRAIN_SEED = 11L;
    public static final long HOLDOUT_SEED = 12L;
    public static final long DEMO_SEED = 13L;
    public static final int DEMO_CUSTOMERS = 5000;
    public static final String VERSION = "1";
    public static final String INT8_VERSION = "2";
    public static final String STORE_KEY = "activity:{entityId}";

    /** The table columns of a customer, in {@link #tableRow} order; the first is the entity id. */
    public static final List<String> TABLE_COLUMNS = List.of(
            "customer_id",
            "tenure_months",
            "monthly_charges",
            "total_charges",
            "contract",
            "payment_method",
            "paperless_billing",
            "num_products",
            "support_calls_90d",
            "late_payments_12m",
            "age",
            "has_partner",
            "internet_service",
            "discount_pct",
            "dependents",
            "autopay",
            "days_since_plan_change");

    /** The online-store columns, in {@link #activityRow} order; the first is the entity id. */
    public static final List<String> ACTIVITY_COLUMNS =
            List.of("customer_id", "logins_30d", "days_since_last_login", "app_minutes_30d", "complaints_30d");

    private ChurnModelGenerator() {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "models/churn");
        long start = System.nanoTime();
        List<ChurnData.Customer> train = ChurnData.customers(1, 60_000, TRAIN_SEED);
        List<ChurnData.Customer> holdout = ChurnData.customers(1, 10_000, HOLDOUT_SEED);
        Mlp mlp = train(train);
        double auc = Training.auc(mlp, vectors(holdout), labels(holdout));
        byte[] onnx = OnnxExport.export(mlp, "churn_mlp");
        Path dir = out.resolve(VERSION);
        Files.createDirectories(dir);
        Files.write(dir.resolve(ModelRegistry.MODEL), onnx);
        ModelManifest manifest = manifest(ModelRegistry.sha256(onnx));
        Files.write(dir.resolve(ModelRegistry.MANIFEST), manifest.toJson());
        List<ChurnData.Customer> demo = ChurnData.customers(1, DEMO_CUSTOMERS, DEMO_SEED);
        writeCsv(out.resolve("customers.csv"), TABLE_COLUMNS, demo, true);
        writeCsv(out.resolve("activity.csv"), ACTIVITY_COLUMNS, demo, false);
        List<ChurnData.Customer> sample = holdout.subList(0, 5000);
        Training.writeVectors(out.resolve("holdout.csv"), vectors(sample), labels(sample));
        ModelPublisher.Published int8 =
                Training.publishInt8(out, VERSION, INT8_VERSION, Training.staticInt8(vectors(train)));
        long churned = train.stream().filter(ChurnData.Customer::churned).count();
        System.out.printf(
                Locale.ROOT,
                "churn model %s: %d training rows (%.1f %% churn), holdout AUC %.4f, %d bytes, sha256 %s, %d ms%n",
                VERSION,
                train.size(),
                100.0 * churned / train.size(),
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

    static double[][] vectors(List<ChurnData.Customer> customers) {
        return Training.vectors(customers, ChurnData::features);
    }

    static boolean[] labels(List<ChurnData.Customer> customers) {
        return Training.labels(customers, ChurnData.Customer::churned);
    }

    static Mlp train(List<ChurnData.Customer> customers) {
        return Training.train(
                customers, ChurnData::features, ChurnData.Customer::churned, new int[] {ChurnData.WIDTH, 32, 16, 1});
    }

    /** The manifest: where each of the 27 columns comes from, mirroring {@link ChurnData#features}. */
    static ModelManifest manifest(String sha256) {
        List<FeatureSpec> f = new ArrayList<>();
        f.add(new FeatureSpec.Request("tenure_months", FeatureType.NUMBER, null));
        f.add(new FeatureSpec.Request("monthly_charges", FeatureType.NUMBER, null));
        f.add(new FeatureSpec.Request("total_charges", FeatureType.NUMBER, null));
        f.add(new FeatureSpec.Request("contract", FeatureType.STRING, "month_to_month"));
        f.add(new FeatureSpec.Request("payment_method", FeatureType.STRING, "electronic_check"));
        f.add(new FeatureSpec.Request("paperless_billing", FeatureType.BOOLEAN, false));
        f.add(new FeatureSpec.Request("num_products", FeatureType.NUMBER, 1.0));
        f.add(new FeatureSpec.Request("support_calls_90d", FeatureType.NUMBER, 0.0));
        f.add(new FeatureSpec.Request("late_payments_12m", FeatureType.NUMBER, 0.0));
        f.add(new FeatureSpec.Request("age", FeatureType.NUMBER, null));
        f.add(new FeatureSpec.Request("has_partner", FeatureType.BOOLEAN, false));
        f.add(new FeatureSpec.Request("internet_service", FeatureType.STRING, "none"));
        f.add(new FeatureSpec.Request("discount_pct", FeatureType.NUMBER, 0.0));
        f.add(new FeatureSpec.Request("dependents", FeatureType.NUMBER, 0.0));
        f.add(new FeatureSpec.Request("autopay", FeatureType.BOOLEAN, false));
        f.add(new FeatureSpec.Request("days_since_plan_change", FeatureType.NUMBER, 365.0));
        f.add(new FeatureSpec.Store("logins_30d", STORE_KEY, "logins_30d", 8.0, false));
        f.add(new FeatureSpec.Store("days_since_last_login", STORE_KEY, "days_since_last_login", 7.0, false));
        f.add(new FeatureSpec.Store("app_minutes_30d", STORE_KEY, "app_minutes_30d", 60.0, false));
        f.add(new FeatureSpec.Store("complaints_30d", STORE_KEY, "complaints_30d", 0.0, true));
        for (String name : List.of(
                "tenure_months",
                "monthly_charges",
                "total_charges",
                "age",
                "discount_pct",
                "num_products",
                "support_calls_90d",
                "late_payments_12m",
                "dependents",
                "complaints_30d",
                "days_since_plan_change",
                "logins_30d",
                "days_since_last_login",
                "app_minutes_30d")) {
            f.add(FeatureSpec.Derived.of("log_" + name, DerivedOp.LOG1P, name));
        }
        f.add(FeatureSpec.Derived.oneHot("contract_onehot", "contract", List.of(ChurnData.CONTRACTS)));
        f.add(FeatureSpec.Derived.oneHot("payment_onehot", "payment_method", List.of(ChurnData.PAYMENT_METHODS)));
        f.add(FeatureSpec.Derived.oneHot("internet_onehot", "internet_service", List.of(ChurnData.INTERNET)));
        List<String> columns = List.of(
                "log_tenure_months",
                "log_monthly_charges",
                "log_total_charges",
                "contract_onehot",
                "payment_onehot",
                "paperless_billing",
                "log_num_products",
                "log_support_calls_90d",
                "log_late_payments_12m",
                "log_age",
                "has_partner",
                "internet_onehot",
                "log_discount_pct",
                "log_dependents",
                "autopay",
                "log_days_since_plan_change",
                "log_logins_30d",
                "log_days_since_last_login",
                "log_app_minutes_30d",
                "log_complaints_30d");
        return new ModelManifest(
                "churn",
                VERSION,
                sha256,
                Quantization.FP32,
                "Subscription churn MLP (27 -> 32 -> 16 -> 1) trained on synthetic customers by"
                        + " io.inferfn.models.ChurnModelGenerator; see models/README.md",
                List.of(new ModelManifest.InputSpec(
                        OnnxExport.INPUT, "float32", List.of(-1L, (long) ChurnData.WIDTH), columns)),
                f,
                new ModelManifest.OutputSpec(OnnxExport.OUTPUT, 0, List.of(0.3, 0.6), List.of("low", "medium", "high")),
                null);
    }

    /** One table row as CSV fields, in {@link #TABLE_COLUMNS} order. */
    public static String tableRow(ChurnData.Customer c) {
        return String.format(
                Locale.ROOT,
                "%s,%d,%.2f,%.2f,%s,%s,%b,%d,%d,%d,%d,%b,%s,%d,%d,%b,%d",
                c.id(),
                c.tenureMonths(),
                c.monthlyCharges(),
                c.totalCharges(),
                c.contract(),
                c.paymentMethod(),
                c.paperlessBilling(),
                c.numProducts(),
                c.supportCalls90d(),
                c.latePayments12m(),
                c.age(),
                c.hasPartner(),
                c.internetService(),
                c.discountPct(),
                c.dependents(),
                c.autopay(),
                c.daysSincePlanChange());
    }

    /** One online-store row as CSV fields, in {@link #ACTIVITY_COLUMNS} order. */
    public static String activityRow(ChurnData.Customer c) {
        return String.format(
                Locale.ROOT,
                "%s,%d,%d,%d,%d",
                c.id(),
                c.logins30d(),
                c.daysSinceLastLogin(),
                c.appMinutes30d(),
                c.complaints30d());
    }

    private static void writeCsv(Path file, List<String> header, List<ChurnData.Customer> rows, boolean table)
            throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(String.join(",", header));
            w.write('\n');
            for (ChurnData.Customer c : rows) {
                w.write(table ? tableRow(c) : activityRow(c));
                w.write('\n');
            }
        }
    }
}
