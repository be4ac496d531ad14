package io.inferfn.models;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

import io.inferfn.model.FeatureSpec;
import io.inferfn.model.ModelManifest;
import io.inferfn.model.ModelManifest.OutputKind;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.Quantization;

/**
 * Reproducibly generates the demo <b>retention-offer</b> model: which retention offer a customer is most likely
 * to accept ({@code none}, {@code discount}, {@code upgrade}, {@code call}), a 4-class gradient-boosted tree
 * ensemble trained with XGBoost on the churn demo's synthetic customers ({@link ChurnData}) and exported to an
 * ONNX-ML {@code TreeEnsembleClassifier} the way onnxmltools' XGBoost converter writes one (splits
 * {@code BRANCH_LT}, one tree per class and round, SOFTMAX post-transform, outputs {@code label} int64 and
 * {@code probabilities} float [batch, 4]). The export is checked against XGBoost's own predictions before it is
 * written; {@code xgboost-reference.csv} keeps those predictions for 1,000 demo customers so the tests check the
 * committed model against XGBoost without XGBoost.
 *
 * <p>Usage: {@code RetentionOfferGenerator <out-dir>}; writes {@code 1/} (fp32: tree ensembles are not
 * quantized) and {@code xgboost-reference.csv}. The demo customers and their activity are the churn model's
 * ({@code models/churn/customers.csv}, {@code activity.csv}).
 */
public final class RetentionOfferGenerator {

    public static final long TRAIN_SEED = 21L;
    public static final long HOLDOUT_SEED = 22L;
    public static final long OFFER_SEED = 23L;
    public static final String VERSION = "1";
    public static final String NAME = "retention-offer";
    public static final List<String> OFFERS = List.of("none", "discount", "upgrade", "call");
    public static final String INPUT = "input";
    public static final String PROBABILITIES = "probabilities";
    public static final int ROUNDS = 60;
    public static final int DEPTH = 4;
    public static final int REFERENCE_ROWS = 1000;

    /** The model's input columns, in order: 17 account and activity values, then three one-hot blocks. */
    public static final List<String> COLUMNS = List.of(
            "tenure_months",
            "monthly_charges",
            "total_charges",
            "contract_onehot",
            "payment_onehot",
            "paperless_billing",
            "num_products",
            "support_calls_90d",
            "late_payments_12m",
            "age",
            "has_partner",
            "internet_onehot",
            "discount_pct",
            "dependents",
            "autopay",
            "days_since_plan_change",
            "logins_30d",
            "days_since_last_login",
            "app_minutes_30d",
            "complaints_30d");

    public static final int WIDTH = 27;

    private RetentionOfferGenerator() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "models/retention-offer");
        long start = System.nanoTime();
        List<ChurnData.Customer> train = ChurnData.customers(1, 60_000, TRAIN_SEED);
        List<ChurnData.Customer> holdout = ChurnData.customers(1, 10_000, HOLDOUT_SEED);
        int[] trainLabels = offers(train, new SplittableRandom(OFFER_SEED));
        int[] holdoutLabels = offers(holdout, new SplittableRandom(OFFER_SEED + 1));
        Booster booster = train(train, trainLabels);
        byte[] onnx = export(booster);

        // the export must score as XGBoost does before anything is written
        float[][] holdoutX = matrix(holdout);
        float[][] xgb = predict(booster, holdoutX);
        float[][] ort = ortRun(onnx, holdoutX);
        double maxDiff = 0;
        int correct = 0;
        double logLoss = 0;
        for (int r = 0; r < holdoutX.length; r++) {
            int top = 0;
            for (int c = 0; c < OFFERS.size(); c++) {
                maxDiff = Math.max(maxDiff, Math.abs(xgb[r][c] - ort[r][c]));
                if (ort[r][c] > ort[r][top]) {
                    top = c;
                }
            }
            correct += top == holdoutLabels[r] ? 1 : 0;
            logLoss -= Math.log(Math.max(1e-7, ort[r][holdoutLabels[r]]));
        }
        if (maxDiff > 1e-5) {
            throw new IllegalStateException("the ONNX export differs from XGBoost by " + maxDiff);
        }
        Path dir = out.resolve(VERSION);
        Files.createDirectories(dir);
        Files.write(dir.resolve(ModelRegistry.MODEL), onnx);
        ModelManifest manifest = manifest(ModelRegistry.sha256(onnx));
        Files.write(dir.resolve(ModelRegistry.MANIFEST), manifest.toJson());

        List<ChurnData.Customer> demo =
                ChurnData.customers(1, ChurnModelGenerator.DEMO_CUSTOMERS, ChurnModelGenerator.DEMO_SEED);
        float[][] reference = predict(booster, matrix(demo.subList(0, REFERENCE_ROWS)));
        try (Writer w = Files.newBufferedWriter(out.resolve("xgboost-reference.csv"), StandardCharsets.UTF_8)) {
            w.write("customer_id,"
                    + String.join(",", OFFERS.stream().map(o -> "p_" + o).toList()) + "\n");
            for (int r = 0; r < REFERENCE_ROWS; r++) {
                StringBuilder line = new StringBuilder(demo.get(r).id());
                for (float p : reference[r]) {
                    line.append(',').append(p);
                }
                w.write(line.append('\n').toString());
            }
        }
        int[] counts = new int[OFFERS.size()];
        for (int l : trainLabels) {
            counts[l]++;
        }
        System.out.printf(
                Locale.ROOT,
                "%s %s: %d training rows (offers %s: %d / %d / %d / %d), %d rounds x %d classes of depth %d;"
                        + " holdout accuracy %.3f, log loss %.4f; ONNX vs XGBoost max |diff| %.2e; %d bytes,"
                        + " sha256 %s, %d ms%n",
                NAME,
                VERSION,
                train.size(),
                OFFERS,
                counts[0],
                counts[1],
                counts[2],
                counts[3],
                ROUNDS,
                OFFERS.size(),
                DEPTH,
                (double) correct / holdoutX.length,
                logLoss / holdoutX.length,
                maxDiff,
                onnx.length,
                manifest.sha256(),
                (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * The offer each customer accepted in past campaigns, drawn from a known process: price-sensitive
     * month-to-month customers with high bills take a discount (more so early in their tenure), engaged DSL or
     * no-internet customers an upgrade, customers with support calls and complaints a call; most take nothing.
     */
    static int[] offers(List<ChurnData.Customer> customers, SplittableRandom random) {
        int[] out = new int[customers.size()];
        double[] z = new double[OFFERS.size()];
        for (int i = 0; i < out.length; i++) {
            ChurnData.Customer c = customers.get(i);
            boolean monthToMonth = c.contract().equals("month_to_month");
            z[0] = 0;
            z[1] = -1.3
                    + 0.035 * (c.monthlyCharges() - 60)
                    + (monthToMonth ? 1.0 : 0)
                    + (monthToMonth && c.tenureMonths() < 12 ? 0.8 : 0)
                    - 0.07 * c.discountPct()
                    + 0.35 * Math.min(c.latePayments12m(), 3)
                    + (c.paymentMethod().equals("electronic_check") ? 0.3 : 0);
            z[2] = -1.8
                    + (c.internetService().equals("fiber") ? 0 : 1.0)
                    + 0.004 * Math.min(c.appMinutes30d(), 400)
                    + 0.015 * Math.min(c.tenureMonths(), 60)
                    - 0.35 * (c.numProducts() - 1);
            z[3] = -2.4
                    + 0.45 * Math.min(c.supportCalls90d(), 6)
                    + 0.7 * Math.min(c.complaints30d(), 3)
                    + 0.02 * (c.age() - 45);
            double max = Math.max(Math.max(z[0], z[1]), Math.max(z[2], z[3]));
            double sum = 0;
            double[] p = new double[z.length];
            for (int k = 0; k < z.length; k++) {
                p[k] = Math.exp(z[k] - max);
                sum += p[k];
            }
            double u = random.nextDouble() * sum;
            int k = 0;
            while (k < p.length - 1 && u >= p[k]) {
                u -= p[k];
                k++;
            }
            out[i] = k;
        }
        return out;
    }

    /** A customer's input vector, as the manifest's features assemble it (booleans 0/1, one-hots in list order). */
    public static float[] vector(ChurnData.Customer c) {
        float[] x = new float[WIDTH];
        int i = 0;
        x[i++] = c.tenureMonths();
        x[i++] = (float) c.monthlyCharges();
        x[i++] = (float) c.totalCharges();
        i = oneHot(x, i, ChurnData.CONTRACTS, c.contract());
        i = oneHot(x, i, ChurnData.PAYMENT_METHODS, c.paymentMethod());
        x[i++] = c.paperlessBilling() ? 1 : 0;
        x[i++] = c.numProducts();
        x[i++] = c.supportCalls90d();
        x[i++] = c.latePayments12m();
        x[i++] = c.age();
        x[i++] = c.hasPartner() ? 1 : 0;
        i = oneHot(x, i, ChurnData.INTERNET, c.internetService());
        x[i++] = c.discountPct();
        x[i++] = c.dependents();
        x[i++] = c.autopay() ? 1 : 0;
        x[i++] = c.daysSincePlanChange();
        x[i++] = c.logins30d();
        x[i++] = c.daysSinceLastLogin();
        x[i++] = c.appMinutes30d();
        x[i++] = c.complaints30d();
        if (i != WIDTH) {
            throw new IllegalStateException("vector has " + i + " columns, expected " + WIDTH);
        }
        return x;
    }

    private static int oneHot(float[] x, int at, String[] categories, String value) {
        for (String category : categories) {
            x[at++] = category.equals(value) ? 1 : 0;
        }
        return at;
    }

    static float[][] matrix(List<ChurnData.Customer> customers) {
        float[][] m = new float[customers.size()][];
        for (int r = 0; r < m.length; r++) {
            m[r] = vector(customers.get(r));
        }
        return m;
    }

    private static DMatrix dmatrix(float[][] rows) throws XGBoostError {
        float[] flat = new float[rows.length * WIDTH];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * WIDTH, WIDTH);
        }
        return new DMatrix(flat, rows.length, WIDTH, Float.NaN);
    }

    static Booster train(List<ChurnData.Customer> customers, int[] labels) throws XGBoostError {
        DMatrix data = dmatrix(matrix(customers));
        float[] y = new float[labels.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels[i];
        }
        data.setLabel(y);
        Map<String, Object> params = new HashMap<>();
        params.put("objective", "multi:softprob");
        params.put("num_class", OFFERS.size());
        params.put("max_depth", DEPTH);
        params.put("eta", 0.2);
        params.put("min_child_weight", 5);
        params.put("base_score", 0.5);
        params.put("tree_method", "hist");
        params.put("nthread", 1);
        params.put("seed", 7);
        return XGBoost.train(data, params, ROUNDS, new HashMap<>(), null, null);
    }

    static float[][] predict(Booster booster, float[][] rows) throws XGBoostError {
        return booster.predict(dmatrix(rows));
    }

    /**
     * The booster as onnxmltools' XGBoost converter writes it: tree {@code t} adds its leaf value to class
     * {@code t % classes}; a node sends {@code x[f] < threshold} (and a missing value, where XGBoost does) to its
     * "yes" child; the class sums plus the base score go through SOFTMAX.
     */
    static byte[] export(Booster booster) throws XGBoostError, IOException {
        ObjectMapper json = new ObjectMapper();
        String[] dump = booster.getModelDump((String) null, false, "json");
        List<Long> treeIds = new ArrayList<>();
        List<Long> nodeIds = new ArrayList<>();
        List<Long> featureIds = new ArrayList<>();
        List<String> modes = new ArrayList<>();
        List<Float> values = new ArrayList<>();
        List<Long> trueIds = new ArrayList<>();
        List<Long> falseIds = new ArrayList<>();
        List<Long> missingTrue = new ArrayList<>();
        List<Long> classTrees = new ArrayList<>();
        List<Long> classNodes = new ArrayList<>();
        List<Long> classIds = new ArrayList<>();
        List<Float> classWeights = new ArrayList<>();
        for (int t = 0; t < dump.length; t++) {
            List<JsonNode> pending = new ArrayList<>(List.of(json.readTree(dump[t])));
            while (!pending.isEmpty()) {
                JsonNode n = pending.remove(pending.size() - 1);
                long id = n.get("nodeid").asLong();
                treeIds.add((long) t);
                nodeIds.add(id);
                if (n.has("leaf")) {
                    featureIds.add(0L);
                    modes.add("LEAF");
                    values.add(0f);
                    trueIds.add(0L);
                    falseIds.add(0L);
                    missingTrue.add(0L);
                    classTrees.add((long) t);
                    classNodes.add(id);
                    classIds.add((long) (t % OFFERS.size()));
                    classWeights.add((float) n.get("leaf").asDouble());
                } else {
                    featureIds.add(Long.parseLong(n.get("split").asText().substring(1)));
                    modes.add("BRANCH_LT");
                    values.add((float) n.get("split_condition").asDouble());
                    long yes = n.get("yes").asLong();
                    trueIds.add(yes);
                    falseIds.add(n.get("no").asLong());
                    missingTrue.add(n.get("missing").asLong() == yes ? 1L : 0L);
                    n.get("children").forEach(pending::add);
                }
            }
        }
        NodeProto.Builder tree = NodeProto.newBuilder()
                .setOpType("TreeEnsembleClassifier")
                .setDomain("ai.onnx.ml")
                .setName("TreeEnsembleClassifier")
                .addInput(INPUT)
                .addOutput("label")
                .addOutput(PROBABILITIES)
                .addAttribute(ints("nodes_treeids", treeIds))
                .addAttribute(ints("nodes_nodeids", nodeIds))
                .addAttribute(ints("nodes_featureids", featureIds))
                .addAttribute(strings("nodes_modes", modes))
                .addAttribute(floats("nodes_values", values))
                .addAttribute(ints("nodes_truenodeids", trueIds))
                .addAttribute(ints("nodes_falsenodeids", falseIds))
                .addAttribute(ints("nodes_missing_value_tracks_true", missingTrue))
                .addAttribute(ints("class_treeids", classTrees))
                .addAttribute(ints("class_nodeids", classNodes))
                .addAttribute(ints("class_ids", classIds))
                .addAttribute(floats("class_weights", classWeights))
                .addAttribute(ints("classlabels_int64s", List.of(0L, 1L, 2L, 3L)))
                .addAttribute(floats("base_values", List.of(0.5f, 0.5f, 0.5f, 0.5f)))
                .addAttribute(AttributeProto.newBuilder()
                        .setName("post_transform")
                        .setType(AttributeProto.AttributeType.STRING)
                        .setS(ByteString.copyFromUtf8("SOFTMAX")));
        GraphProto.Builder graph = GraphProto.newBuilder()
                .setName("XGBClassifier")
                .addInput(value(INPUT, TensorProto.DataType.FLOAT, WIDTH))
                .addNode(tree)
                .addOutput(value("label", TensorProto.DataType.INT64, 0))
                .addOutput(value(PROBABILITIES, TensorProto.DataType.FLOAT, OFFERS.size()));
        return ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("inferfn-models")
                .setProducerVersion("1")
                .setDomain("io.inferfn")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .addOpsetImport(
                        OperatorSetIdProto.newBuilder().setDomain("ai.onnx.ml").setVersion(3))
                .addMetadataProps(StringStringEntryProto.newBuilder()
                        .setKey("trained_with")
                        .setValue("xgboost4j 3.4.0, multi:softprob, " + ROUNDS + " rounds, max_depth " + DEPTH))
                .setGraph(graph)
                .build()
                .toByteArray();
    }

    private static float[][] ortRun(byte[] onnx, float[][] rows) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(onnx);
                OnnxTensor in = OnnxTensor.createTensor(env, rows);
                OrtSession.Result result = session.run(Map.of(INPUT, in))) {
            return (float[][]) result.get(PROBABILITIES).orElseThrow().getValue();
        }
    }

    /** Features as the churn model's (the same customers table and online store), without its log transforms. */
    static ModelManifest manifest(String sha256) {
        List<FeatureSpec> f = new ArrayList<>();
        for (FeatureSpec s : ChurnModelGenerator.manifest("").features()) {
            if (!(s instanceof FeatureSpec.Derived)) {
                f.add(s);
            }
        }
        f.add(FeatureSpec.Derived.oneHot("contract_onehot", "contract", List.of(ChurnData.CONTRACTS)));
        f.add(FeatureSpec.Derived.oneHot("payment_onehot", "payment_method", List.of(ChurnData.PAYMENT_METHODS)));
        f.add(FeatureSpec.Derived.oneHot("internet_onehot", "internet_service", List.of(ChurnData.INTERNET)));
        return new ModelManifest(
                NAME,
                VERSION,
                sha256,
                Quantization.FP32,
                "Retention offer a customer is most likely to accept: XGBoost, " + ROUNDS + " rounds x 4 classes of"
                        + " depth " + DEPTH + ", exported as an ONNX-ML TreeEnsembleClassifier by"
                        + " io.inferfn.models.RetentionOfferGenerator; tree ensembles are served unquantized;"
                        + " see models/README.md",
                List.of(new ModelManifest.InputSpec(INPUT, "float32", List.of(-1L, (long) WIDTH), COLUMNS)),
                f,
                new ModelManifest.OutputSpec(PROBABILITIES, null, null, OFFERS, OutputKind.MULTICLASS, null),
                null);
    }

    private static ValueInfoProto value(String name, TensorProto.DataType type, long columns) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        if (columns > 0) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(columns));
        }
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder()
                                .setElemType(type.getNumber())
                                .setShape(shape)))
                .build();
    }

    private static AttributeProto ints(String name, List<Long> values) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.INTS)
                .addAllInts(values)
                .build();
    }

    private static AttributeProto floats(String name, List<Float> values) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.FLOATS)
                .addAllFloats(values)
                .build();
    }

    private static AttributeProto strings(String name, List<String> values) {
        AttributeProto.Builder a =
                AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRINGS);
        for (String v : values) {
            a.addStrings(ByteString.copyFromUtf8(v));
        }
        return a.build();
    }
}
