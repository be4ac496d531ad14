package io.inferfn.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnxruntime.MapInfo;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;

import io.inferfn.model.ModelManifest.InputSpec;
import io.inferfn.model.ModelManifest.InputType;
import io.inferfn.model.ModelManifest.OutputKind;
import io.inferfn.model.ModelManifest.OutputSpec;

/**
 * The inputs and output of a model beyond one float32 feature tensor and one binary score: any number of named
 * FLOAT, DOUBLE, INT64, INT32, BOOL or STRING inputs, and a binary score, class probabilities (a float tensor or a
 * ZipMap {@code seq(map)}) or a regression value, checked at load against the session's own metadata.
 *
 * <p>A call fills an {@link Inputs} (one array per input, row-major), runs it and reads {@link Outputs}; it
 * allocates its tensors per call, which today's single-float-tensor models never pay (they take {@link
 * OnnxModel}'s pooled path).
 */
public final class ModelIo {

    private final OrtEnvironment env;
    private final OrtSession session;
    private final String[] names;
    private final InputType[] types;
    private final int[] widths;
    private final boolean[] rank1;
    private final String output;
    private final Set<String> outputs;
    private final OutputKind kind;
    private final int column;
    private final boolean zipMap;
    /** The class labels when known at load (manifest or model metadata); a ZipMap's come with each call. */
    private final String[] labels;
    /** Per class of {@link #labels}, the probability it must reach to be the label; null when none are set. */
    private final float[] classThresholds;

    private final Map<String, Double> thresholdsByLabel;

    private ModelIo(
            OrtEnvironment env,
            OrtSession session,
            ModelManifest manifest,
            int[] widths,
            boolean zipMap,
            String[] labels) {
        this.env = env;
        this.session = session;
        List<InputSpec> inputs = manifest.inputs();
        int n = inputs.size();
        names = new String[n];
        types = new InputType[n];
        rank1 = new boolean[n];
        for (int k = 0; k < n; k++) {
            names[k] = inputs.get(k).name();
            types[k] = inputs.get(k).elementType();
            rank1[k] = inputs.get(k).rank1();
        }
        this.widths = widths;
        OutputSpec spec = manifest.output();
        output = spec.tensor();
        outputs = Set.of(output);
        kind = spec.outputKind();
        column = spec.columnIndex();
        this.zipMap = zipMap;
        this.labels = labels;
        thresholdsByLabel = spec.classThresholds();
        classThresholds = labels == null ? null : thresholds(labels);
    }

    private float[] thresholds(String[] classes) {
        if (thresholdsByLabel == null) {
            return null;
        }
        float[] t = new float[classes.length];
        for (int c = 0; c < classes.length; c++) {
            Double v = thresholdsByLabel.get(classes[c]);
            t[c] = v == null ? 0f : v.floatValue();
        }
        return t;
    }

    /**
     * Checks the manifest's inputs and output against the session's metadata.
     *
     * @param widths the columns the manifest's features fill, per input
     * @param at the start of every message ("manifest of fraud vs file:...: ")
     */
    static ModelIo check(OrtEnvironment env, OrtSession session, ModelManifest manifest, int[] widths, String at)
            throws OrtException {
        Map<String, NodeInfo> modelInputs = session.getInputInfo();
        Set<String> filled = new LinkedHashSet<>();
        List<InputSpec> inputs = manifest.inputs();
        for (int k = 0; k < inputs.size(); k++) {
            InputSpec input = inputs.get(k);
            filled.add(input.name());
            NodeInfo node = modelInputs.get(input.name());
            if (node == null) {
                throw new ManifestException(
                        at + "the model has no input '" + input.name() + "'; its inputs are " + modelInputs.keySet());
            }
            if (!(node.getInfo() instanceof TensorInfo t)) {
                throw new ManifestException(
                        at + "input '" + input.name() + "' is " + node.getInfo() + "; only tensor inputs are served");
            }
            OnnxJavaType expected = javaType(input.elementType());
            if (t.type != expected) {
                throw new ManifestException(at + "input '" + input.name() + "' is " + t.type + " in the model; the"
                        + " manifest says '" + input.type() + "' (" + expected + ")");
            }
            long[] shape = t.getShape();
            String wanted = input.rank1() ? "[batch]" : "[batch, " + widths[k] + "]";
            if (shape.length != input.shape().size()) {
                throw new ManifestException(at + "input '" + input.name() + "' has shape " + Arrays.toString(shape)
                        + " in the model; the manifest says " + wanted);
            }
            if (shape.length == 2 && shape[1] > 0 && shape[1] != widths[k]) {
                throw new ManifestException(at + "input '" + input.name() + "' has " + shape[1]
                        + " columns; the manifest's features fill " + widths[k]);
            }
            if (shape[0] > 0) {
                throw new ManifestException(at + "input '" + input.name() + "' has a fixed batch size of " + shape[0]
                        + "; export it with a dynamic batch axis (e.g. dynamic_axes={'" + input.name()
                        + "': {0: 'batch'}})");
            }
        }
        for (String name : modelInputs.keySet()) {
            if (!filled.contains(name)) {
                throw new ManifestException(at + "model input '" + name + "' is not filled by the manifest; declare"
                        + " it in 'inputs' (the manifest fills " + filled + ")");
            }
        }
        OutputSpec spec = manifest.output();
        Map<String, NodeInfo> modelOutputs = session.getOutputInfo();
        NodeInfo node = modelOutputs.get(spec.tensor());
        if (node == null) {
            throw new ManifestException(at + "output tensor '" + spec.tensor() + "' does not exist; the model has "
                    + modelOutputs.keySet());
        }
        OutputKind kind = spec.outputKind();
        boolean zipMap = false;
        int columns;
        if (node.getInfo() instanceof SequenceInfo seq && seq.isSequenceOfMaps() && kind != OutputKind.REGRESSION) {
            MapInfo map = seq.mapInfo;
            if (map.valueType != OnnxJavaType.FLOAT
                    || (map.keyType != OnnxJavaType.INT64 && map.keyType != OnnxJavaType.STRING)) {
                throw new ManifestException(at + "output '" + spec.tensor() + "' is " + seq
                        + "; a ZipMap output is read as probabilities: expected seq(map(int64 or string, float))");
            }
            zipMap = true;
            columns = -1;
        } else if (node.getInfo() instanceof TensorInfo t) {
            if (t.type != OnnxJavaType.FLOAT && t.type != OnnxJavaType.DOUBLE) {
                throw new ManifestException(at + "output '" + spec.tensor() + "' is " + t.type + "; expected FLOAT"
                        + (kind == OutputKind.REGRESSION ? " or DOUBLE values" : " scores or probabilities")
                        + (t.type == OnnxJavaType.INT64 || t.type == OnnxJavaType.STRING
                                ? " (it looks like a label output: name the probability output instead)"
                                : ""));
            }
            long[] shape = t.getShape();
            if (shape.length < 1 || shape.length > 2 || (kind == OutputKind.MULTICLASS && shape.length != 2)) {
                throw new ManifestException(
                        at + "output '" + spec.tensor() + "' has shape " + Arrays.toString(shape) + "; expected "
                                + (kind == OutputKind.MULTICLASS ? "[batch, classes]" : "[batch] or [batch, columns]"));
            }
            columns = shape.length == 1 ? 1 : (int) shape[1];
        } else {
            throw new ManifestException(at + "output '" + spec.tensor() + "' is " + node.getInfo()
                    + "; expected a FLOAT tensor or a ZipMap seq(map(int64 or string, float))");
        }
        if (kind != OutputKind.MULTICLASS && columns > 0 && spec.columnIndex() >= columns) {
            throw new ManifestException(at + "output column " + spec.columnIndex() + " does not exist; '"
                    + spec.tensor() + "' has " + columns + " column(s)");
        }
        String[] labels = null;
        if (kind == OutputKind.MULTICLASS) {
            if (spec.labels() != null) {
                labels = spec.labels().toArray(String[]::new);
            } else if (!zipMap) {
                String classes = session.getMetadata().getCustomMetadata().get("classes");
                if (classes != null && !classes.isBlank()) {
                    labels = Arrays.stream(classes.split(",")).map(String::trim).toArray(String[]::new);
                } else if (columns > 0) {
                    labels = new String[columns];
                    for (int c = 0; c < columns; c++) {
                        labels[c] = Integer.toString(c);
                    }
                }
            }
            if (labels != null && columns > 0 && labels.length != columns) {
                throw new ManifestException(at + "output '" + spec.tensor() + "' has " + columns + " classes; "
                        + (spec.labels() != null ? "the manifest's 'labels' name " : "the model's metadata names ")
                        + labels.length + ": " + Arrays.toString(labels));
            }
            if (labels != null && spec.classThresholds() != null) {
                for (String label : spec.classThresholds().keySet()) {
                    if (!Arrays.asList(labels).contains(label)) {
                        throw new ManifestException(at + "classThresholds names class '" + label
                                + "'; the model's classes are " + Arrays.toString(labels));
                    }
                }
            }
        }
        return new ModelIo(env, session, manifest, widths, zipMap, labels);
    }

    static OnnxJavaType javaType(InputType type) {
        return switch (type) {
            case FLOAT32 -> OnnxJavaType.FLOAT;
            case FLOAT64 -> OnnxJavaType.DOUBLE;
            case INT64 -> OnnxJavaType.INT64;
            case INT32 -> OnnxJavaType.INT32;
            case BOOL -> OnnxJavaType.BOOL;
            case STRING -> OnnxJavaType.STRING;
        };
    }

    /** The number of model inputs. */
    public int inputCount() {
        return names.length;
    }

    /** The name of input {@code k}. */
    public String inputName(int k) {
        return names[k];
    }

    /** The element type of input {@code k}. */
    public InputType inputType(int k) {
        return types[k];
    }

    /** Values per row of input {@code k}. */
    public int inputWidth(int k) {
        return widths[k];
    }

    /** How the output is read. */
    public OutputKind kind() {
        return kind;
    }

    /** A multiclass output's class labels when known at load (manifest or model metadata), else null. */
    public java.util.List<String> classLabels() {
        return labels == null ? null : java.util.List.of(labels);
    }

    /** The output tensor read. */
    public String outputName() {
        return output;
    }

    /** Working arrays for one call of up to {@code rows} rows, every value zero (or the empty string). */
    public Inputs inputs(int rows) {
        return new Inputs(rows);
    }

    /** One call's input values, row-major per input: numbers (every type but string) or strings. */
    public final class Inputs {
        private final double[][] num;
        private final String[][] str;
        private int rows;

        Inputs(int capacity) {
            int n = names.length;
            num = new double[n][];
            str = new String[n][];
            for (int k = 0; k < n; k++) {
                if (types[k] == InputType.STRING) {
                    str[k] = new String[capacity * widths[k]];
                    Arrays.fill(str[k], "");
                } else {
                    num[k] = new double[capacity * widths[k]];
                }
            }
            rows = capacity;
        }

        /**
         * Sets column {@code col} of row {@code row} of number input {@code k}; returns false, setting nothing,
         * when the value does not fit the input's type (a fraction or out of range for an integer input, beyond
         * float32 for a float32 one, not finite).
         */
        public boolean number(int k, int row, int col, double value) {
            boolean fits =
                    switch (types[k]) {
                        case FLOAT32 -> Float.isFinite((float) value);
                        case FLOAT64 -> Double.isFinite(value);
                        case INT64 -> value == Math.rint(value) && Math.abs(value) < 0x1p63;
                        case INT32 ->
                            value == Math.rint(value) && value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE;
                        case BOOL -> value == 0 || value == 1;
                        case STRING -> false;
                    };
            if (fits) {
                num[k][row * widths[k] + col] = value;
            }
            return fits;
        }

        /** Sets column {@code col} of row {@code row} of string input {@code k}. */
        public void string(int k, int row, int col, String value) {
            str[k][row * widths[k] + col] = value == null ? "" : value;
        }

        /** Sets the number of rows the call runs (rows rejected while filling are left out). */
        public void rows(int rows) {
            this.rows = rows;
        }

        /** Rows the call runs. */
        public int rows() {
            return rows;
        }

        OnnxTensor tensor(int k) throws OrtException {
            int count = rows * widths[k];
            long[] shape = rank1[k] ? new long[] {rows} : new long[] {rows, widths[k]};
            double[] v = num[k];
            switch (types[k]) {
                case FLOAT32 -> {
                    float[] f = new float[count];
                    for (int i = 0; i < count; i++) {
                        f[i] = (float) v[i];
                    }
                    return OnnxTensor.createTensor(env, FloatBuffer.wrap(f), shape);
                }
                case FLOAT64 -> {
                    return OnnxTensor.createTensor(env, DoubleBuffer.wrap(v, 0, count), shape);
                }
                case INT64 -> {
                    long[] l = new long[count];
                    for (int i = 0; i < count; i++) {
                        l[i] = (long) v[i];
                    }
                    return OnnxTensor.createTensor(env, LongBuffer.wrap(l), shape);
                }
                case INT32 -> {
                    int[] n = new int[count];
                    for (int i = 0; i < count; i++) {
                        n[i] = (int) v[i];
                    }
                    return OnnxTensor.createTensor(env, IntBuffer.wrap(n), shape);
                }
                case BOOL -> {
                    ByteBuffer b = ByteBuffer.allocateDirect(Math.max(1, count)).order(ByteOrder.nativeOrder());
                    for (int i = 0; i < count; i++) {
                        b.put(v[i] != 0 ? (byte) 1 : (byte) 0);
                    }
                    b.flip();
                    return OnnxTensor.createTensor(env, b, shape, OnnxJavaType.BOOL);
                }
                case STRING -> {
                    return OnnxTensor.createTensor(env, Arrays.copyOf(str[k], count), shape);
                }
                default -> throw new IllegalStateException("unreachable");
            }
        }
    }

    /**
     * What one call returned, row-major with {@link #stride()} floats per row: the scores or values of a binary
     * or regression output, the class probabilities of a multiclass one (classes named by {@link #classes()}).
     */
    public record Outputs(float[] values, int stride, String[] classes, float[] classThresholds) {}

    /** Runs the rows filled in {@code in} and reads the output. */
    public Outputs run(Inputs in) throws OrtException {
        Map<String, OnnxTensor> feed = new HashMap<>(names.length * 2);
        try {
            for (int k = 0; k < names.length; k++) {
                feed.put(names[k], in.tensor(k));
            }
            try (OrtSession.Result result = session.run(feed, outputs)) {
                OnnxValue value = result.get(0);
                if (zipMap) {
                    return fromZipMap((OnnxSequence) value, in.rows());
                }
                OnnxTensor tensor = (OnnxTensor) value;
                long[] shape = tensor.getInfo().getShape();
                int stride = shape.length < 2 ? 1 : (int) shape[1];
                float[] values = new float[in.rows() * stride];
                if (tensor.getInfo().type == OnnxJavaType.DOUBLE) {
                    DoubleBuffer d = tensor.getDoubleBuffer();
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) d.get(i);
                    }
                } else {
                    tensor.getFloatBuffer().get(values);
                }
                String[] classes = labels;
                if (kind == OutputKind.MULTICLASS && (classes == null || classes.length != stride)) {
                    classes = indexLabels(stride);
                }
                return new Outputs(values, stride, classes, classes == labels ? classThresholds : thresholds(classes));
            }
        } finally {
            for (OnnxTensor t : feed.values()) {
                t.close();
            }
        }
    }

    /** A ZipMap's maps, one per row, as dense probabilities in the order of the sorted keys (the classes' order). */
    private Outputs fromZipMap(OnnxSequence sequence, int rows) throws OrtException {
        List<? extends OnnxValue> maps = sequence.getValue();
        Object[] keys = null;
        float[] values = null;
        int stride = 0;
        for (int r = 0; r < rows; r++) {
            Map<? extends Object, ? extends Object> map = ((OnnxMap) maps.get(r)).getValue();
            if (keys == null) {
                keys = map.keySet().toArray();
                Arrays.sort(keys);
                stride = keys.length;
                values = new float[rows * stride];
            }
            for (int c = 0; c < stride; c++) {
                Object p = map.get(keys[c]);
                values[r * stride + c] = p == null ? Float.NaN : ((Number) p).floatValue();
            }
        }
        String[] classes;
        if (keys != null && keys.length > 0 && keys[0] instanceof String) {
            classes = Arrays.copyOf(keys, stride, String[].class); // string keys are the class labels
        } else if (labels != null && labels.length == stride) {
            classes = labels; // the manifest names the int64 keys, in ascending order
        } else {
            classes = new String[stride];
            for (int c = 0; c < stride; c++) {
                classes[c] = String.valueOf(keys[c]);
            }
        }
        if (values == null) {
            values = new float[0];
        }
        return new Outputs(
                values, Math.max(stride, 1), classes, classes == labels ? classThresholds : thresholds(classes));
    }

    private static String[] indexLabels(int n) {
        List<String> l = new ArrayList<>(n);
        for (int c = 0; c < n; c++) {
            l.add(Integer.toString(c));
        }
        return l.toArray(String[]::new);
    }

    /** The column a binary or regression output is read from. */
    public int column() {
        return column;
    }
}
