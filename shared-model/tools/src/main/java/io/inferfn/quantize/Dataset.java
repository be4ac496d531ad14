package io.inferfn.quantize;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;

/**
 * Rows of model input read from a CSV: a header, one numeric column per input value in model order,
 * and optionally a {@code label} column (0/1) used for AUC, read with Jackson's CSV parser; every
 * malformed cell is reported with its line and column.
 *
 * @param rows input rows
 * @param labels positives per row, or null when the file has no label column
 */
public record Dataset(float[][] rows, boolean[] labels) implements Samples {

    @Override
    public int size() {
        return rows.length;
    }

    @Override
    public int maxBatch() {
        return 1024;
    }

    @Override
    public Dataset head(int n) {
        return n >= rows.length
                ? this
                : new Dataset(Arrays.copyOf(rows, n), labels == null ? null : Arrays.copyOf(labels, n));
    }

    @Override
    public Map<String, OnnxTensor> tensors(OrtEnvironment env, OrtSession session, int from, int n)
            throws OrtException {
        long[] rowShape = rowShape(session);
        return Map.of(session.getInputNames().iterator().next(), ModelVerifier.tensor(env, rows, from, n, rowShape));
    }

    @Override
    public Map<String, OnnxTensor> repeated(OrtEnvironment env, OrtSession session, int n) throws OrtException {
        float[][] source = new float[n][];
        for (int i = 0; i < n; i++) {
            source[i] = rows[i % rows.length];
        }
        return Map.of(
                session.getInputNames().iterator().next(), ModelVerifier.tensor(env, source, 0, n, rowShape(session)));
    }

    /** The single input's shape without the batch dimension, checked against the rows' width. */
    long[] rowShape(OrtSession session) throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        if (inputs.size() != 1) {
            throw new QuantizeException("a CSV holds one float input; this model takes " + inputs.keySet()
                    + ": give the rows as JSON Lines (.jsonl), one object per row naming each input");
        }
        TensorInfo info = (TensorInfo) inputs.values().iterator().next().getInfo();
        long[] shape = info.getShape();
        long[] rowShape = Arrays.copyOfRange(shape, 1, shape.length);
        long width = Arrays.stream(rowShape).reduce(1, (a, b) -> a * b);
        if (rows.length == 0 || rows[0].length != width) {
            throw new QuantizeException("the data has "
                    + (rows.length == 0 ? "no rows" : rows[0].length + " values per row") + "; the model takes "
                    + width + " " + Arrays.toString(rowShape) + " per row");
        }
        return rowShape;
    }

    private static final CsvMapper CSV = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);

    public static Dataset readCsv(Path file) {
        List<float[]> rows = new ArrayList<>();
        List<Boolean> labels = new ArrayList<>();
        try (MappingIterator<String[]> records =
                CSV.readerFor(String[].class).readValues(Files.newBufferedReader(file, StandardCharsets.UTF_8))) {
            if (!records.hasNext()) {
                throw new QuantizeException(file + " is empty; expected a header and numeric rows");
            }
            String[] header = records.next();
            int labelColumn = -1;
            for (int i = 0; i < header.length; i++) {
                if (header[i].trim().equals("label")) {
                    labelColumn = i;
                }
            }
            int width = header.length - (labelColumn >= 0 ? 1 : 0);
            while (records.hasNext()) {
                String[] cells = records.next();
                int line = records.getCurrentLocation().getLineNr() - 1; // the parser is past the record it returned
                if (cells.length == 0 || cells.length == 1 && cells[0].isBlank()) {
                    continue;
                }
                if (cells.length != header.length) {
                    throw new QuantizeException(
                            file + " line " + line + ": " + cells.length + " cells; the header has " + header.length);
                }
                float[] row = new float[width];
                int j = 0;
                for (int i = 0; i < cells.length; i++) {
                    try {
                        if (i == labelColumn) {
                            labels.add(Double.parseDouble(cells[i].trim()) >= 0.5);
                        } else {
                            row[j] = Float.parseFloat(cells[i].trim());
                            if (!Float.isFinite(row[j++])) {
                                throw new NumberFormatException("not finite");
                            }
                        }
                    } catch (NumberFormatException e) {
                        throw new QuantizeException(file + " line " + line + " column '" + header[i].trim() + "': '"
                                + cells[i] + "' is not a finite number");
                    }
                }
                rows.add(row);
            }
            if (rows.isEmpty()) {
                throw new QuantizeException(file + " has a header but no rows");
            }
            boolean[] l = null;
            if (labelColumn >= 0) {
                l = new boolean[labels.size()];
                for (int i = 0; i < l.length; i++) {
                    l[i] = labels.get(i);
                }
            }
            return new Dataset(rows.toArray(float[][]::new), l);
        } catch (IOException e) {
            throw new QuantizeException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
