package io.inferfn.model;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import io.inferfn.model.ModelManifest.OutputKind;
import io.inferfn.model.ModelManifest.Pooling;
import io.inferfn.model.ModelManifest.TextSpec;
import io.inferfn.scoring.PayloadTooLargeException;

/**
 * A text model's session and tokenizer: texts in, token ids (padded to the longest text of the call) through one
 * ONNX Runtime call, and per text a pooled, normalized embedding or a classification head's class probabilities.
 * Its inputs are checked at load against the session's own metadata: {@code input_ids} and {@code attention_mask}
 * (int64), and {@code token_type_ids} when the graph has it.
 */
public final class TextModel implements AutoCloseable {

    static final String IDS = "input_ids";
    static final String MASK = "attention_mask";
    static final String TYPES = "token_type_ids";

    private final OrtEnvironment env;
    private final OrtSession session;
    private final TextTokenizer tokenizer;
    private final String name;
    private final String output;
    private final OutputKind kind;
    private final boolean tokenVectors;
    private final boolean hasTypes;
    private final Pooling pooling;
    private final boolean normalize;
    private final int maxLength;
    private final boolean truncates;
    private final String[] labels;
    /** The output's last dimension (hidden size or classes), -1 when the graph leaves it dynamic. */
    private final int width;

    private TextModel(
            OrtEnvironment env,
            OrtSession session,
            TextTokenizer tokenizer,
            ModelManifest manifest,
            boolean tokenVectors,
            boolean hasTypes,
            int maxLength,
            String[] labels,
            int width) {
        this.width = width;
        this.env = env;
        this.session = session;
        this.tokenizer = tokenizer;
        this.name = manifest.name() + " " + manifest.version();
        this.output = manifest.output().tensor();
        this.kind = manifest.output().outputKind();
        this.tokenVectors = tokenVectors;
        this.hasTypes = hasTypes;
        TextSpec text = manifest.text();
        this.pooling = text.poolingOrDefault();
        this.normalize = text.normalizes();
        this.maxLength = maxLength;
        this.truncates = text.truncates();
        this.labels = labels;
    }

    /**
     * Checks the session against the manifest's text section and output.
     *
     * @param maxLength the tokens per text the tokenizer was loaded with (the manifest's, capped)
     * @param at the prefix of error messages (manifest vs model file)
     */
    static TextModel check(
            OrtEnvironment env,
            OrtSession session,
            ModelManifest manifest,
            TextTokenizer tokenizer,
            int maxLength,
            String at)
            throws OrtException {
        if (tokenizer == null) {
            throw new IllegalStateException("a text model needs its tokenizer");
        }
        Map<String, NodeInfo> inputs = session.getInputInfo();
        Set<String> allowed = Set.of(IDS, MASK, TYPES);
        for (String input : inputs.keySet()) {
            if (!allowed.contains(input)) {
                throw new ManifestException(at + "a text model's inputs come from its tokenizer: input_ids,"
                        + " attention_mask and optionally token_type_ids; the model also has '" + input + "' (inputs "
                        + inputs.keySet() + ")");
            }
        }
        for (String required : List.of(IDS, MASK)) {
            if (!inputs.containsKey(required)) {
                throw new ManifestException(
                        at + "a text model needs an input '" + required + "'; the model has " + inputs.keySet());
            }
        }
        for (Map.Entry<String, NodeInfo> e : inputs.entrySet()) {
            TensorInfo t = e.getValue().getInfo() instanceof TensorInfo info ? info : null;
            if (t == null || t.type != OnnxJavaType.INT64 || t.getShape().length != 2) {
                throw new ManifestException(at + "input '" + e.getKey() + "' is "
                        + e.getValue().getInfo() + "; a text model's inputs are int64 [batch, tokens]");
            }
        }
        ModelManifest.OutputSpec spec = manifest.output();
        NodeInfo out = session.getOutputInfo().get(spec.tensor());
        if (out == null) {
            throw new ManifestException(at + "output tensor '" + spec.tensor() + "' does not exist; the model has "
                    + session.getOutputInfo().keySet());
        }
        if (!(out.getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT) {
            throw new ManifestException(
                    at + "output '" + spec.tensor() + "' is " + out.getInfo() + "; expected a float tensor");
        }
        long[] shape = t.getShape();
        boolean tokenVectors;
        String[] labels = null;
        if (spec.outputKind() == OutputKind.EMBEDDING) {
            if (shape.length != 2 && shape.length != 3) {
                throw new ManifestException(at + "embedding output '" + spec.tensor() + "' has shape "
                        + Arrays.toString(shape) + "; expected [batch, tokens, hidden] (pooled as 'text.pooling'"
                        + " says) or [batch, hidden]");
            }
            tokenVectors = shape.length == 3;
            if (!tokenVectors && manifest.text().pooling() != null) {
                throw new ManifestException(at + "output '" + spec.tensor() + "' is already one vector per text"
                        + " [batch, hidden]; 'text.pooling' applies to token vectors [batch, tokens, hidden] only");
            }
        } else {
            if (shape.length != 2) {
                throw new ManifestException(at + "classification output '" + spec.tensor() + "' has shape "
                        + Arrays.toString(shape) + "; expected logits [batch, classes]");
            }
            tokenVectors = false;
            int classes = (int) shape[1];
            if (spec.labels() != null) {
                labels = spec.labels().toArray(String[]::new);
            } else {
                String meta = session.getMetadata().getCustomMetadata().get("classes");
                if (meta != null && !meta.isBlank()) {
                    labels = Arrays.stream(meta.split(",")).map(String::trim).toArray(String[]::new);
                }
            }
            if (labels == null) {
                throw new ManifestException(at + "a text classifier needs its class names: 'output.labels' in the"
                        + " manifest (or a 'classes' entry in the model's metadata)");
            }
            if (classes > 0 && labels.length != classes) {
                throw new ManifestException(at + "output '" + spec.tensor() + "' has " + classes + " classes; the"
                        + " labels name " + labels.length + ": " + Arrays.toString(labels));
            }
        }
        return new TextModel(
                env, session, tokenizer, manifest, tokenVectors, inputs.containsKey(TYPES), maxLength, labels, (int)
                        shape[shape.length - 1]);
    }

    /** Most tokens per text (the manifest's {@code text.maxLength}, capped at the tokenizer's limit). */
    public int maxLength() {
        return maxLength;
    }

    /** The length of an embedding (or the number of classes); -1 when the graph leaves it dynamic. */
    public int width() {
        return width;
    }

    /** The tokenizer (shared by every call). */
    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    /** Whether the output is an embedding (else class probabilities). */
    public boolean embeds() {
        return kind == OutputKind.EMBEDDING;
    }

    /** The classifier's class names in the output's order; null for an embedding model. */
    public List<String> labels() {
        return labels == null ? null : List.of(labels);
    }

    /**
     * One text's outcome.
     *
     * @param embedding the pooled (and, if declared, normalized) vector; null for a classifier
     * @param label the most probable class of a classifier; null for an embedding
     * @param probabilities the softmax of a classifier's logits per class; null for an embedding
     * @param tokens the tokens the model saw (special tokens included)
     * @param truncated whether the text was cut to the model's maximum length
     */
    public record Result(
            float[] embedding, String label, Map<String, Float> probabilities, int tokens, boolean truncated) {}

    /**
     * Tokenizes {@code texts} (a long one cut to the maximum length, or refused when the manifest says {@code
     * truncation: false}), runs them in one ONNX Runtime call and reads each text's result.
     *
     * @throws PayloadTooLargeException when a text is longer than the maximum and the model does not truncate
     */
    public List<Result> run(List<String> texts) throws OrtException {
        return run(tokenizer.encode(texts), texts.size() > 1);
    }

    /** {@link #run(List)} for texts already tokenized. */
    public List<Result> run(List<TextTokenizer.Encoded> encoded, boolean batch) throws OrtException {
        int n = encoded.size();
        int longest = 1;
        for (int i = 0; i < n; i++) {
            TextTokenizer.Encoded e = encoded.get(i);
            if (!truncates && e.ids().length > maxLength) {
                throw new PayloadTooLargeException((batch ? "texts[" + i + "]" : "the text") + " is "
                        + e.ids().length + " tokens; model " + name + " takes at most " + maxLength
                        + " (its manifest sets text.truncation false: shorten the text)");
            }
            longest = Math.max(longest, e.ids().length);
        }
        long[] ids = new long[n * longest];
        long[] mask = new long[n * longest];
        long[] types = hasTypes ? new long[n * longest] : null;
        for (int i = 0; i < n; i++) {
            TextTokenizer.Encoded e = encoded.get(i);
            System.arraycopy(e.ids(), 0, ids, i * longest, e.ids().length);
            Arrays.fill(mask, i * longest, i * longest + e.ids().length, 1L);
            if (types != null) {
                System.arraycopy(e.typeIds(), 0, types, i * longest, e.typeIds().length);
            }
        }
        long[] shape = {n, longest};
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            feed.put(IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
            feed.put(MASK, OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
            if (types != null) {
                feed.put(TYPES, OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape));
            }
            try (OrtSession.Result result = session.run(feed, Set.of(output))) {
                OnnxTensor value = (OnnxTensor) result.get(0);
                long[] outShape = value.getInfo().getShape();
                FloatBuffer values = value.getFloatBuffer();
                List<Result> results = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    TextTokenizer.Encoded e = encoded.get(i);
                    int tokens = e.ids().length;
                    if (kind == OutputKind.EMBEDDING) {
                        float[] vector = tokenVectors
                                ? pool(values, i, (int) outShape[1], (int) outShape[2], tokens)
                                : row(values, i, (int) outShape[1]);
                        if (normalize) {
                            normalize(vector);
                        }
                        results.add(new Result(vector, null, null, tokens, e.truncated()));
                    } else {
                        float[] p = softmax(row(values, i, (int) outShape[1]));
                        Map<String, Float> probabilities = new LinkedHashMap<>(p.length * 2);
                        int best = 0;
                        for (int c = 0; c < p.length; c++) {
                            probabilities.put(labels[c], p[c]);
                            if (p[c] > p[best]) {
                                best = c;
                            }
                        }
                        results.add(new Result(null, labels[best], probabilities, tokens, e.truncated()));
                    }
                }
                return results;
            }
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    /** Text {@code i}'s token vectors pooled: the mean over its {@code tokens} real tokens, or the first. */
    private float[] pool(FloatBuffer values, int i, int seq, int hidden, int tokens) {
        float[] v = new float[hidden];
        int base = i * seq * hidden;
        if (pooling == Pooling.CLS) {
            values.get(base, v);
            return v;
        }
        for (int t = 0; t < tokens; t++) {
            int at = base + t * hidden;
            for (int h = 0; h < hidden; h++) {
                v[h] += values.get(at + h);
            }
        }
        for (int h = 0; h < hidden; h++) {
            v[h] /= tokens;
        }
        return v;
    }

    private static float[] row(FloatBuffer values, int i, int width) {
        float[] v = new float[width];
        values.get(i * width, v);
        return v;
    }

    private static void normalize(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        double norm = Math.sqrt(sum);
        if (norm > 0) {
            for (int h = 0; h < v.length; h++) {
                v[h] = (float) (v[h] / norm);
            }
        }
    }

    private static float[] softmax(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float x : logits) {
            max = Math.max(max, x);
        }
        double sum = 0;
        float[] p = new float[logits.length];
        for (int c = 0; c < logits.length; c++) {
            p[c] = (float) Math.exp(logits[c] - max);
            sum += p[c];
        }
        for (int c = 0; c < p.length; c++) {
            p[c] = (float) (p[c] / sum);
        }
        return p;
    }

    /** Frees the tokenizer; the session belongs to the {@link OnnxModel}. */
    @Override
    public void close() {
        tokenizer.close();
    }
}
