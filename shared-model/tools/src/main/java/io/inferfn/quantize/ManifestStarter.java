package io.inferfn.quantize;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

import io.inferfn.model.FeatureSpec;
import io.inferfn.model.ModelManifest;
import io.inferfn.model.ModelManifest.FeatureType;
import io.inferfn.model.ModelManifest.InputSpec;
import io.inferfn.model.ModelManifest.OutputKind;
import io.inferfn.model.ModelManifest.OutputSpec;
import io.inferfn.model.ModelRegistry;

/**
 * {@code ./inferfn model init}: a starter {@code manifest.json} read from the graph, so a model serves in tensor
 * mode at once and has a documented starting point for features mode. Each graph input becomes a manifest input of
 * its type and shape, filled by request features named after it ({@code <input>} for one column, {@code
 * <input>_<i>} for several); the output is read as the graph says: a ZipMap or a classifier's probabilities as
 * multiclass (binary, column 1, for two classes), with the class labels the converter wrote; a Softmax output as
 * multiclass; a regressor's output as regression; anything else as a binary score.
 */
public final class ManifestStarter {

    private static final Set<String> CLASSIFIERS =
            Set.of("TreeEnsembleClassifier", "LinearClassifier", "SVMClassifier");
    private static final Set<String> REGRESSORS = Set.of("TreeEnsembleRegressor", "LinearRegressor", "SVMRegressor");

    private ManifestStarter() {}

    /** The starter manifest of {@code onnx}, named {@code name}, version 1, with the file's sha256. */
    public static ModelManifest manifest(byte[] onnx, String name) {
        ModelProto model = Quantizer.parse(onnx);
        GraphProto graph = model.getGraph();
        Set<String> initializers = new HashSet<>();
        for (TensorProto t : graph.getInitializerList()) {
            initializers.add(t.getName());
        }
        List<InputSpec> inputs = new ArrayList<>();
        List<FeatureSpec> features = new ArrayList<>();
        Set<String> featureNames = new HashSet<>();
        for (ValueInfoProto v : graph.getInputList()) {
            if (initializers.contains(v.getName())) {
                continue;
            }
            inputs.add(input(v, features, featureNames));
        }
        if (inputs.isEmpty()) {
            throw new QuantizeException("the graph has no inputs to fill");
        }
        return new ModelManifest(
                name,
                "1",
                ModelRegistry.sha256(onnx),
                ModelInspector.quantization(onnx),
                "starter manifest written by `inferfn model init` from the graph: request features named after the"
                        + " inputs; edit sources, defaults and labels for features mode",
                inputs,
                features,
                output(graph),
                null);
    }

    private static InputSpec input(ValueInfoProto v, List<FeatureSpec> features, Set<String> names) {
        String name = v.getName();
        if (!v.getType().hasTensorType()) {
            throw new QuantizeException("input '" + name + "' is not a tensor; only tensor inputs are served");
        }
        TypeProto.Tensor t = v.getType().getTensorType();
        String type =
                switch (TensorProto.DataType.forNumber(t.getElemType())) {
                    case FLOAT -> "float32";
                    case DOUBLE -> "float64";
                    case INT64 -> "int64";
                    case INT32 -> "int32";
                    case BOOL -> "bool";
                    case STRING -> "string";
                    default ->
                        throw new QuantizeException("input '" + name + "' is "
                                + TensorProto.DataType.forNumber(t.getElemType()) + "; served inputs are float, double,"
                                + " int64, int32, bool or string tensors");
                };
        List<TensorShapeProto.Dimension> dims = t.getShape().getDimList();
        if (dims.isEmpty() || dims.size() > 2) {
            throw new QuantizeException("input '" + name + "' has " + dims.size() + " dimension(s); served inputs are"
                    + " [batch] or [batch, columns]");
        }
        long columns = 1;
        if (dims.size() == 2) {
            if (!dims.get(1).hasDimValue()) {
                throw new QuantizeException("input '" + name + "' has a dynamic column count ('"
                        + dims.get(1).getDimParam() + "'); export it with a fixed number of columns");
            }
            columns = dims.get(1).getDimValue();
        }
        FeatureType featureType =
                switch (type) {
                    case "string" -> FeatureType.STRING;
                    case "bool" -> FeatureType.BOOLEAN;
                    default -> FeatureType.NUMBER;
                };
        String base = identifier(name);
        List<String> columnFeatures = new ArrayList<>();
        for (int i = 0; i < columns; i++) {
            String feature = columns == 1 ? base : base + "_" + i;
            while (!names.add(feature)) {
                feature = feature + "_";
            }
            features.add(new FeatureSpec.Request(feature, featureType, null));
            columnFeatures.add(feature);
        }
        List<Long> shape = dims.size() == 1 ? List.of(-1L) : List.of(-1L, columns);
        return dims.size() == 1
                ? new InputSpec(name, type, shape, null, columnFeatures.get(0))
                : new InputSpec(name, type, shape, columnFeatures, null);
    }

    /** A feature name from an input name: letters, digits and '_', not starting with a digit. */
    static String identifier(String name) {
        String id = name.replaceAll("[^A-Za-z0-9_]", "_");
        if (id.isEmpty() || !Character.isLetter(id.charAt(0)) && id.charAt(0) != '_') {
            id = "f_" + id;
        }
        return id.equals(ModelManifest.ENTITY_ID) ? "entity_id_value" : id;
    }

    private static OutputSpec output(GraphProto graph) {
        Map<String, NodeProto> producers = new LinkedHashMap<>();
        for (NodeProto n : graph.getNodeList()) {
            for (String out : n.getOutputList()) {
                producers.put(out, n);
            }
        }
        // a ZipMap first (skl2onnx's output_probability), then a classifier's probabilities, then the first float
        for (ValueInfoProto v : graph.getOutputList()) {
            NodeProto n = source(producers, v.getName());
            if (v.getType().hasSequenceType() && n != null && n.getOpType().equals("ZipMap")) {
                return multiclass(v.getName(), labels(n), classesOf(n));
            }
        }
        for (ValueInfoProto v : graph.getOutputList()) {
            NodeProto n = source(producers, v.getName());
            if (n != null && CLASSIFIERS.contains(n.getOpType()) && isFloat(v)) {
                return multiclass(v.getName(), labels(n), classesOf(n));
            }
        }
        for (ValueInfoProto v : graph.getOutputList()) {
            if (!isFloat(v)) {
                continue;
            }
            NodeProto n = source(producers, v.getName());
            String op = n == null ? "" : n.getOpType();
            long columns = columns(v);
            if (REGRESSORS.contains(op)) {
                return new OutputSpec(v.getName(), null, null, null, OutputKind.REGRESSION, null);
            }
            if (op.equals("Softmax") && columns > 2) {
                return new OutputSpec(v.getName(), null, null, null, OutputKind.MULTICLASS, null);
            }
            if (op.equals("Softmax") && columns == 2) {
                return new OutputSpec(v.getName(), 1, null, null);
            }
            if (op.equals("Sigmoid") || columns != 1) {
                return new OutputSpec(v.getName(), 0, null, null);
            }
            return new OutputSpec(v.getName(), null, null, null, OutputKind.REGRESSION, null);
        }
        throw new QuantizeException("the graph has no float output or ZipMap to read a prediction from; outputs: "
                + graph.getOutputList().stream().map(ValueInfoProto::getName).toList());
    }

    private static OutputSpec multiclass(String tensor, List<String> labels, int classes) {
        if (classes == 2) {
            return new OutputSpec(tensor, 1, null, null); // the probability of the second class as a binary score
        }
        return new OutputSpec(tensor, null, null, labels, OutputKind.MULTICLASS, null);
    }

    /** The node that computes {@code name}, looking through Identity and Cast. */
    private static NodeProto source(Map<String, NodeProto> producers, String name) {
        NodeProto n = producers.get(name);
        while (n != null && (n.getOpType().equals("Identity") || n.getOpType().equals("Cast"))) {
            n = producers.get(n.getInput(0));
        }
        return n;
    }

    /** The class labels a classifier or ZipMap node names, as strings; null when it names none. */
    private static List<String> labels(NodeProto n) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals("classlabels_strings")) {
                return a.getStringsList().stream().map(b -> b.toStringUtf8()).toList();
            }
            if (a.getName().equals("classlabels_int64s") || a.getName().equals("classlabels_ints")) {
                return a.getIntsList().stream().map(String::valueOf).toList();
            }
        }
        return null;
    }

    private static int classesOf(NodeProto n) {
        List<String> labels = labels(n);
        return labels == null ? -1 : labels.size();
    }

    private static boolean isFloat(ValueInfoProto v) {
        return v.getType().hasTensorType()
                && v.getType().getTensorType().getElemType() == TensorProto.DataType.FLOAT.getNumber();
    }

    private static long columns(ValueInfoProto v) {
        List<TensorShapeProto.Dimension> dims =
                v.getType().getTensorType().getShape().getDimList();
        if (dims.size() < 2) {
            return 1;
        }
        return dims.get(1).hasDimValue() ? dims.get(1).getDimValue() : -1;
    }
}
