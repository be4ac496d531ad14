package io.inferfn.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Tiny ONNX graphs generated in code for tests: {@code y = sigmoid(x · w + b)} with input
 * {@code x} float [batch, width] and output {@code y} float [batch, 1].
 */
public final class TinyModels {

    private TinyModels() {}

    public static byte[] logistic(String input, String output, float[] weights, float bias) {
        int width = weights.length;
        TensorProto w = TensorProto.newBuilder()
                .setName("w")
                .setDataType(TensorProto.DataType.FLOAT.getNumber())
                .addDims(width)
                .addDims(1)
                .addAllFloatData(boxed(weights))
                .build();
        TensorProto b = TensorProto.newBuilder()
                .setName("b")
                .setDataType(TensorProto.DataType.FLOAT.getNumber())
                .addDims(1)
                .addFloatData(bias)
                .build();
        GraphProto graph = GraphProto.newBuilder()
                .setName("tiny")
                .addInput(TorchGraphs.value(input, width))
                .addOutput(TorchGraphs.value(output, 1))
                .addInitializer(w)
                .addInitializer(b)
                .addNode(NodeProto.newBuilder()
                        .setOpType("MatMul")
                        .addInput(input)
                        .addInput("w")
                        .addOutput("xw"))
                .addNode(NodeProto.newBuilder()
                        .setOpType("Add")
                        .addInput("xw")
                        .addInput("b")
                        .addOutput("z"))
                .addNode(NodeProto.newBuilder()
                        .setOpType("Sigmoid")
                        .addInput("z")
                        .addOutput(output))
                .build();
        return ModelProto.newBuilder()
                .setIrVersion(8)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17))
                .setGraph(graph)
                .build()
                .toByteArray();
    }

    /**
     * {@code y = sqrt(x · w + b)}, float [batch, 1]: a model that returns NaN wherever
     * {@code x · w + b < 0}, for tests of what happens to a score that is not a number.
     */
    public static byte[] sqrtOfLinear(String input, String output, float[] weights, float bias) throws Exception {
        ModelProto model = ModelProto.parseFrom(logistic(input, output, weights, bias));
        GraphProto.Builder graph = model.getGraph().toBuilder();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (graph.getNode(i).getOpType().equals("Sigmoid")) {
                graph.setNode(i, graph.getNode(i).toBuilder().setOpType("Sqrt"));
            }
        }
        return model.toBuilder().setGraph(graph).build().toByteArray();
    }

    /** Like {@link #logistic} but with a rank-1 output {@code y} float [batch] (Squeeze of the column). */
    public static byte[] logisticRank1(String input, String output, float[] weights, float bias) throws Exception {
        ModelProto model = ModelProto.parseFrom(logistic(input, "y2d", weights, bias));
        GraphProto graph = model.getGraph().toBuilder()
                .clearOutput()
                .addInitializer(TensorProto.newBuilder()
                        .setName("axes")
                        .setDataType(TensorProto.DataType.INT64.getNumber())
                        .addDims(1)
                        .addInt64Data(1))
                .addNode(NodeProto.newBuilder()
                        .setOpType("Squeeze")
                        .addInput("y2d")
                        .addInput("axes")
                        .addOutput(output))
                .addOutput(ValueInfoProto.newBuilder()
                        .setName(output)
                        .setType(TypeProto.newBuilder()
                                .setTensorType(TypeProto.Tensor.newBuilder()
                                        .setElemType(TensorProto.DataType.FLOAT.getNumber())
                                        .setShape(TensorShapeProto.newBuilder()
                                                .addDim(TensorShapeProto.Dimension.newBuilder()
                                                        .setDimParam("batch"))))))
                .build();
        return model.toBuilder().setGraph(graph).build().toByteArray();
    }

    /** Writes {@code model.onnx} and a manifest (with its {@code sha256} filled in) to a new directory. */
    public static Path publish(byte[] onnx, String manifestJsonWithoutSha) throws IOException {
        Path dir = Files.createTempDirectory("inferfn-model");
        Files.write(dir.resolve("model.onnx"), onnx);
        Files.writeString(
                dir.resolve("manifest.json"), manifestJsonWithoutSha.replace("\"$SHA\"", "\"" + sha256(onnx) + "\""));
        return dir;
    }

    private static java.util.List<Float> boxed(float[] values) {
        java.util.List<Float> list = new java.util.ArrayList<>();
        for (float v : values) {
            list.add(v);
        }
        return list;
    }

    /** Lower-case hex sha256, as a manifest pins it (kept here so fixtures need nothing of the core). */
    static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of()
                    .formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
