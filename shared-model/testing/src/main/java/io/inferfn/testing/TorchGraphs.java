package io.inferfn.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * ONNX graphs shaped the way {@code torch.onnx.export} writes small networks, generated in code:
 * {@code Gemm} with {@code transB=1} (nn.Linear), {@code MatMul} followed by {@code Add},
 * Relu/Tanh/Sigmoid/Softmax activations, and Flatten or Reshape before the first layer.
 */
public final class TorchGraphs {

    /** How a layer is written. */
    public enum Linear {
        GEMM_TRANS_B,
        MATMUL_ADD
    }

    /** What comes before the first layer. */
    public enum Head {
        NONE,
        FLATTEN,
        RESHAPE
    }

    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("torch_jit");
    private final Random random;
    private int counter;

    private TorchGraphs(long seed) {
        this.random = new Random(seed);
    }

    /**
     * An MLP {@code sizes[0] -> ... -> sizes[last]}: hidden layers with {@code hidden} activation,
     * the last with {@code last} ("Sigmoid" or "Softmax"). With a Flatten/Reshape head the input is
     * [batch, 2, sizes[0] / 2].
     */
    public static byte[] mlp(int opset, Linear linear, Head head, String hidden, String last, long seed, int... sizes) {
        TorchGraphs g = new TorchGraphs(seed);
        String current = "input";
        if (head == Head.NONE) {
            g.graph.addInput(value("input", sizes[0]));
        } else {
            g.graph.addInput(value3("input", 2, sizes[0] / 2));
            if (head == Head.FLATTEN) {
                current = g.node("Flatten", List.of(current), attr("axis", 1));
            } else {
                g.graph.addInitializer(TensorProto.newBuilder()
                        .setName("reshape_shape")
                        .setDataType(TensorProto.DataType.INT64.getNumber())
                        .addDims(2)
                        .addInt64Data(-1)
                        .addInt64Data(sizes[0]));
                current = g.node("Reshape", List.of(current, "reshape_shape"));
            }
        }
        for (int l = 0; l < sizes.length - 1; l++) {
            int in = sizes[l];
            int out = sizes[l + 1];
            String w = "fc" + l + ".weight";
            String b = "fc" + l + ".bias";
            if (linear == Linear.GEMM_TRANS_B) {
                g.graph.addInitializer(g.floats(w, out * in, Math.sqrt(2.0 / in), out, in));
                g.graph.addInitializer(g.floats(b, out, 0.1, out));
                current = g.node(
                        "Gemm", List.of(current, w, b), attr("transB", 1), attrF("alpha", 1f), attrF("beta", 1f));
            } else {
                g.graph.addInitializer(g.floats(w, in * out, Math.sqrt(2.0 / in), in, out));
                g.graph.addInitializer(g.floats(b, out, 0.1, out));
                current = g.node("MatMul", List.of(current, w));
                current = g.node("Add", List.of(current, b));
            }
            boolean isLast = l == sizes.length - 2;
            String act = isLast ? last : hidden;
            current = act.equals("Softmax")
                    ? g.node(act, List.of(current), attr("axis", -1))
                    : g.node(act, List.of(current));
        }
        g.graph.addOutput(value(current, sizes[sizes.length - 1]));
        return model(g.graph, opset);
    }

    public static byte[] model(GraphProto.Builder graph, int opset) {
        return ModelProto.newBuilder()
                .setIrVersion(opset >= 15 ? 8 : 7)
                .setProducerName("pytorch")
                .setProducerVersion("2.5.0")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph)
                .build()
                .toByteArray();
    }

    private String node(String op, List<String> inputs, AttributeProto... attributes) {
        String output = "/" + op.toLowerCase() + "_" + counter + "/output_0";
        NodeProto.Builder node = NodeProto.newBuilder()
                .setOpType(op)
                .setName("/" + op + "_" + counter++)
                .addAllInput(inputs)
                .addOutput(output);
        for (AttributeProto a : attributes) {
            node.addAttribute(a);
        }
        graph.addNode(node);
        return output;
    }

    private TensorProto floats(String name, int count, double scale, long... dims) {
        TensorProto.Builder t =
                TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT.getNumber());
        for (long d : dims) {
            t.addDims(d);
        }
        for (int i = 0; i < count; i++) {
            t.addFloatData((float) (random.nextGaussian() * scale));
        }
        return t.build();
    }

    public static AttributeProto attr(String name, long value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.INT)
                .setI(value)
                .build();
    }

    /**
     * A sentence encoder in miniature, as a transformer export looks from outside: {@code input_ids}
     * and {@code attention_mask} int64 [batch, tokens]; a word-embedding {@code Gather} from a
     * [vocab, dim] table, one {@code MatMul + Add + Tanh} layer, masked by the attention mask; output
     * {@code last_hidden_state} float [batch, tokens, dim]. Opset 13.
     */
    public static byte[] textEncoder(int vocab, int dim, long seed) {
        TorchGraphs g = new TorchGraphs(seed);
        g.graph.addInput(tokens("input_ids", TensorProto.DataType.INT64));
        g.graph.addInput(tokens("attention_mask", TensorProto.DataType.INT64));
        g.graph.addInitializer(g.floats("embeddings.word_embeddings.weight", vocab * dim, 0.5, vocab, dim));
        g.graph.addInitializer(g.floats("layer.weight", dim * dim, Math.sqrt(1.0 / dim), dim, dim));
        g.graph.addInitializer(g.floats("layer.bias", dim, 0.1, dim));
        g.graph.addInitializer(TensorProto.newBuilder()
                .setName("mask_axes")
                .setDataType(TensorProto.DataType.INT64.getNumber())
                .addDims(1)
                .addInt64Data(2));
        String h = g.node("Gather", List.of("embeddings.word_embeddings.weight", "input_ids"), attr("axis", 0));
        h = g.node("MatMul", List.of(h, "layer.weight"));
        h = g.node("Add", List.of(h, "layer.bias"));
        h = g.node("Tanh", List.of(h));
        String mask = g.node("Cast", List.of("attention_mask"), attr("to", TensorProto.DataType.FLOAT.getNumber()));
        mask = g.node("Unsqueeze", List.of(mask, "mask_axes"));
        g.graph.addNode(NodeProto.newBuilder()
                .setOpType("Mul")
                .setName("/Mul_out")
                .addInput(h)
                .addInput(mask)
                .addOutput("last_hidden_state"));
        g.graph.addOutput(ValueInfoProto.newBuilder()
                .setName("last_hidden_state")
                .setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder()
                                .setElemType(TensorProto.DataType.FLOAT.getNumber())
                                .setShape(TensorShapeProto.newBuilder()
                                        .addDim(TensorShapeProto.Dimension.newBuilder()
                                                .setDimParam("batch"))
                                        .addDim(TensorShapeProto.Dimension.newBuilder()
                                                .setDimParam("tokens"))
                                        .addDim(TensorShapeProto.Dimension.newBuilder()
                                                .setDimValue(dim))))));
        return model(g.graph, 13);
    }

    /**
     * A sequence classifier in miniature, as a Hugging Face {@code ...ForSequenceClassification} export looks from
     * outside: {@code input_ids} and {@code attention_mask} int64 [batch, tokens]; a word-embedding {@code Gather}
     * from a [vocab, dim] table, the mean over the tokens the attention mask keeps, a linear head; output {@code logits} float [batch, classes].
     * Opset 13.
     */
    public static byte[] textClassifier(int vocab, int dim, int classes, long seed) {
        TorchGraphs g = new TorchGraphs(seed);
        g.graph.addInput(tokens("input_ids", TensorProto.DataType.INT64));
        g.graph.addInput(tokens("attention_mask", TensorProto.DataType.INT64));
        g.graph.addInitializer(g.floats("embeddings.word_embeddings.weight", vocab * dim, 1.0, vocab, dim));
        g.graph.addInitializer(g.floats("classifier.weight", dim * classes, 1.0, dim, classes));
        g.graph.addInitializer(g.floats("classifier.bias", classes, 0.1, classes));
        g.graph.addInitializer(TensorProto.newBuilder()
                .setName("mask_axes")
                .setDataType(TensorProto.DataType.INT64.getNumber())
                .addDims(1)
                .addInt64Data(2));
        AttributeProto overTokens = AttributeProto.newBuilder()
                .setName("axes")
                .setType(AttributeProto.AttributeType.INTS)
                .addInts(1)
                .build();
        String h = g.node("Gather", List.of("embeddings.word_embeddings.weight", "input_ids"), attr("axis", 0));
        String mask = g.node("Cast", List.of("attention_mask"), attr("to", TensorProto.DataType.FLOAT.getNumber()));
        mask = g.node("Unsqueeze", List.of(mask, "mask_axes"));
        h = g.node("Mul", List.of(h, mask));
        // the mean over the real tokens: mean(h * mask) / mean(mask), padding left out
        h = g.node("ReduceMean", List.of(h), overTokens, attr("keepdims", 0));
        String count = g.node("ReduceMean", List.of(mask), overTokens, attr("keepdims", 0));
        h = g.node("Div", List.of(h, count));
        h = g.node("MatMul", List.of(h, "classifier.weight"));
        g.graph.addNode(NodeProto.newBuilder()
                .setOpType("Add")
                .setName("/classifier/Add")
                .addInput(h)
                .addInput("classifier.bias")
                .addOutput("logits"));
        g.graph.addOutput(value("logits", classes));
        return model(g.graph, 13);
    }

    private static ValueInfoProto tokens(String name, TensorProto.DataType type) {
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder()
                                .setElemType(type.getNumber())
                                .setShape(TensorShapeProto.newBuilder()
                                        .addDim(TensorShapeProto.Dimension.newBuilder()
                                                .setDimParam("batch"))
                                        .addDim(TensorShapeProto.Dimension.newBuilder()
                                                .setDimParam("tokens")))))
                .build();
    }

    static AttributeProto attrF(String name, float value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.FLOAT)
                .setF(value)
                .build();
    }

    public static ValueInfoProto value(String name, long columns) {
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder()
                                .setElemType(TensorProto.DataType.FLOAT.getNumber())
                                .setShape(TensorShapeProto.newBuilder()
                                        .addDim(TensorShapeProto.Dimension.newBuilder()
                                                .setDimParam("batch"))
                                        .addDim(TensorShapeProto.Dimension.newBuilder()
                                                .setDimValue(columns)))))
                .build();
    }

    static ValueInfoProto value3(String name, long a, long b) {
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder()
                                .setElemType(TensorProto.DataType.FLOAT.getNumber())
                                .setShape(TensorShapeProto.newBuilder()
                                        .addDim(TensorShapeProto.Dimension.newBuilder()
                                                .setDimParam("batch"))
                                        .addDim(TensorShapeProto.Dimension.newBuilder()
                                                .setDimValue(a))
                                        .addDim(TensorShapeProto.Dimension.newBuilder()
                                                .setDimValue(b)))))
                .build();
    }

    /** Random standard-normal rows of {@code width} values. */
    public static float[][] randomRows(int rows, int width, long seed) {
        Random random = new Random(seed);
        float[][] out = new float[rows][width];
        for (float[] row : out) {
            for (int i = 0; i < width; i++) {
                row[i] = (float) random.nextGaussian();
            }
        }
        return out;
    }

    /** Node names of a list of ops, for assertions. */
    public static List<String> ops(byte[] onnx) throws Exception {
        List<String> ops = new ArrayList<>();
        for (NodeProto n : ModelProto.parseFrom(onnx).getGraph().getNodeList()) {
            ops.add(n.getOpType());
        }
        return ops;
    }
}
