package io.inferfn.quantize;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.InvalidProtocolBufferException;

/**
 * int8 quantization of fp32 ONNX models, in Java.
 *
 * <p>Only {@code MatMul} and {@code Gemm} nodes whose weight is a constant float initializer are
 * quantized; every other node stays fp32 and the report says so, node by node. Weights are
 * symmetric 8-bit, per tensor or per output channel, stored as {@link QuantizeOptions.WeightFormat}
 * says: uint8 around zero point 128 by default (U8U8), or 7-bit int8 (U8S8 reduce-range), never
 * full-range int8, whose u8 x s8 products saturate ONNX Runtime's kernels on x86-64 CPUs without
 * VNNI. Biases stay float.
 *
 * <ul>
 *   <li><b>Dynamic</b> (default): {@code DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul}, the
 *       pattern ONNX Runtime's CPU provider fuses into {@code DynamicQuantizeMatMul}; activations are
 *       quantized per call, so no calibration is needed.
 *   <li><b>Static</b>: QDQ ({@code QuantizeLinear -> DequantizeLinear} on the activation, int8 weight
 *       through {@code DequantizeLinear}), with activation ranges measured on calibration rows by
 *       min/max or percentile; ONNX Runtime fuses it into integer kernels.
 * </ul>
 *
 * The result is loaded by ONNX Runtime, and run once, before it is returned: a graph it cannot
 * handle is a {@link QuantizeException} saying what and where, never a broken file.
 */
public final class Quantizer {

    /** DynamicQuantizeLinear arrived in opset 11. */
    public static final int MIN_OPSET = 11;

    /** The newest default-domain opset this quantizer has been checked against. */
    public static final int MAX_OPSET = 21;

    /** Per-channel static QDQ needs {@code DequantizeLinear}'s {@code axis}, added in this opset. */
    public static final int PER_CHANNEL_STATIC_OPSET = 13;

    private static final String NOT_QUANTIZABLE_OP =
            "stays fp32: only MatMul and Gemm with constant weights, and Gather from a constant table, are quantized";

    static final String KEPT = "stays fp32: kept as asked (the accuracy target's most sensitive nodes)";

    private static final String EMBEDDINGS_KEPT = "embedding tables kept fp32 as asked (--keep-embeddings)";

    /** Tables smaller than this (values) stay fp32: they save a few kilobytes and would only add error. */
    static final int MIN_TABLE_VALUES = 4096;

    /** The ONNX-ML tree ensembles, which ONNX Runtime runs as they are. */
    private static final java.util.Set<String> TREE_ENSEMBLES =
            java.util.Set.of("TreeEnsembleClassifier", "TreeEnsembleRegressor", "TreeEnsemble");

    static final String TREE_ENSEMBLE = "stays as is: an ONNX-ML tree ensemble compares raw feature values with its"
            + " split thresholds and adds leaf weights, with no weight matrix to multiply: int8 would move rows to"
            + " other branches and make nothing faster";

    private Quantizer() {}

    /** Quantizes {@code fp32} (ONNX bytes) as {@code options} say. */
    public static QuantizeResult quantize(byte[] fp32, QuantizeOptions options) {
        ModelProto model = parse(fp32);
        int opset = opset(model);
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new QuantizeException("unsupported opset " + opset + " (default domain): this quantizer handles "
                    + MIN_OPSET + "-" + MAX_OPSET + "; re-export the model with opset 13-17");
        }
        if (options.mode() == QuantizeOptions.Mode.STATIC && options.perChannel() && opset < PER_CHANNEL_STATIC_OPSET) {
            throw new QuantizeException("per-channel static quantization needs opset " + PER_CHANNEL_STATIC_OPSET
                    + " or newer (axis on DequantizeLinear); the model is opset " + opset
                    + ": quantize it per tensor (--per-tensor) or re-export it with opset 13 or newer");
        }
        GraphProto graph = model.getGraph();
        Map<String, TensorProto> initializers = new HashMap<>();
        for (TensorProto t : graph.getInitializerList()) {
            if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
                throw new QuantizeException("initializer '" + t.getName() + "' keeps its data outside the model file"
                        + " (external data); re-export with the weights embedded (models under 2 GB)");
            }
            initializers.put(t.getName(), t);
        }
        Map<String, Integer> consumers = new HashMap<>();
        for (NodeProto node : graph.getNodeList()) {
            for (String input : node.getInputList()) {
                consumers.merge(input, 1, Integer::sum);
            }
        }

        List<NodeReport> reports = new ArrayList<>();
        Map<Integer, Candidate> candidates = new LinkedHashMap<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto node = graph.getNode(i);
            String name = displayName(node, i);
            String op = node.getOpType();
            if (TREE_ENSEMBLES.contains(op) && node.getDomain().equals("ai.onnx.ml")) {
                reports.add(new NodeReport(name, op, false, TREE_ENSEMBLE));
                continue;
            }
            if (!node.getDomain().isEmpty() && !node.getDomain().equals("ai.onnx")) {
                reports.add(new NodeReport(name, op, false, "stays as is: custom domain " + node.getDomain()));
                continue;
            }
            if (options.keepFp32().contains(name)) {
                reports.add(new NodeReport(name, op, false, KEPT));
                continue;
            }
            if (op.equals("Gather")) {
                String reason = options.embeddings() ? whyNotGather(node, initializers) : EMBEDDINGS_KEPT;
                if (reason != null) {
                    reports.add(new NodeReport(name, op, false, "stays fp32: " + reason));
                    continue;
                }
                candidates.put(i, new Candidate(node, "q" + i + "_" + sanitize(name), name));
                reports.add(null);
                continue;
            }
            if (!op.equals("MatMul") && !op.equals("Gemm")) {
                reports.add(new NodeReport(name, op, false, NOT_QUANTIZABLE_OP));
                continue;
            }
            String reason = whyNot(node, initializers);
            if (reason != null) {
                reports.add(new NodeReport(name, op, false, "stays fp32: " + reason));
                continue;
            }
            candidates.put(i, new Candidate(node, "q" + i + "_" + sanitize(name), name));
            reports.add(null); // filled in when rewritten
        }
        if (candidates.isEmpty()) {
            StringBuilder why = new StringBuilder("no quantizable node: ");
            List<String> matmuls = new ArrayList<>();
            for (NodeReport r : reports) {
                if (r.op().equals("MatMul") || r.op().equals("Gemm")) {
                    matmuls.add(r.node() + " (" + r.op() + ") " + r.detail());
                }
            }
            List<String> trees = new ArrayList<>();
            for (NodeReport r : reports) {
                if (r.detail().equals(TREE_ENSEMBLE)) {
                    trees.add(r.node() + " (" + r.op() + ")");
                }
            }
            if (!trees.isEmpty() && matmuls.isEmpty()) {
                throw new QuantizeException("nothing to quantize: " + String.join(", ", trees) + " " + TREE_ENSEMBLE
                        + "; publish the model as it is (fp32)");
            }
            why.append(matmuls.isEmpty() ? "the graph has no MatMul or Gemm node" : String.join("; ", matmuls));
            throw new QuantizeException(why.toString());
        }

        Map<String, float[]> ranges = options.mode() == QuantizeOptions.Mode.STATIC
                ? Calibrator.ranges(model, activations(candidates), options)
                : Map.of();

        GraphProto.Builder out = graph.toBuilder().clearNode();
        long before = 0;
        long after = 0;
        Set<String> quantizedWeights = new HashSet<>();
        Map<String, Integer> quantizedUses = new HashMap<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            Candidate c = candidates.get(i);
            if (c == null) {
                out.addNode(graph.getNode(i));
                continue;
            }
            boolean gather = c.node.getOpType().equals("Gather");
            TensorProto weight = initializers.get(c.node.getInput(gather ? 0 : 1));
            Rewrite rewrite = gather
                    ? gather(c, weight)
                    : options.mode() == QuantizeOptions.Mode.DYNAMIC
                            ? dynamic(c, weight, initializers, options)
                            : qdq(c, weight, ranges.get(c.node.getInput(0)), options);
            out.addAllNode(rewrite.nodes);
            out.addAllInitializer(rewrite.initializers);
            before += Tensors.bytes(weight);
            long added = 0;
            for (TensorProto t : rewrite.initializers) {
                if (!t.getName().endsWith("_bias")) {
                    added += Tensors.bytes(t);
                }
            }
            after += added;
            quantizedWeights.add(weight.getName());
            quantizedUses.merge(weight.getName(), 1, Integer::sum);
            reports.set(
                    i,
                    new NodeReport(
                            c.displayName,
                            c.node.getOpType(),
                            true,
                            rewrite.detail + " (" + Tensors.bytes(weight) + " -> " + added + " bytes)"));
        }
        // Drop float weights no remaining node reads (a weight shared with a float node stays).
        Set<String> drop = new HashSet<>();
        for (String w : quantizedWeights) {
            if (quantizedUses.get(w).equals(consumers.get(w))) {
                drop.add(w);
            }
        }
        List<TensorProto> kept = new ArrayList<>();
        for (TensorProto t : out.getInitializerList()) {
            if (!drop.contains(t.getName())) {
                kept.add(t);
            }
        }
        out.clearInitializer().addAllInitializer(kept);
        List<ValueInfoProto> inputs = new ArrayList<>();
        for (ValueInfoProto v : out.getInputList()) {
            if (!drop.contains(v.getName())) {
                inputs.add(v);
            }
        }
        out.clearInput().addAllInput(inputs);

        byte[] quantized = model.toBuilder()
                .setGraph(out)
                .setProducerName("inferfn-quantize")
                .build()
                .toByteArray();
        checkLoads(quantized);
        return new QuantizeResult(quantized, List.copyOf(reports), options.weights(), before, after);
    }

    /**
     * The weight, its scales and zero points as {@code format} stores them; int8 values of {@code
     * q} move to uint8 around 128 for U8U8.
     */
    private static List<TensorProto> weightInitializers(
            String p,
            Symmetric q,
            QuantizeOptions.WeightFormat format,
            boolean perChannel,
            int channels,
            long... dims) {
        boolean u8 = format == QuantizeOptions.WeightFormat.U8U8;
        byte[] values = q.values.clone();
        byte[] zeros = new byte[perChannel ? channels : 1];
        if (u8) {
            for (int i = 0; i < values.length; i++) {
                values[i] = (byte) (values[i] + 128);
            }
            java.util.Arrays.fill(zeros, (byte) 128);
        }
        long[] zeroDims = perChannel ? new long[] {channels} : new long[0];
        return List.of(
                u8 ? Tensors.uint8Tensor(p + "_w_q", values, dims) : Tensors.int8Tensor(p + "_w_q", values, dims),
                Tensors.floatTensor(p + "_w_scale", q.scales, zeroDims),
                u8
                        ? Tensors.uint8Tensor(p + "_w_zero", zeros, zeroDims)
                        : Tensors.int8Tensor(p + "_w_zero", zeros, zeroDims));
    }

    private static String describe(String mode, QuantizeOptions options) {
        return mode + ", " + (options.perChannel() ? "per-channel" : "per-tensor") + ", "
                + options.weights().label();
    }

    /** Why a MatMul/Gemm cannot be quantized, or null when it can. */
    private static String whyNot(NodeProto node, Map<String, TensorProto> initializers) {
        if (node.getInputCount() < 2) {
            return "malformed node (fewer than two inputs)";
        }
        String a = node.getInput(0);
        String b = node.getInput(1);
        TensorProto weight = initializers.get(b);
        if (weight == null) {
            return initializers.containsKey(a)
                    ? "the constant is the left operand; only activation x weight is quantized"
                    : "weight '" + b + "' is computed at run time, not a constant initializer";
        }
        if (initializers.containsKey(a)) {
            return "both operands are constants (fold them before export)";
        }
        if (weight.getDataType() != TensorProto.DataType.FLOAT.getNumber()) {
            return "weight '" + b + "' is " + TensorProto.DataType.forNumber(weight.getDataType()) + ", not float32";
        }
        if (weight.getDimsCount() != 2) {
            return "weight '" + b + "' has rank " + weight.getDimsCount() + "; only 2-d weights are quantized";
        }
        if (node.getOpType().equals("Gemm")) {
            if (intAttr(node, "transA", 0) != 0) {
                return "transA=1 is not supported";
            }
            if (node.getInputCount() > 2
                    && floatAttr(node, "beta", 1f) != 1f
                    && !initializers.containsKey(node.getInput(2))) {
                return "beta != 1 with a bias computed at run time";
            }
        }
        return null;
    }

    /** Why a Gather's table cannot be quantized, or null when it can. */
    private static String whyNotGather(NodeProto node, Map<String, TensorProto> initializers) {
        if (node.getInputCount() < 2) {
            return "malformed node (fewer than two inputs)";
        }
        TensorProto table = initializers.get(node.getInput(0));
        if (table == null) {
            return "the table '" + node.getInput(0) + "' is computed at run time, not a constant initializer";
        }
        if (initializers.containsKey(node.getInput(1))) {
            return "both the table and the indices are constants (fold them before export)";
        }
        if (table.getDataType() != TensorProto.DataType.FLOAT.getNumber()) {
            return "table '" + table.getName() + "' is " + TensorProto.DataType.forNumber(table.getDataType())
                    + ", not float32";
        }
        if (table.getDimsCount() != 2) {
            return "table '" + table.getName() + "' has rank " + table.getDimsCount() + "; only 2-d tables are"
                    + " quantized";
        }
        if (intAttr(node, "axis", 0) != 0) {
            return "Gather along axis " + intAttr(node, "axis", 0) + "; only row lookups (axis 0) are quantized";
        }
        long values = table.getDims(0) * table.getDims(1);
        if (values < MIN_TABLE_VALUES) {
            return "table '" + table.getName() + "' holds " + values + " values (< " + MIN_TABLE_VALUES
                    + "): too small to be worth its error";
        }
        return null;
    }

    /**
     * Weight-only int8 for an embedding table: each row symmetric int8 with its own scale, so a rare
     * token's small vector keeps its resolution beside a frequent token's large one. At run time
     * {@code Gather(int8 rows) -> Cast -> Mul(Gather(row scales))}: the table shrinks 4x and the
     * lookup still reads only the rows asked for.
     */
    private static Rewrite gather(Candidate c, TensorProto table) {
        NodeProto node = c.node;
        String p = c.prefix;
        int rows = (int) table.getDims(0);
        int cols = (int) table.getDims(1);
        float[] w = Tensors.floats(table);
        byte[] q = new byte[w.length];
        float[] scales = new float[rows];
        for (int r = 0; r < rows; r++) {
            float max = 0;
            for (int col = 0; col < cols; col++) {
                max = Math.max(max, Math.abs(w[r * cols + col]));
            }
            float scale = max > 0 ? max / 127f : 1f;
            scales[r] = scale;
            for (int col = 0; col < cols; col++) {
                int v = Math.round(w[r * cols + col] / scale);
                q[r * cols + col] = (byte) Math.max(-127, Math.min(127, v));
            }
        }
        List<TensorProto> inits = List.of(
                Tensors.int8Tensor(p + "_table_q", q, rows, cols),
                Tensors.floatTensor(p + "_row_scale", scales, rows, 1));
        String ids = node.getInput(1);
        List<NodeProto> nodes = new ArrayList<>();
        nodes.add(node("Gather", p + "_gather_q", List.of(p + "_table_q", ids), List.of(p + "_rows_q")));
        nodes.add(node("Gather", p + "_gather_scale", List.of(p + "_row_scale", ids), List.of(p + "_rows_scale")));
        nodes.add(node("Cast", p + "_cast", List.of(p + "_rows_q"), List.of(p + "_rows_f")).toBuilder()
                .addAttribute(AttributeProto.newBuilder()
                        .setName("to")
                        .setType(AttributeProto.AttributeType.INT)
                        .setI(TensorProto.DataType.FLOAT.getNumber()))
                .build());
        nodes.add(node("Mul", p + "_dequant", List.of(p + "_rows_f", p + "_rows_scale"), List.of(node.getOutput(0))));
        return new Rewrite(nodes, inits, "weight-only int8 embedding table, per-row scales, " + rows + "x" + cols);
    }

    private record Candidate(NodeProto node, String prefix, String displayName) {}

    private record Rewrite(List<NodeProto> nodes, List<TensorProto> initializers, String detail) {}

    private static Set<String> activations(Map<Integer, Candidate> candidates) {
        Set<String> names = new HashSet<>();
        for (Candidate c : candidates.values()) {
            if (!c.node.getOpType().equals("Gather")) {
                names.add(c.node.getInput(0));
            }
        }
        return names;
    }

    /** Dynamic: DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul(a_scale * w_scale) [-> Add bias]. */
    private static Rewrite dynamic(
            Candidate c, TensorProto weight, Map<String, TensorProto> initializers, QuantizeOptions options) {
        boolean perChannel = options.perChannel();
        NodeProto node = c.node;
        String p = c.prefix;
        boolean gemm = node.getOpType().equals("Gemm");
        int rows = (int) weight.getDims(0);
        int cols = (int) weight.getDims(1);
        float[] w = Tensors.floats(weight);
        boolean transB = gemm && intAttr(node, "transB", 0) != 0;
        int k = transB ? cols : rows;
        int n = transB ? rows : cols;
        float[] kn = new float[k * n]; // weight as [K, N]
        for (int r = 0; r < rows; r++) {
            for (int col = 0; col < cols; col++) {
                float v = w[r * cols + col];
                if (transB) {
                    kn[col * n + r] = v;
                } else {
                    kn[r * n + col] = v;
                }
            }
        }
        float alpha = gemm ? floatAttr(node, "alpha", 1f) : 1f;
        Symmetric q = Symmetric.quantize(kn, k, n, perChannel, options.weights().limit());
        float[] scales = q.scales.clone();
        for (int i = 0; i < scales.length; i++) {
            scales[i] *= alpha;
        }
        List<TensorProto> inits = new ArrayList<>(
                weightInitializers(p, new Symmetric(q.values, scales), options.weights(), perChannel, n, k, n));
        List<NodeProto> nodes = new ArrayList<>();
        String a = node.getInput(0);
        nodes.add(node(
                "DynamicQuantizeLinear",
                p + "_quant_a",
                List.of(a),
                List.of(p + "_a_u8", p + "_a_scale", p + "_a_zero")));
        nodes.add(node(
                "MatMulInteger",
                p + "_matmul_int",
                List.of(p + "_a_u8", p + "_w_q", p + "_a_zero", p + "_w_zero"),
                List.of(p + "_acc")));
        nodes.add(node("Cast", p + "_cast", List.of(p + "_acc"), List.of(p + "_acc_f")).toBuilder()
                .addAttribute(AttributeProto.newBuilder()
                        .setName("to")
                        .setType(AttributeProto.AttributeType.INT)
                        .setI(TensorProto.DataType.FLOAT.getNumber()))
                .build());
        nodes.add(node("Mul", p + "_scale", List.of(p + "_a_scale", p + "_w_scale"), List.of(p + "_scale_aw")));
        String y = node.getOutput(0);
        boolean bias = gemm && node.getInputCount() > 2 && !node.getInput(2).isEmpty();
        nodes.add(node("Mul", p + "_rescale", List.of(p + "_acc_f", p + "_scale_aw"), List.of(bias ? p + "_mm" : y)));
        if (bias) {
            String c0 = node.getInput(2);
            float beta = floatAttr(node, "beta", 1f);
            String biasName = c0;
            if (beta != 1f) {
                TensorProto original = initializers.get(c0);
                float[] values = Tensors.floats(original);
                for (int i = 0; i < values.length; i++) {
                    values[i] *= beta;
                }
                biasName = p + "_bias";
                inits.add(Tensors.floatTensor(
                        biasName,
                        values,
                        original.getDimsList().stream()
                                .mapToLong(Long::longValue)
                                .toArray()));
            }
            nodes.add(node("Add", p + "_add_bias", List.of(p + "_mm", biasName), List.of(y)));
        }
        return new Rewrite(nodes, inits, describe("dynamic", options) + ", weight " + k + "x" + n);
    }

    /** Static QDQ: Q/DQ on the activation with calibrated range, int8 weight through DequantizeLinear. */
    private static Rewrite qdq(Candidate c, TensorProto weight, float[] range, QuantizeOptions options) {
        boolean perChannel = options.perChannel();
        NodeProto node = c.node;
        String p = c.prefix;
        boolean gemm = node.getOpType().equals("Gemm");
        int rows = (int) weight.getDims(0);
        int cols = (int) weight.getDims(1);
        boolean transB = gemm && intAttr(node, "transB", 0) != 0;
        int axis = transB ? 0 : 1; // the output-channel axis of the weight as stored
        float[] w = Tensors.floats(weight);
        Symmetric q;
        if (axis == 1) {
            q = Symmetric.quantize(w, rows, cols, perChannel, options.weights().limit());
        } else {
            // channels are rows: quantize the transpose and transpose back
            float[] t = new float[w.length];
            for (int r = 0; r < rows; r++) {
                for (int col = 0; col < cols; col++) {
                    t[col * rows + r] = w[r * cols + col];
                }
            }
            Symmetric tq = Symmetric.quantize(
                    t, cols, rows, perChannel, options.weights().limit());
            byte[] back = new byte[w.length];
            for (int r = 0; r < rows; r++) {
                for (int col = 0; col < cols; col++) {
                    back[r * cols + col] = tq.values[col * rows + r];
                }
            }
            q = new Symmetric(back, tq.scales);
        }
        int channels = axis == 1 ? cols : rows;
        float lo = Math.min(0f, range[0]);
        float hi = Math.max(0f, range[1]);
        float scale = hi > lo ? (hi - lo) / 255f : 1f;
        int zero = Math.max(0, Math.min(255, Math.round(-lo / scale)));

        List<TensorProto> inits = new ArrayList<>();
        inits.add(Tensors.floatTensor(p + "_a_scale", new float[] {scale}));
        inits.add(Tensors.uint8Tensor(p + "_a_zero", new byte[] {(byte) zero}));
        inits.addAll(weightInitializers(p, q, options.weights(), perChannel, channels, rows, cols));
        List<NodeProto> nodes = new ArrayList<>();
        String a = node.getInput(0);
        nodes.add(node("QuantizeLinear", p + "_q_a", List.of(a, p + "_a_scale", p + "_a_zero"), List.of(p + "_a_q")));
        nodes.add(node(
                "DequantizeLinear",
                p + "_dq_a",
                List.of(p + "_a_q", p + "_a_scale", p + "_a_zero"),
                List.of(p + "_a_dq")));
        NodeProto dqW = node(
                "DequantizeLinear",
                p + "_dq_w",
                List.of(p + "_w_q", p + "_w_scale", p + "_w_zero"),
                List.of(p + "_w_dq"));
        if (perChannel) {
            dqW = dqW.toBuilder()
                    .addAttribute(AttributeProto.newBuilder()
                            .setName("axis")
                            .setType(AttributeProto.AttributeType.INT)
                            .setI(axis))
                    .build();
        }
        nodes.add(dqW);
        NodeProto.Builder rewired = node.toBuilder().setInput(0, p + "_a_dq").setInput(1, p + "_w_dq");
        nodes.add(rewired.build());
        return new Rewrite(
                nodes,
                inits,
                describe("static QDQ", options) + ", weight " + rows + "x" + cols + ", activation range [" + range[0]
                        + ", " + range[1] + "]");
    }

    /** Symmetric int8 values (in [-limit, limit]) of a [K, N] matrix and their scales (1 or N). */
    private record Symmetric(byte[] values, float[] scales) {

        static Symmetric quantize(float[] kn, int k, int n, boolean perColumn, int limit) {
            float[] scales = new float[perColumn ? n : 1];
            for (int r = 0; r < k; r++) {
                for (int col = 0; col < n; col++) {
                    int s = perColumn ? col : 0;
                    scales[s] = Math.max(scales[s], Math.abs(kn[r * n + col]));
                }
            }
            for (int s = 0; s < scales.length; s++) {
                scales[s] = scales[s] > 0 ? scales[s] / limit : 1f;
            }
            byte[] values = new byte[kn.length];
            for (int r = 0; r < k; r++) {
                for (int col = 0; col < n; col++) {
                    float scale = scales[perColumn ? col : 0];
                    int v = Math.round(kn[r * n + col] / scale);
                    values[r * n + col] = (byte) Math.max(-limit, Math.min(limit, v));
                }
            }
            return new Symmetric(values, scales);
        }
    }

    static ModelProto parse(byte[] onnx) {
        try {
            ModelProto model = ModelProto.parseFrom(onnx);
            if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
                throw new QuantizeException("not an ONNX model: no graph or no nodes");
            }
            return model;
        } catch (InvalidProtocolBufferException e) {
            throw new QuantizeException("not an ONNX model: " + e.getMessage(), e);
        }
    }

    /** The default-domain opset an ONNX model imports ({@code onnx}: the model file's bytes). */
    public static int opset(byte[] onnx) {
        return opset(parse(onnx));
    }

    static int opset(ModelProto model) {
        for (OperatorSetIdProto id : model.getOpsetImportList()) {
            if (id.getDomain().isEmpty() || id.getDomain().equals("ai.onnx")) {
                return (int) id.getVersion();
            }
        }
        throw new QuantizeException("the model declares no default-domain opset");
    }

    private static void checkLoads(byte[] quantized) {
        OrtEnvironment env = io.inferfn.model.OnnxModel.environment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                OrtSession session = env.createSession(quantized, options)) {
            Calibrator.runZeros(env, session);
        } catch (OrtException e) {
            throw new QuantizeException(
                    "ONNX Runtime cannot run the quantized graph, so nothing was written: " + e.getMessage(), e);
        }
    }

    static NodeProto node(String op, String name, List<String> inputs, List<String> outputs) {
        return NodeProto.newBuilder()
                .setOpType(op)
                .setName(name)
                .addAllInput(inputs)
                .addAllOutput(outputs)
                .build();
    }

    static int intAttr(NodeProto node, String name, int fallback) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return (int) a.getI();
            }
        }
        return fallback;
    }

    static float floatAttr(NodeProto node, String name, float fallback) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getF();
            }
        }
        return fallback;
    }

    static String displayName(NodeProto node, int index) {
        return node.getName().isEmpty() ? node.getOpType() + "_" + index : node.getName();
    }

    private static String sanitize(String name) {
        String s = name.replaceAll("[^A-Za-z0-9_]", "_");
        return s.length() > 40 ? s.substring(s.length() - 40) : s;
    }
}
