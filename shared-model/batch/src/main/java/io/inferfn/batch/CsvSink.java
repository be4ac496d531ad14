package io.inferfn.batch;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;

import io.inferfn.model.LoadedModel;
import io.inferfn.scoring.Prediction;

/**
 * Predictions into a CSV file (and rejects into {@code <name>.rejects.csv}), one pair of files per
 * shard ({@code <name>-shard-<i>-of-<n>.csv}). A multiclass model's rows end with one column per class,
 * {@code prob_<class>}, in the model's class order; a text embedding model's end with {@code embedding}, the
 * vector as a JSON array. Written to {@code .part} files beside them and
 * renamed into place at commit, so a reader never sees half a run, a killed run leaves only
 * {@code .part} files, and a rerun replaces the earlier files.
 */
final class CsvSink implements PredictionSink {

    private static final CsvMapper MAPPER = new CsvMapper();
    private static final List<String> COLUMNS = List.of(
            "run_id",
            "entity_id",
            "model",
            "model_version",
            "score",
            "label",
            "degraded",
            "missing_features",
            "scored_at");
    private static final CsvSchema REJECTS = CsvSchema.builder()
            .addColumns(
                    List.of("run_id", "entity_id", "reason", "row_data", "rejected_at"), CsvSchema.ColumnType.STRING)
            .build()
            .withHeader();

    private final PartFiles files;
    private final Writer out;
    private final Writer rejectsOut;
    private SequenceWriter predictions;
    private final SequenceWriter rejects;
    private final RunSpec run;
    private final String model;
    private final String version;
    private final String scoredAt;
    private Object[] line;
    private String[] classes;
    private final boolean chained;
    /** A text embedding model: each row's vector goes to column {@code embedding} as a JSON array. */
    private final boolean embeds;

    CsvSink(Path file, RunSpec run, LoadedModel model, Instant startedAt) throws IOException {
        this.run = run;
        this.model = model.name();
        this.version = model.version();
        this.scoredAt = startedAt.toString();
        this.chained = model.chain() != null;
        this.embeds = model.text() != null && model.text().embeds();
        files = new PartFiles(file, ".csv", run);
        Writer opened = null;
        Writer openedRejects = null;
        try {
            opened = Files.newBufferedWriter(files.part, StandardCharsets.UTF_8);
            openedRejects = Files.newBufferedWriter(files.rejectsPart, StandardCharsets.UTF_8);
            rejects = MAPPER.writer(REJECTS).writeValues(openedRejects);
        } catch (IOException | RuntimeException e) {
            if (opened != null) {
                opened.close();
            }
            if (openedRejects != null) {
                openedRejects.close();
            }
            files.discard();
            throw e;
        }
        out = opened;
        rejectsOut = openedRejects;
    }

    /**
     * The header is written with the first prediction, whose class probabilities (if any) name the extra
     * columns: a multiclass model's classes come from its manifest, its ZipMap or its metadata, and are the same
     * for every row.
     */
    private void open(Prediction first) throws IOException {
        CsvSchema.Builder schema = CsvSchema.builder().addColumns(COLUMNS, CsvSchema.ColumnType.STRING);
        if (chained) {
            schema.addColumn("stages", CsvSchema.ColumnType.STRING); // a model that reads other models' outputs
        }
        if (embeds) {
            schema.addColumn("embedding", CsvSchema.ColumnType.STRING); // a JSON array [0.1, -0.2, ...]
        }
        if (first != null && first.probabilities() != null) {
            classes = first.probabilities().keySet().toArray(String[]::new);
            for (String c : classes) {
                schema.addColumn("prob_" + c, CsvSchema.ColumnType.STRING);
            }
        }
        line = new Object
                [COLUMNS.size() + (chained ? 1 : 0) + (embeds ? 1 : 0) + (classes == null ? 0 : classes.length)];
        predictions = MAPPER.writer(schema.build().withHeader()).writeValues(out);
    }

    @Override
    public void write(List<Prediction> batch) throws IOException {
        if (predictions == null) {
            if (batch.isEmpty()) {
                return;
            }
            open(batch.get(0));
        }
        for (Prediction p : batch) {
            line[0] = run.runId();
            line[1] = p.entityId();
            line[2] = model;
            line[3] = version;
            line[4] = Float.toString(p.score());
            line[5] = p.label();
            line[6] = p.degraded() ? "true" : "false";
            line[7] = p.missingFeatures().isEmpty() ? null : String.join(",", p.missingFeatures());
            line[8] = scoredAt;
            int k = 9;
            if (chained) {
                line[k++] = StagesJson.of(p);
            }
            if (embeds) {
                line[k++] = jsonArray(p.embedding());
            }
            if (classes != null) {
                Map<String, Float> probabilities = p.probabilities();
                if (probabilities == null || probabilities.size() != classes.length) {
                    throw new IllegalStateException("entity " + p.entityId() + ": expected probabilities of "
                            + String.join(", ", classes) + "; got " + probabilities);
                }
                for (int c = 0; c < classes.length; c++) {
                    line[k + c] = Float.toString(probabilities.get(classes[c]));
                }
            }
            predictions.write(line);
        }
    }

    private final StringBuilder array = new StringBuilder();

    private String jsonArray(float[] vector) {
        StringBuilder sb = array;
        sb.setLength(0);
        sb.append('[');
        for (int i = 0; i < vector.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(vector[i]);
        }
        return sb.append(']').toString();
    }

    @Override
    public void reject(String entityId, String reason, String row) throws IOException {
        rejects.write(new Object[] {run.runId(), entityId, reason, row, scoredAt});
    }

    @Override
    public void commit() throws IOException {
        if (predictions == null) {
            open(null);
        }
        predictions.close();
        rejects.close();
        files.commit();
    }

    @Override
    public String describe() {
        return "file " + files.target;
    }

    @Override
    public void close() throws IOException {
        // every step runs even when one fails; after commit() the part files are already renamed
        for (AutoCloseable c : new AutoCloseable[] {predictions, rejects, out, rejectsOut}) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                // the part files are dropped below
            }
        }
        files.discard();
    }
}
