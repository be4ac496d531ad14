package io.inferfn.quantize;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * Rows of model input that {@code verify} and {@code quantize --target} score: a CSV of one float
 * input ({@link Dataset}) or JSON Lines naming every input ({@link JsonSamples}), with optional labels.
 */
public interface Samples {

    /** How many rows. */
    int size();

    /** Whether each row is positive (for AUC), or null without a label. */
    boolean[] labels();

    /** Rows per ORT call when scoring them all (rows that may differ in shape are scored one by one). */
    int maxBatch();

    /** Rows {@code [from, from + n)} as the session's input tensors; the caller closes them. */
    Map<String, OnnxTensor> tensors(OrtEnvironment env, OrtSession session, int from, int n) throws OrtException;

    /**
     * {@code n} copies of the first row (rows of one shape, whatever the data holds), for timing a
     * batch of {@code n}; the caller closes them.
     */
    Map<String, OnnxTensor> repeated(OrtEnvironment env, OrtSession session, int n) throws OrtException;

    /** The first {@code n} rows (or all, when fewer). */
    Samples head(int n);

    /** CSV ({@code .csv}) or JSON Lines ({@code .jsonl}, {@code .ndjson}), by the file's extension. */
    static Samples read(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            return JsonSamples.read(file);
        }
        if (name.endsWith(".csv")) {
            return Dataset.readCsv(file);
        }
        throw new QuantizeException(file + ": expected a .csv (one float input, one column per value) or a .jsonl"
                + " (one JSON object per line naming each input) file");
    }
}
