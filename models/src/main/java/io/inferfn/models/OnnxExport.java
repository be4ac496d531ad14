package io.inferfn.models;

import java.util.List;

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
 * Writes a trained {@link Mlp} as an ONNX graph shaped the way {@code torch.onnx.export} writes an
 * MLP: input standardisation (Sub, Mul), then Gemm with {@code transB=1} and Relu per hidden layer,
 * and a final Gemm + Sigmoid. Input {@code features} is float32 [batch, width]; output
 * {@code score} is float32 [batch, 1].
 */
public final class OnnxExport {

    public static final String INPUT = "features";
    public static final String OUTPUT = "score";
    public static final int OPSET = 17;

    private OnnxExport() {}

    public static byte[] export(Mlp mlp, String graphName) {
        int width = mlp.sizes[0];
        GraphProto.Builder graph = GraphProto.newBuilder().setName(graphName);
        graph.addInput(tensorValue(INPUT, width));
        graph.addInitializer(floats("mean", mlp.mean, List.of((long) width)));
        graph.addInitializer(floats("inv_std", mlp.invStd, List.of((long) width)));
        graph.addNode(node("Sub", "standardise_sub", List.of(INPUT, "mean"), "centred"));
        graph.addNode(node("Mul", "standardise_mul", List.of("centred", "inv_std"), "x0"));
        int layers = mlp.weights.length;
        String current = "x0";
        for (int l = 0; l < layers; l++) {
            long in = mlp.sizes[l];
            long out = mlp.sizes[l + 1];
            String w = "fc" + l + ".weight";
            String b = "fc" + l + ".bias";
            graph.addInitializer(floats(w, mlp.weights[l], List.of(out, in)));
            graph.addInitializer(floats(b, mlp.biases[l], List.of(out)));
            String z = "fc" + l + ".out";
            graph.addNode(node("Gemm", "fc" + l, List.of(current, w, b), z).toBuilder()
                    .addAttribute(AttributeProto.newBuilder()
                            .setName("transB")
                            .setType(AttributeProto.AttributeType.INT)
                            .setI(1))
                    .build());
            String activation = l == layers - 1 ? OUTPUT : "relu" + l + ".out";
            graph.addNode(node(l == layers - 1 ? "Sigmoid" : "Relu", "act" + l, List.of(z), activation));
            current = activation;
        }
        graph.addOutput(tensorValue(OUTPUT, 1));
        return ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("inferfn-models")
                .setProducerVersion("1")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph)
                .build()
                .toByteArray();
    }

    private static NodeProto node(String op, String name, List<String> inputs, String output) {
        return NodeProto.newBuilder()
                .setOpType(op)
                .setName(name)
                .addAllInput(inputs)
                .addOutput(output)
                .build();
    }

    private static ValueInfoProto tensorValue(String name, long columns) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(columns))
                .build();
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder()
                                .setElemType(TensorProto.DataType.FLOAT.getNumber())
                                .setShape(shape)))
                .build();
    }

    private static TensorProto floats(String name, double[] values, List<Long> dims) {
        TensorProto.Builder tensor = TensorProto.newBuilder()
                .setName(name)
                .setDataType(TensorProto.DataType.FLOAT.getNumber())
                .addAllDims(dims);
        for (double v : values) {
            tensor.addFloatData((float) v);
        }
        return tensor.build();
    }
}
