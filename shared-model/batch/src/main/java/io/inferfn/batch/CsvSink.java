package io.inferfn.batch;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;

import io.inferfn.model.LoadedModel;
import io.inferfn.scoring.Prediction;

/**
 * Predictions into a CSV file (and rejects into {@code <name>.rejects.csv}), one pair of files per
 * shard ({@code <name>-shard-<i>-of-<n>.csv}). Written to {@code .part} files beside them and
 * renamed into place at commit, so a reader never sees half a run, a killed run leaves only
 * {@code .part} files, and a rerun replaces the earlier files.
 */
final class CsvSink implements PredictionSink {

    private static final CsvMapper MAPPER = new CsvMapper();
    private static final CsvSchema PREDICTIONS = CsvSchema.builder()
            .addColumns(
                    List.of(
                            "run_id",
                            "entity_id",
                            "model",
                            "model_version",
                            "score",
                            "label",
                            "degraded",
                            "missing_features",
                            "scored_at"),
                    CsvSchema.ColumnType.STRING)
            .build()
            .withHeader();
    /** The same columns and {@code stages}, for a model that reads other models' outputs. */
    private static final CsvSchema CHAINED_PREDICTIONS = PREDICTIONS
            .rebuild()
            .addColumn("stages", CsvSchema.ColumnType.STRING)
            .build()
            .withHeader();

    private static final CsvSchema REJECTS = CsvSchema.builder()
            .addColumns(
                    List.of("run_id", "entity_id", "reason", "row_data", "rejected_at"), CsvSchema.ColumnType.STRING)
            .build()
            .withHeader();

    private final PartFiles files;
    private final Writer out;
    private final Writer rejectsOut;
    private final SequenceWriter predictions;
    private final SequenceWriter rejects;
    private final RunSpec run;
    private final String model;
    private final String version;
    private final String scoredAt;
    private final Object[] line;

    CsvSink(Path file, RunSpec run, LoadedModel model, Instant startedAt) throws IOException {
        this.run = run;
        this.model = model.name();
        this.version = model.version();
        this.scoredAt = startedAt.toString();
        this.line = new Object[model.chain() == null ? 9 : 10];
        files = new PartFiles(file, ".csv", run);
        Writer opened = null;
        Writer openedRejects = null;
        try {
            opened = Files.newBufferedWriter(files.part, StandardCharsets.UTF_8);
            openedRejects = Files.newBufferedWriter(files.rejectsPart, StandardCharsets.UTF_8);
            predictions = MAPPER.writer(model.chain() == null ? PREDICTIONS : CHAINED_PREDICTIONS)
                    .writeValues(opened);
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

    @Override
    public void write(List<Prediction> batch) throws IOException {
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
            if (line.length > 9) {
                line[9] = StagesJson.of(p);
            }
            predictions.write(line);
        }
    }

    @Override
    public void reject(String entityId, String reason, String row) throws IOException {
        rejects.write(new Object[] {run.runId(), entityId, reason, row, scoredAt});
    }

    @Override
    public void commit() throws IOException {
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
            try {
                c.close();
            } catch (Exception e) {
                // the part files are dropped below
            }
        }
        files.discard();
    }
}
