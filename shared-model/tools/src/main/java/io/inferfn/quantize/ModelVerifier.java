package io.inferfn.quantize;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

/**
 * Scores a reference (fp32) and a candidate (int8) model on the same rows and compares them: file
 * sizes, max and mean |Δ score|, AUC of each when the rows have labels, and latency of each at
 * several batch sizes, with the session options the functions serve with (one intra-op thread).
 */
public final class ModelVerifier {

    /** Batch sizes timed by default. */
    public static final int[] BATCHES = {1, 64, 1024};

    private ModelVerifier() {}

    /**
     * Median latency of one ORT call.
     *
     * @param batch rows per call
     * @param referenceMicros the reference model, microseconds per call
     * @param candidateMicros the candidate model, microseconds per call
     */
    public record Latency(int batch, double referenceMicros, double candidateMicros) {}

    /**
     * The comparison. AUCs are NaN when the data has no labels; cosines are NaN for a score output.
     *
     * @param vector whether the output is a vector per row (an embedding, hidden states mean-pooled
     *     over the attention mask, class probabilities): |Δ| is then element by element and each
     *     row's vectors are compared by cosine
     */
    public record Report(
            long referenceBytes,
            long candidateBytes,
            int rows,
            boolean vector,
            double maxAbsDiff,
            double meanAbsDiff,
            double meanCosine,
            double minCosine,
            double referenceAuc,
            double candidateAuc,
            List<Latency> latencies) {

        public double sizeRatio() {
            return (double) referenceBytes / candidateBytes;
        }

        /** The gate's thresholds this report exceeds, as sentences; empty when it passes. */
        public List<String> failures(Gate gate) {
            List<String> failures = new ArrayList<>();
            if (!Double.isNaN(gate.maxAbsDiff()) && !(maxAbsDiff <= gate.maxAbsDiff())) { // NaN scores fail too
                failures.add(String.format(
                        Locale.ROOT,
                        "max |Δ %s| %.5f exceeds --max-abs-diff %.5f",
                        vector ? "value" : "score",
                        maxAbsDiff,
                        gate.maxAbsDiff()));
            }
            if (!Double.isNaN(gate.maxAucDrop())
                    && !Double.isNaN(referenceAuc)
                    && !(referenceAuc - candidateAuc <= gate.maxAucDrop())) {
                failures.add(String.format(
                        Locale.ROOT,
                        "AUC drop %.5f (%.5f -> %.5f) exceeds --max-auc-drop %.5f",
                        referenceAuc - candidateAuc,
                        referenceAuc,
                        candidateAuc,
                        gate.maxAucDrop()));
            }
            if (!Double.isNaN(gate.minCosine()) && vector && !(minCosine >= gate.minCosine())) {
                failures.add(String.format(
                        Locale.ROOT, "min cosine %.5f is below --min-cosine %.5f", minCosine, gate.minCosine()));
            }
            return failures;
        }

        /** The thresholds a score output exceeds (max |Δ score|, AUC drop), as sentences. */
        public List<String> failures(double maxAbsDiffAllowed, double maxAucDropAllowed) {
            return failures(new Gate(maxAbsDiffAllowed, maxAucDropAllowed, Double.NaN));
        }

        public String render() {
            StringBuilder out = new StringBuilder();
            out.append(String.format(
                    Locale.ROOT,
                    "size          reference %,d bytes, candidate %,d bytes, %.2fx smaller%n",
                    referenceBytes,
                    candidateBytes,
                    sizeRatio()));
            out.append(String.format(
                    Locale.ROOT,
                    "%-13s max %.6f, mean %.6f over %,d rows%n",
                    vector ? "|Δ value|" : "|Δ score|",
                    maxAbsDiff,
                    meanAbsDiff,
                    rows));
            if (vector) {
                out.append(String.format(
                        Locale.ROOT,
                        "cosine        mean %.5f, min %.5f (per row, to the reference)%n",
                        meanCosine,
                        minCosine));
            }
            if (!Double.isNaN(referenceAuc)) {
                out.append(String.format(
                        Locale.ROOT,
                        "AUC           reference %.5f, candidate %.5f, drop %.5f%n",
                        referenceAuc,
                        candidateAuc,
                        referenceAuc - candidateAuc));
            } else if (!vector) {
                out.append("AUC           (no label column)\n");
            }
            for (Latency l : latencies) {
                out.append(String.format(
                        Locale.ROOT,
                        "latency b=%-4d reference %9.1f µs, candidate %9.1f µs per call (%.2fx)%n",
                        l.batch(),
                        l.referenceMicros(),
                        l.candidateMicros(),
                        l.referenceMicros() / l.candidateMicros()));
            }
            return out.toString();
        }
    }

    /**
     * What a candidate must keep; NaN leaves a measure unchecked.
     *
     * @param maxAbsDiff largest |Δ| of a score (or, for vectors, of any value)
     * @param maxAucDrop largest AUC drop, where the rows have labels
     * @param minCosine smallest cosine of a row's vector to the reference's (vector outputs)
     */
    public record Gate(double maxAbsDiff, double maxAucDrop, double minCosine) {

        /** verify's defaults: |Δ score| 0.03 and AUC drop 0.005 for scores, cosine 0.98 for vectors. */
        public static Gate defaults(boolean vector) {
            return vector ? new Gate(Double.NaN, Double.NaN, 0.98) : new Gate(0.03, 0.005, Double.NaN);
        }

        /** "max |Δ| 0.03, AUC drop 0.005" */
        public String describe() {
            List<String> parts = new ArrayList<>();
            if (!Double.isNaN(maxAbsDiff)) {
                parts.add("max |Δ| " + maxAbsDiff);
            }
            if (!Double.isNaN(maxAucDrop)) {
                parts.add("AUC drop " + maxAucDrop);
            }
            if (!Double.isNaN(minCosine)) {
                parts.add("min cosine " + minCosine);
            }
            return String.join(", ", parts);
        }
    }

    /**
     * Compares the models on {@code data}.
     *
     * @param outputColumn the score column of the first output, or -1 to take the only column (or
     *     column 1 of a two-column probability output; a wider output is compared as a vector)
     */
    public static Report verify(byte[] reference, byte[] candidate, Samples data, int outputColumn, int[] batches) {
        OrtEnvironment env = io.inferfn.model.OnnxModel.environment();
        try (OrtSession.SessionOptions options = servingOptions();
                OrtSession ref = env.createSession(reference, options);
                OrtSession cand = env.createSession(candidate, options)) {
            Report accuracy = compare(env, ref, cand, data, outputColumn);
            List<Latency> latencies = new ArrayList<>();
            for (int batch : batches) {
                latencies.add(new Latency(batch, time(env, ref, data, batch), time(env, cand, data, batch)));
            }
            return new Report(
                    reference.length,
                    candidate.length,
                    accuracy.rows(),
                    accuracy.vector(),
                    accuracy.maxAbsDiff(),
                    accuracy.meanAbsDiff(),
                    accuracy.meanCosine(),
                    accuracy.minCosine(),
                    accuracy.referenceAuc(),
                    accuracy.candidateAuc(),
                    latencies);
        } catch (OrtException e) {
            throw new QuantizeException("ONNX Runtime failed while verifying: " + e.getMessage(), e);
        }
    }

    /** The accuracy part of {@link #verify} against an open reference session (no timing, sizes 0). */
    static Report compare(OrtEnvironment env, OrtSession ref, OrtSession cand, Samples data, int outputColumn)
            throws OrtException {
        Outputs refOut = outputs(env, ref, data, outputColumn);
        Outputs candOut = outputs(env, cand, data, outputColumn);
        return compare(refOut, candOut, data);
    }

    static Report compare(Outputs refOut, Outputs candOut, Samples data) {
        double max = 0;
        double sum = 0;
        long count = 0;
        double cosSum = 0;
        double cosMin = Double.NaN;
        for (int i = 0; i < refOut.rows.length; i++) {
            float[] r = refOut.rows[i];
            float[] c = candOut.rows[i];
            for (int k = 0; k < r.length; k++) {
                double d = Math.abs(r[k] - c[k]);
                max = Double.isNaN(d) ? Double.NaN : Math.max(max, d);
                sum += d;
                count++;
            }
            if (refOut.vector) {
                double cos = cosine(r, c);
                cosSum += cos;
                cosMin = Double.isNaN(cosMin) ? cos : Math.min(cosMin, cos);
            }
        }
        double refAuc = Double.NaN;
        double candAuc = Double.NaN;
        if (data.labels() != null && !refOut.vector) {
            refAuc = Auc.of(column(refOut), data.labels());
            candAuc = Auc.of(column(candOut), data.labels());
        }
        int n = refOut.rows.length;
        return new Report(
                0,
                0,
                n,
                refOut.vector,
                max,
                sum / count,
                refOut.vector ? cosSum / n : Double.NaN,
                refOut.vector ? cosMin : Double.NaN,
                refAuc,
                candAuc,
                List.of());
    }

    /**
     * The scores {@code model} gives the rows of {@code data} (column {@code outputColumn} of its
     * first output), with the serving session options: what the publisher bins into a manifest's
     * reference histogram.
     */
    public static float[] score(byte[] model, Dataset data, int outputColumn) {
        OrtEnvironment env = io.inferfn.model.OnnxModel.environment();
        try (OrtSession.SessionOptions options = servingOptions();
                OrtSession session = env.createSession(model, options)) {
            Outputs out = outputs(env, session, data, outputColumn);
            if (out.vector) {
                throw new QuantizeException(
                        "the first output has more than two columns; say which is the score with" + " --output-column");
            }
            float[] scores = new float[out.rows.length];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = out.rows[i][0];
            }
            return scores;
        } catch (OrtException e) {
            throw new QuantizeException("ONNX Runtime failed to score the data: " + e.getMessage(), e);
        }
    }

    static OrtSession.SessionOptions servingOptions() throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        options.addConfigEntry("session.intra_op.allow_spinning", "0");
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return options;
    }

    /** Each row's output: one score, or a vector. */
    record Outputs(float[][] rows, boolean vector) {}

    /**
     * The first output per row. Rank 1, or rank 2 with one or two columns (or a column named): a
     * score. Rank 2 with more columns: the row as a vector. Rank 3 and more ([batch, tokens, dim]):
     * mean-pooled over the tokens the {@code attention_mask} input keeps (all tokens without one).
     */
    static Outputs outputs(OrtEnvironment env, OrtSession session, Samples data, int column) throws OrtException {
        float[][] rows = new float[data.size()][];
        boolean vector = false;
        int step = data.maxBatch();
        for (int from = 0; from < data.size(); from += step) {
            int n = Math.min(step, data.size() - from);
            Map<String, OnnxTensor> in = data.tensors(env, session, from, n);
            try (OrtSession.Result result = session.run(in)) {
                if (!(result.get(0) instanceof OnnxTensor out)
                        || ((TensorInfo) out.getInfo()).type != ai.onnxruntime.OnnxJavaType.FLOAT) {
                    throw new QuantizeException("verify compares float tensor outputs; the model's first output is "
                            + result.get(0).getInfo());
                }
                long[] shape = ((TensorInfo) out.getInfo()).getShape();
                FloatBuffer values = out.getFloatBuffer();
                if (shape.length >= 3) {
                    vector = true;
                    pool(values, shape, in.get("attention_mask"), rows, from, n);
                } else {
                    int cols = shape.length == 1 ? 1 : (int) shape[1];
                    if (column < 0 && cols > 2) {
                        vector = true;
                        for (int r = 0; r < n; r++) {
                            float[] v = new float[cols];
                            values.get(r * cols, v);
                            rows[from + r] = v;
                        }
                    } else {
                        int col = column >= 0 ? column : cols == 1 ? 0 : 1;
                        if (col >= cols) {
                            throw new QuantizeException("the first output has " + cols + " columns; --output-column "
                                    + column + " is past them");
                        }
                        for (int r = 0; r < n; r++) {
                            rows[from + r] = new float[] {values.get(r * cols + col)};
                        }
                    }
                }
            } finally {
                in.values().forEach(OnnxTensor::close);
            }
        }
        return new Outputs(rows, vector);
    }

    /** Mean over axis 1 of [n, tokens, rest...], over the tokens the mask keeps. */
    private static void pool(FloatBuffer values, long[] shape, OnnxTensor mask, float[][] rows, int from, int n)
            throws OrtException {
        int tokens = (int) shape[1];
        int width = 1;
        for (int i = 2; i < shape.length; i++) {
            width *= (int) shape[i];
        }
        java.nio.LongBuffer m = null;
        if (mask != null) {
            TensorInfo info = mask.getInfo();
            long[] ms = info.getShape();
            if (ms.length == 2 && ms[1] == tokens && info.type == ai.onnxruntime.OnnxJavaType.INT64) {
                m = mask.getLongBuffer();
            }
        }
        for (int r = 0; r < n; r++) {
            float[] v = new float[width];
            int kept = 0;
            for (int t = 0; t < tokens; t++) {
                if (m != null && m.get(r * tokens + t) == 0) {
                    continue;
                }
                kept++;
                int base = (r * tokens + t) * width;
                for (int k = 0; k < width; k++) {
                    v[k] += values.get(base + k);
                }
            }
            for (int k = 0; k < width; k++) {
                v[k] /= Math.max(1, kept);
            }
            rows[from + r] = v;
        }
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 && nb == 0 ? 1 : dot / Math.sqrt(na * nb);
    }

    private static double[] column(Outputs out) {
        double[] scores = new double[out.rows.length];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = out.rows[i][0];
        }
        return scores;
    }

    /** Median latency of one call on {@code batch} rows (copies of the first row when the data has fewer). */
    static double time(OrtEnvironment env, OrtSession session, Samples data, int batch) throws OrtException {
        Map<String, OnnxTensor> inputs = data.maxBatch() >= batch && data.size() >= batch
                ? data.tensors(env, session, 0, batch)
                : data.repeated(env, session, batch);
        long[] nanos;
        try {
            // warm up, then as many runs as fit in about a second (at least 10, at most 3,000)
            long warm = System.nanoTime();
            int warmups = 0;
            while (warmups < 10 || warmups < 3000 && System.nanoTime() - warm < 200_000_000L) {
                session.run(inputs).close();
                warmups++;
            }
            long perCall = (System.nanoTime() - warm) / warmups;
            int runs = (int) Math.max(10, Math.min(3000, 1_000_000_000L / Math.max(1, perCall)));
            nanos = new long[runs];
            for (int i = 0; i < runs; i++) {
                long start = System.nanoTime();
                session.run(inputs).close();
                nanos[i] = System.nanoTime() - start;
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
        Arrays.sort(nanos);
        return nanos[nanos.length / 2] / 1000.0;
    }

    /** rows[from, from + n) as one [n, rowShape...] tensor. */
    static OnnxTensor tensor(OrtEnvironment env, float[][] rows, int from, int n, long[] rowShape) throws OrtException {
        int width = rows[0].length;
        FloatBuffer buffer = FloatBuffer.allocate(n * width);
        for (int r = 0; r < n; r++) {
            buffer.put(rows[from + r]);
        }
        buffer.flip();
        long[] shape = new long[rowShape.length + 1];
        shape[0] = n;
        System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
        return OnnxTensor.createTensor(env, buffer, shape);
    }
}
