package io.inferfn.quantize;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.onnxruntime.NodeInfo;
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

    /** The comparison. AUCs are NaN when the data has no labels. */
    public record Report(
            long referenceBytes,
            long candidateBytes,
            int rows,
            double maxAbsDiff,
            double meanAbsDiff,
            double referenceAuc,
            double candidateAuc,
            List<Latency> latencies) {

        public double sizeRatio() {
            return (double) referenceBytes / candidateBytes;
        }

        /** The thresholds this report exceeds, as sentences; empty when it passes. */
        public List<String> failures(double maxAbsDiffAllowed, double maxAucDropAllowed) {
            List<String> failures = new ArrayList<>();
            if (!(maxAbsDiff <= maxAbsDiffAllowed)) { // NaN scores fail too
                failures.add(String.format(
                        Locale.ROOT, "max |Δ score| %.5f exceeds --max-abs-diff %.5f", maxAbsDiff, maxAbsDiffAllowed));
            }
            if (!Double.isNaN(referenceAuc) && !(referenceAuc - candidateAuc <= maxAucDropAllowed)) {
                failures.add(String.format(
                        Locale.ROOT,
                        "AUC drop %.5f (%.5f -> %.5f) exceeds --max-auc-drop %.5f",
                        referenceAuc - candidateAuc,
                        referenceAuc,
                        candidateAuc,
                        maxAucDropAllowed));
            }
            return failures;
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
                    Locale.ROOT, "|Δ score|     max %.6f, mean %.6f over %,d rows%n", maxAbsDiff, meanAbsDiff, rows));
            if (!Double.isNaN(referenceAuc)) {
                out.append(String.format(
                        Locale.ROOT,
                        "AUC           reference %.5f, candidate %.5f, drop %.5f%n",
                        referenceAuc,
                        candidateAuc,
                        referenceAuc - candidateAuc));
            } else {
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
     * Compares the models on {@code data}.
     *
     * @param outputColumn the score column of the first output, or -1 to take the only column (or
     *     column 1 of a two-column probability output)
     */
    public static Report verify(byte[] reference, byte[] candidate, Dataset data, int outputColumn, int[] batches) {
        OrtEnvironment env = io.inferfn.model.OnnxModel.environment();
        try (OrtSession.SessionOptions options = servingOptions();
                OrtSession ref = env.createSession(reference, options);
                OrtSession cand = env.createSession(candidate, options)) {
            long[] rowShape = rowShape(ref);
            long width = Arrays.stream(rowShape).reduce(1, (a, b) -> a * b);
            if (data.rows()[0].length != width) {
                throw new QuantizeException("the data has " + data.rows()[0].length + " values per row; the model"
                        + " takes " + width + " " + Arrays.toString(rowShape));
            }
            float[] refScores = scores(env, ref, data.rows(), rowShape, outputColumn);
            float[] candScores = scores(env, cand, data.rows(), rowShape, outputColumn);
            double max = 0;
            double sum = 0;
            for (int i = 0; i < refScores.length; i++) {
                double d = Math.abs(refScores[i] - candScores[i]);
                max = Math.max(max, d);
                sum += d;
            }
            double refAuc = Double.NaN;
            double candAuc = Double.NaN;
            if (data.labels() != null) {
                refAuc = Auc.of(toDouble(refScores), data.labels());
                candAuc = Auc.of(toDouble(candScores), data.labels());
            }
            List<Latency> latencies = new ArrayList<>();
            for (int batch : batches) {
                latencies.add(new Latency(
                        batch,
                        time(env, ref, data.rows(), rowShape, batch),
                        time(env, cand, data.rows(), rowShape, batch)));
            }
            return new Report(
                    reference.length,
                    candidate.length,
                    refScores.length,
                    max,
                    sum / refScores.length,
                    refAuc,
                    candAuc,
                    latencies);
        } catch (OrtException e) {
            throw new QuantizeException("ONNX Runtime failed while verifying: " + e.getMessage(), e);
        }
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
            long[] rowShape = rowShape(session);
            long width = Arrays.stream(rowShape).reduce(1, (a, b) -> a * b);
            if (data.rows().length == 0 || data.rows()[0].length != width) {
                throw new QuantizeException("the data has "
                        + (data.rows().length == 0 ? "no rows" : data.rows()[0].length + " values per row")
                        + "; the model takes " + width + " " + Arrays.toString(rowShape) + " per row");
            }
            return scores(env, session, data.rows(), rowShape, outputColumn);
        } catch (OrtException e) {
            throw new QuantizeException("ONNX Runtime failed to score the data: " + e.getMessage(), e);
        }
    }

    private static OrtSession.SessionOptions servingOptions() throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        options.addConfigEntry("session.intra_op.allow_spinning", "0");
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return options;
    }

    private static long[] rowShape(OrtSession session) throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        if (inputs.size() != 1) {
            throw new QuantizeException("verify compares single-input models; this one has " + inputs.keySet());
        }
        TensorInfo info = (TensorInfo) inputs.values().iterator().next().getInfo();
        long[] shape = info.getShape();
        return Arrays.copyOfRange(shape, 1, shape.length);
    }

    private static float[] scores(OrtEnvironment env, OrtSession session, float[][] rows, long[] rowShape, int column)
            throws OrtException {
        float[] scores = new float[rows.length];
        for (int from = 0; from < rows.length; from += 1024) {
            int n = Math.min(1024, rows.length - from);
            try (OnnxTensor in = tensor(env, rows, from, n, rowShape);
                    OrtSession.Result result = session.run(
                            Map.of(session.getInputNames().iterator().next(), in))) {
                OnnxTensor out = (OnnxTensor) result.get(0);
                long[] shape = ((TensorInfo) out.getInfo()).getShape();
                int cols = shape.length == 1 ? 1 : (int) shape[1];
                int col = column >= 0 ? column : cols == 1 ? 0 : cols == 2 ? 1 : -1;
                if (col < 0 || col >= cols) {
                    throw new QuantizeException("the first output has " + cols + " columns; say which is the score"
                            + " with --output-column");
                }
                FloatBuffer values = out.getFloatBuffer();
                for (int r = 0; r < n; r++) {
                    scores[from + r] = values.get(r * cols + col);
                }
            }
        }
        return scores;
    }

    private static double time(OrtEnvironment env, OrtSession session, float[][] rows, long[] rowShape, int batch)
            throws OrtException {
        float[][] source = rows;
        if (rows.length < batch) {
            source = new float[batch][];
            for (int i = 0; i < batch; i++) {
                source[i] = rows[i % rows.length];
            }
        }
        int runs = Math.max(30, Math.min(3000, 300_000 / batch));
        long[] nanos = new long[runs];
        String input = session.getInputNames().iterator().next();
        try (OnnxTensor in = tensor(env, source, 0, batch, rowShape)) {
            Map<String, OnnxTensor> inputs = Map.of(input, in);
            for (int i = 0; i < Math.max(10, runs / 5); i++) {
                session.run(inputs).close();
            }
            for (int i = 0; i < runs; i++) {
                long start = System.nanoTime();
                session.run(inputs).close();
                nanos[i] = System.nanoTime() - start;
            }
        }
        Arrays.sort(nanos);
        return nanos[runs / 2] / 1000.0;
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

    private static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
