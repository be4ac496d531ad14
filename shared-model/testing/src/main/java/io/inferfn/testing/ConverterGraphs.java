package io.inferfn.testing;

import java.util.List;

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
import com.google.protobuf.ByteString;

/**
 * ONNX graphs shaped the way the converters data scientists use emit them, generated in code (as {@link
 * TorchGraphs} does for torch): a skl2onnx pipeline (one input per column, a string categorical through
 * OneHotEncoder, a LinearClassifier and ZipMap), onnxmltools tree ensembles (ONNX-ML TreeEnsembleClassifier and
 * TreeEnsembleRegressor) and a torch model with an int64 id through an embedding ({@code Gather}).
 */
public final class ConverterGraphs {

    private ConverterGraphs() {}

    /** The categories of {@link #sklearnPipeline}'s {@code country} column, in the encoder's order. */
    public static final List<String> COUNTRIES = List.of("DE", "FR", "US");

    /** The classes of {@link #sklearnPipeline}, as skl2onnx writes them (sorted, as sklearn's classes_). */
    public static final List<String> TIERS = List.of("bronze", "gold", "silver");

    /**
     * A skl2onnx {@code Pipeline(ColumnTransformer([StandardScaler on amount, OneHotEncoder on country]),
     * LogisticRegression)} over three classes: inputs {@code amount} float [batch, 1] and {@code country} string
     * [batch, 1]; outputs {@code output_label} string [batch] and {@code output_probability}
     * seq(map(string, float)) (ZipMap).
     */
    public static byte[] sklearnPipeline() {
        GraphProto.Builder g = GraphProto.newBuilder().setName("pipeline_logreg");
        g.addInput(tensor("amount", TensorProto.DataType.FLOAT, -1, 1));
        g.addInput(tensor("country", TensorProto.DataType.STRING, -1, 1));
        g.addNode(ml("Scaler", List.of("amount"), List.of("variable"), floats("offset", 50f), floats("scale", 0.02f)));
        g.addNode(ml(
                "OneHotEncoder",
                List.of("country"),
                List.of("country_onehot"),
                strings("cats_strings", COUNTRIES),
                TorchGraphs.attr("zeros", 1)));
        g.addInitializer(TensorProto.newBuilder()
                .setName("shape_tensor")
                .setDataType(TensorProto.DataType.INT64.getNumber())
                .addDims(2)
                .addInt64Data(-1)
                .addInt64Data(COUNTRIES.size()));
        g.addNode(node("Reshape", List.of("country_onehot", "shape_tensor"), List.of("country_2d")));
        g.addNode(node("Concat", List.of("variable", "country_2d"), List.of("transformed_column"))
                .addAttribute(TorchGraphs.attr("axis", 1)));
        float[] coefficients = {
            -1.2f,
            0.8f,
            -0.3f,
            0.1f, // bronze: amount, DE, FR, US
            0.9f,
            -0.4f,
            0.2f,
            0.7f, // gold
            0.3f,
            -0.4f,
            0.1f,
            -0.8f // silver
        };
        g.addNode(ml(
                "LinearClassifier",
                List.of("transformed_column"),
                List.of("label", "probability_tensor"),
                floats("coefficients", coefficients),
                floats("intercepts", 0.1f, -0.2f, 0.05f),
                strings("classlabels_strings", TIERS),
                TorchGraphs.attr("multi_class", 1),
                string("post_transform", "SOFTMAX")));
        g.addNode(node("Identity", List.of("label"), List.of("output_label")));
        g.addNode(ml(
                "ZipMap",
                List.of("probability_tensor"),
                List.of("output_probability"),
                strings("classlabels_strings", TIERS)));
        g.addOutput(tensor("output_label", TensorProto.DataType.STRING, -1));
        g.addOutput(ValueInfoProto.newBuilder()
                .setName("output_probability")
                .setType(TypeProto.newBuilder()
                        .setSequenceType(TypeProto.Sequence.newBuilder()
                                .setElemType(TypeProto.newBuilder()
                                        .setMapType(TypeProto.Map.newBuilder()
                                                .setKeyType(TensorProto.DataType.STRING.getNumber())
                                                .setValueType(TypeProto.newBuilder()
                                                        .setTensorType(TypeProto.Tensor.newBuilder()
                                                                .setElemType(
                                                                        TensorProto.DataType.FLOAT.getNumber()))))))));
        return model(g, "skl2onnx", "1.17.0", null);
    }

    /**
     * An onnxmltools LightGBM-style binary {@code TreeEnsembleClassifier} over input {@code input} float
     * [batch, 3]: two trees of depth 2, classes 0 and 1; outputs {@code label} int64 [batch] and {@code
     * probabilities} float [batch, 2].
     */
    public static byte[] treeClassifier() {
        GraphProto.Builder g = GraphProto.newBuilder().setName("lightgbm_tree");
        g.addInput(tensor("input", TensorProto.DataType.FLOAT, -1, 3));
        // tree 0: x0 <= 0.5 ? (x1 <= 1 ? leaf 3 : leaf 4) : leaf 2; tree 1: x2 <= -0.25 ? leaf 1 : leaf 2
        Tree t = new Tree()
                .branch(0, 0, 0, 0.5f, 1, 2)
                .branch(0, 1, 1, 1f, 3, 4)
                .leaf(0, 2)
                .leaf(0, 3)
                .leaf(0, 4)
                .branch(1, 0, 2, -0.25f, 1, 2)
                .leaf(1, 1)
                .leaf(1, 2);
        long[] classTrees = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1};
        long[] classNodes = {2, 2, 3, 3, 4, 4, 1, 1, 2, 2};
        long[] classIds = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
        float[] weights = {0.1f, 0.3f, 0.35f, 0.05f, 0.2f, 0.2f, 0.05f, 0.15f, 0.25f, 0.05f};
        NodeProto.Builder n = ml("TreeEnsembleClassifier", List.of("input"), List.of("label", "probabilities"));
        t.attributes(n);
        n.addAttribute(ints("class_treeids", classTrees))
                .addAttribute(ints("class_nodeids", classNodes))
                .addAttribute(ints("class_ids", classIds))
                .addAttribute(floats("class_weights", weights))
                .addAttribute(ints("classlabels_int64s", 0, 1))
                .addAttribute(string("post_transform", "NONE"));
        g.addNode(n);
        g.addOutput(tensor("label", TensorProto.DataType.INT64, -1));
        g.addOutput(tensor("probabilities", TensorProto.DataType.FLOAT, -1, 2));
        return model(g, "onnxmltools", "1.12.0", null);
    }

    /**
     * An onnxmltools XGBoost-style {@code TreeEnsembleRegressor} over {@code input} float [batch, 2]: output
     * {@code variable} float [batch, 1], the sum of two trees' leaves plus a base value.
     */
    public static byte[] treeRegressor() {
        GraphProto.Builder g = GraphProto.newBuilder().setName("xgboost_regressor");
        g.addInput(tensor("input", TensorProto.DataType.FLOAT, -1, 2));
        Tree t = new Tree()
                .branch(0, 0, 0, 10f, 1, 2)
                .leaf(0, 1)
                .leaf(0, 2)
                .branch(1, 0, 1, 0f, 1, 2)
                .leaf(1, 1)
                .leaf(1, 2);
        NodeProto.Builder n = ml("TreeEnsembleRegressor", List.of("input"), List.of("variable"));
        t.attributes(n);
        n.addAttribute(ints("target_treeids", 0, 0, 1, 1))
                .addAttribute(ints("target_nodeids", 1, 2, 1, 2))
                .addAttribute(ints("target_ids", 0, 0, 0, 0))
                .addAttribute(floats("target_weights", 12.5f, 40.25f, -3.5f, 6.75f))
                .addAttribute(floats("base_values", 100f))
                .addAttribute(TorchGraphs.attr("n_targets", 1))
                .addAttribute(string("post_transform", "NONE"))
                .addAttribute(string("aggregate_function", "SUM"));
        g.addNode(n);
        g.addOutput(tensor("variable", TensorProto.DataType.FLOAT, -1, 1));
        return model(g, "onnxmltools", "1.12.0", null);
    }

    /**
     * A torch model with an embedding for a categorical id: {@code merchant_id} int64 [batch] through {@code
     * Gather} of a [10, 3] embedding table, concatenated with {@code numeric} float [batch, 2], then {@code
     * Gemm} and {@code Sigmoid}: output {@code score} float [batch, 1].
     */
    public static byte[] embeddingModel() {
        GraphProto.Builder g = GraphProto.newBuilder().setName("torch_jit");
        g.addInput(tensor("merchant_id", TensorProto.DataType.INT64, -1));
        g.addInput(tensor("numeric", TensorProto.DataType.FLOAT, -1, 2));
        float[] table = new float[30];
        for (int i = 0; i < table.length; i++) {
            table[i] = (float) Math.sin(i * 0.7) * 0.8f;
        }
        g.addInitializer(floatTensor("embedding.weight", table, 10, 3));
        g.addInitializer(floatTensor("fc.weight", new float[] {0.6f, -1.1f, 0.4f, 0.9f, -0.5f}, 1, 5));
        g.addInitializer(floatTensor("fc.bias", new float[] {0.05f}, 1));
        g.addNode(node("Gather", List.of("embedding.weight", "merchant_id"), List.of("/embedding/Gather_output_0"))
                .addAttribute(TorchGraphs.attr("axis", 0)));
        g.addNode(node("Concat", List.of("/embedding/Gather_output_0", "numeric"), List.of("/Concat_output_0"))
                .addAttribute(TorchGraphs.attr("axis", 1)));
        g.addNode(node("Gemm", List.of("/Concat_output_0", "fc.weight", "fc.bias"), List.of("/fc/Gemm_output_0"))
                .addAttribute(TorchGraphs.attr("transB", 1)));
        g.addNode(node("Sigmoid", List.of("/fc/Gemm_output_0"), List.of("score")));
        g.addOutput(tensor("score", TensorProto.DataType.FLOAT, -1, 1));
        return model(g, "pytorch", "2.5.0", null);
    }

    /** {@code model} with {@code key=value} in its metadata_props (what a converter's user may add). */
    public static byte[] withMetadata(byte[] onnx, String key, String value) throws Exception {
        return ModelProto.parseFrom(onnx).toBuilder()
                .addMetadataProps(
                        StringStringEntryProto.newBuilder().setKey(key).setValue(value))
                .build()
                .toByteArray();
    }

    /** Nodes of tree ensembles, as the converters list them: per tree, node ids in order. */
    private static final class Tree {
        private final TreeAttr treeIds = new TreeAttr();
        private final TreeAttr nodeIds = new TreeAttr();
        private final TreeAttr featureIds = new TreeAttr();
        private final TreeAttr trueIds = new TreeAttr();
        private final TreeAttr falseIds = new TreeAttr();
        private final java.util.List<Float> values = new java.util.ArrayList<>();
        private final java.util.List<String> modes = new java.util.ArrayList<>();

        Tree branch(long tree, long node, long feature, float value, long ifTrue, long ifFalse) {
            return add(tree, node, feature, value, "BRANCH_LEQ", ifTrue, ifFalse);
        }

        Tree leaf(long tree, long node) {
            return add(tree, node, 0, 0f, "LEAF", 0, 0);
        }

        private Tree add(long tree, long node, long feature, float value, String mode, long t, long f) {
            treeIds.add(tree);
            nodeIds.add(node);
            featureIds.add(feature);
            values.add(value);
            modes.add(mode);
            trueIds.add(t);
            falseIds.add(f);
            return this;
        }

        void attributes(NodeProto.Builder n) {
            float[] v = new float[values.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = values.get(i);
            }
            n.addAttribute(ints("nodes_treeids", treeIds.values()))
                    .addAttribute(ints("nodes_nodeids", nodeIds.values()))
                    .addAttribute(ints("nodes_featureids", featureIds.values()))
                    .addAttribute(floats("nodes_values", v))
                    .addAttribute(strings("nodes_modes", modes))
                    .addAttribute(ints("nodes_truenodeids", trueIds.values()))
                    .addAttribute(ints("nodes_falsenodeids", falseIds.values()));
        }
    }

    private static final class TreeAttr {
        private final java.util.List<Long> values = new java.util.ArrayList<>();

        void add(long v) {
            values.add(v);
        }

        long[] values() {
            return values.stream().mapToLong(Long::longValue).toArray();
        }
    }

    private static byte[] model(GraphProto.Builder graph, String producer, String version, String unused) {
        return ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName(producer)
                .setProducerVersion(version)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(15))
                .addOpsetImport(
                        OperatorSetIdProto.newBuilder().setDomain("ai.onnx.ml").setVersion(1))
                .setGraph(graph)
                .build()
                .toByteArray();
    }

    private static NodeProto.Builder node(String op, List<String> inputs, List<String> outputs) {
        return NodeProto.newBuilder()
                .setOpType(op)
                .setName(op + "_" + outputs.get(0))
                .addAllInput(inputs)
                .addAllOutput(outputs);
    }

    private static NodeProto.Builder ml(
            String op, List<String> inputs, List<String> outputs, AttributeProto... attributes) {
        NodeProto.Builder n = node(op, inputs, outputs).setDomain("ai.onnx.ml");
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        return n;
    }

    /** A tensor value info; -1 is the dynamic batch dimension. */
    private static ValueInfoProto tensor(String name, TensorProto.DataType type, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(
                    d < 0
                            ? TensorShapeProto.Dimension.newBuilder().setDimParam("N")
                            : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder()
                                .setElemType(type.getNumber())
                                .setShape(shape)))
                .build();
    }

    private static TensorProto floatTensor(String name, float[] values, long... dims) {
        TensorProto.Builder t =
                TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT.getNumber());
        for (long d : dims) {
            t.addDims(d);
        }
        for (float v : values) {
            t.addFloatData(v);
        }
        return t.build();
    }

    private static AttributeProto floats(String name, float... values) {
        AttributeProto.Builder a =
                AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOATS);
        for (float v : values) {
            a.addFloats(v);
        }
        return a.build();
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static AttributeProto strings(String name, List<String> values) {
        AttributeProto.Builder a =
                AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRINGS);
        for (String v : values) {
            a.addStrings(ByteString.copyFromUtf8(v));
        }
        return a.build();
    }

    private static AttributeProto string(String name, String value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value))
                .build();
    }
}
