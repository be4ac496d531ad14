package io.inferfn.quantize;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

import io.inferfn.model.Quantization;

/** What is inside an ONNX file: opsets, inputs and outputs, ops, initializer bytes, quantization state. */
public final class ModelInspector {

    private ModelInspector() {}

    /** The quantization state read from the graph's ops and initializer types. */
    public static String quantizationState(ModelProto model) {
        boolean dynamic = false;
        boolean qdq = false;
        boolean qop = false;
        for (NodeProto node : model.getGraph().getNodeList()) {
            switch (node.getOpType()) {
                case "DynamicQuantizeLinear", "MatMulInteger", "ConvInteger", "DynamicQuantizeMatMul" -> dynamic = true;
                case "QuantizeLinear", "DequantizeLinear" -> qdq = true;
                case "QLinearMatMul", "QLinearConv", "QGemm" -> qop = true;
                default -> {}
            }
        }
        if (dynamic) {
            return "int8 (dynamic: 8-bit weights, activations quantized at run time)";
        }
        if (qdq) {
            return "int8 (static QDQ)";
        }
        if (qop) {
            return "int8 (QOperator)";
        }
        return "fp32";
    }

    /** The manifest's quantization for a graph. */
    public static Quantization quantization(byte[] onnx) {
        return quantizationState(Quantizer.parse(onnx)).startsWith("int8") ? Quantization.INT8 : Quantization.FP32;
    }

    /** A human-readable report of {@code onnx}. */
    public static String inspect(byte[] onnx) {
        ModelProto model = Quantizer.parse(onnx);
        GraphProto graph = model.getGraph();
        StringBuilder out = new StringBuilder();
        out.append(String.format("size          %,d bytes%n", onnx.length));
        out.append(String.format(
                "producer      %s %s, IR version %d%n",
                model.getProducerName(), model.getProducerVersion(), model.getIrVersion()));
        List<String> opsets = new ArrayList<>();
        for (OperatorSetIdProto id : model.getOpsetImportList()) {
            opsets.add((id.getDomain().isEmpty() ? "ai.onnx" : id.getDomain()) + " " + id.getVersion());
        }
        out.append("opset         ").append(String.join(", ", opsets)).append('\n');
        java.util.Set<String> initNames = new java.util.HashSet<>();
        for (TensorProto t : graph.getInitializerList()) {
            initNames.add(t.getName());
        }
        for (ValueInfoProto v : graph.getInputList()) {
            if (!initNames.contains(v.getName())) {
                out.append("input         ").append(describe(v)).append('\n');
            }
        }
        for (ValueInfoProto v : graph.getOutputList()) {
            out.append("output        ").append(describe(v)).append('\n');
        }
        Map<String, Integer> ops = new TreeMap<>();
        for (NodeProto node : graph.getNodeList()) {
            ops.merge(node.getOpType(), 1, Integer::sum);
        }
        List<String> opCounts = new ArrayList<>();
        ops.forEach((op, n) -> opCounts.add(op + " " + n));
        out.append(String.format("nodes         %d: %s%n", graph.getNodeCount(), String.join(", ", opCounts)));
        Map<String, long[]> byType = new TreeMap<>();
        for (TensorProto t : graph.getInitializerList()) {
            String type = TensorProto.DataType.forNumber(t.getDataType()).name().toLowerCase();
            long[] agg = byType.computeIfAbsent(type, k -> new long[2]);
            agg[0]++;
            agg[1] += Tensors.bytes(t);
        }
        List<String> inits = new ArrayList<>();
        long total = 0;
        for (Map.Entry<String, long[]> e : byType.entrySet()) {
            inits.add(String.format("%s %d tensors %,d bytes", e.getKey(), e.getValue()[0], e.getValue()[1]));
            total += e.getValue()[1];
        }
        out.append(String.format("initializers  %,d bytes: %s%n", total, String.join("; ", inits)));
        out.append("quantization  ").append(quantizationState(model)).append('\n');
        return out.toString();
    }

    private static String describe(ValueInfoProto v) {
        StringBuilder shape = new StringBuilder("[");
        List<TensorShapeProto.Dimension> dims =
                v.getType().getTensorType().getShape().getDimList();
        for (int i = 0; i < dims.size(); i++) {
            TensorShapeProto.Dimension d = dims.get(i);
            shape.append(i > 0 ? ", " : "")
                    .append(
                            d.hasDimValue()
                                    ? Long.toString(d.getDimValue())
                                    : d.getDimParam().isEmpty() ? "?" : d.getDimParam());
        }
        shape.append(']');
        String type = TensorProto.DataType.forNumber(v.getType().getTensorType().getElemType())
                .name()
                .toLowerCase();
        return v.getName() + " " + type + " " + shape;
    }
}
