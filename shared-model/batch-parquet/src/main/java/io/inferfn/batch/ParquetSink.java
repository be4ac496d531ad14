package io.inferfn.batch;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

import io.inferfn.model.LoadedModel;
import io.inferfn.scoring.Prediction;

/**
 * Predictions into a Parquet file (and rejects into {@code <name>.rejects.parquet}), one pair per
 * shard, with the columns of the table sink; a multiclass model's class probabilities go into
 * {@code probabilities}, a Parquet MAP of class to probability (Spark's {@code map<string,float>}); a chained
 * model's earlier stages go into {@code stages} as JSON, as in the CSV and table sinks; a text embedding model's
 * vector into {@code embedding}, a Parquet LIST of float (Spark's {@code array<float>}). Written to per-attempt {@code .part} files and
 * renamed into place at commit, like {@link CsvSink}.
 */
final class ParquetSink implements PredictionSink {

    /** The columns of the table sink. */
    static final MessageType PREDICTIONS = MessageTypeParser.parseMessageType("message prediction {"
            + " required binary run_id (STRING); required binary entity_id (STRING); required binary model (STRING);"
            + " required binary model_version (STRING); required float score; optional binary label (STRING);"
            + " required boolean degraded; optional binary missing_features (STRING);"
            + " required binary scored_at (STRING); optional binary stages (STRING);"
            + " optional group probabilities (MAP) { repeated group key_value {"
            + " required binary key (STRING); required float value; } }"
            + " optional group embedding (LIST) { repeated group list { required float element; } } }");

    static final MessageType REJECTS = MessageTypeParser.parseMessageType("message reject {"
            + " required binary run_id (STRING); optional binary entity_id (STRING); required binary reason (STRING);"
            + " optional binary row_data (STRING); required binary rejected_at (STRING); }");

    private final PartFiles files;
    private final ParquetWriter<Group> predictions;
    private final ParquetWriter<Group> rejects;
    private final SimpleGroupFactory predictionRows = new SimpleGroupFactory(PREDICTIONS);
    private final SimpleGroupFactory rejectRows = new SimpleGroupFactory(REJECTS);
    private final RunSpec run;
    private final String model;
    private final String version;
    private final String scoredAt;
    private boolean closed;

    ParquetSink(Path file, RunSpec run, LoadedModel model, Instant startedAt) throws IOException {
        this.run = run;
        this.model = model.name();
        this.version = model.version();
        this.scoredAt = startedAt.toString();
        files = new PartFiles(file, ".parquet", run);
        ParquetWriter<Group> p = null;
        try {
            // per-attempt part files exist already (createTempFile): overwrite them
            p = ExampleParquetWriter.builder(new LocalOutputFile(files.part))
                    .withType(PREDICTIONS)
                    .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                    .build();
            rejects = ExampleParquetWriter.builder(new LocalOutputFile(files.rejectsPart))
                    .withType(REJECTS)
                    .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                    .build();
        } catch (IOException | RuntimeException e) {
            if (p != null) {
                p.close();
            }
            files.discard();
            throw e;
        }
        predictions = p;
    }

    @Override
    public void write(List<Prediction> batch) throws IOException {
        for (Prediction p : batch) {
            Group row = predictionRows
                    .newGroup()
                    .append("run_id", run.runId())
                    .append("entity_id", p.entityId())
                    .append("model", model)
                    .append("model_version", version)
                    .append("score", p.score());
            if (p.label() != null) {
                row.append("label", p.label());
            }
            row.append("degraded", p.degraded());
            if (!p.missingFeatures().isEmpty()) {
                row.append("missing_features", String.join(",", p.missingFeatures()));
            }
            row.append("scored_at", scoredAt);
            if (p.stages() != null) {
                row.append("stages", StagesJson.of(p)); // a chained model: each earlier model's result, as JSON
            }
            if (p.probabilities() != null) {
                Group map = row.addGroup("probabilities");
                for (Map.Entry<String, Float> e : p.probabilities().entrySet()) {
                    map.addGroup("key_value").append("key", e.getKey()).append("value", e.getValue());
                }
            }
            if (p.embedding() != null) {
                Group list = row.addGroup("embedding");
                for (float v : p.embedding()) {
                    list.addGroup("list").append("element", v);
                }
            }
            predictions.write(row);
        }
    }

    @Override
    public void reject(String entityId, String reason, String row) throws IOException {
        Group reject = rejectRows.newGroup().append("run_id", run.runId());
        if (entityId != null) {
            reject.append("entity_id", entityId);
        }
        reject.append("reason", reason);
        if (row != null) {
            reject.append("row_data", row);
        }
        rejects.write(reject.append("rejected_at", scoredAt));
    }

    @Override
    public void commit() throws IOException {
        predictions.close();
        rejects.close();
        closed = true;
        files.commit();
    }

    @Override
    public String describe() {
        return "file " + files.target;
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            for (AutoCloseable c : new AutoCloseable[] {predictions, rejects}) {
                try {
                    c.close();
                } catch (Exception e) {
                    // the part files are dropped below
                }
            }
        }
        files.discard();
    }
}
