package io.inferfn.batch;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.iceberg.DataFile;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.deletes.EqualityDeleteWriter;
import org.apache.iceberg.deletes.PositionDeleteWriter;
import org.apache.iceberg.encryption.EncryptedOutputFile;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.FileWriterFactory;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.io.RollingDataWriter;
import org.apache.iceberg.util.PropertyUtil;
import org.jboss.logging.Logger;

import io.inferfn.batch.iceberg.PredictionTable;
import io.inferfn.model.LoadedModel;
import io.inferfn.scoring.Prediction;

/**
 * Predictions into an Iceberg table and rejects into {@code <table>_rejects} ({@link PredictionTable}), written as
 * Parquet data files that roll at the table's target file size, and made visible by one commit per table at
 * {@link #commit()} (rejects first): an overwrite by the row filter {@code run_id = X and shard = i}, so that it
 * replaces what an earlier attempt of the same run and shard committed. Conflict detection on that filter lets every
 * shard of a run commit at once (each retries on the others' commits, which touch other rows) while a second
 * attempt of the same shard committing in between fails this one. Without a commit nothing changes in the tables;
 * the data files written so far are deleted at {@link #close()} (a process killed outright leaves them as orphan
 * files, which no snapshot references and Iceberg's orphan-file removal reclaims).
 */
final class IcebergSink implements PredictionSink {

    private static final Logger LOG = Logger.getLogger(IcebergSink.class);

    private final TableIdentifier id;
    private final RunSpec run;
    private final String model;
    private final String version;
    private final Output predictions;
    private final Output rejects;
    private final GenericRecord row;
    private final GenericRecord reject;
    /** Positions of the per-row columns in the predictions and rejects records (a Spark-made table may order them otherwise). */
    private final int entity, score, label, probabilities, embedding, stages, degraded, missing;

    private final int rejectEntity, reason, rowData;

    IcebergSink(Catalog catalog, String name, RunSpec run, LoadedModel model, Instant started) throws IOException {
        this.id = IcebergCatalogs.identifier("sink", name);
        this.run = run;
        this.model = model.name();
        this.version = model.version();
        TableIdentifier rejectsId = TableIdentifier.of(id.namespace(), id.name() + PredictionTable.REJECTS_SUFFIX);
        Table rejectsTable = IcebergCatalogs.loadOrCreate(
                catalog,
                rejectsId,
                PredictionTable.rejectsSchema(),
                PredictionTable.spec(PredictionTable.rejectsSchema()));
        Table table = IcebergCatalogs.loadOrCreate(catalog, id, PredictionTable.schema(), PredictionTable.spec());
        LocalDate runDate = LocalDate.ofInstant(started, ZoneOffset.UTC);
        OffsetDateTime at = started.atOffset(ZoneOffset.UTC);
        // one record per table, refilled for every row: the Parquet writer encodes a row as it is written
        row = GenericRecord.create(table.schema());
        row.setField("run_id", run.runId());
        row.setField("run_date", runDate);
        row.setField("shard", run.shardIndex());
        row.setField("model", model.name());
        row.setField("model_version", model.version());
        row.setField("scored_at", at);
        reject = GenericRecord.create(rejectsTable.schema());
        reject.setField("run_id", run.runId());
        reject.setField("run_date", runDate);
        reject.setField("shard", run.shardIndex());
        reject.setField("rejected_at", at);
        entity = position(row, "entity_id");
        score = position(row, "score");
        label = position(row, "label");
        probabilities = position(row, "probabilities");
        embedding = position(row, PredictionTable.EMBEDDING);
        stages = position(row, "stages");
        degraded = position(row, "degraded");
        missing = position(row, "missing_features");
        rejectEntity = position(reject, "entity_id");
        reason = position(reject, "reason");
        rowData = position(reject, "row_data");
        rejects = new Output(rejectsTable, reject, run);
        predictions = new Output(table, row, run);
    }

    private static int position(GenericRecord record, String column) {
        List<org.apache.iceberg.types.Types.NestedField> fields =
                record.struct().fields();
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).name().equals(column)) {
                return i;
            }
        }
        throw new IllegalStateException("no column " + column + " in " + record.struct());
    }

    /** One table's rolling Parquet writer of this attempt, and its commit. */
    private static final class Output {
        final Table table;
        final Long base;
        final RollingDataWriter<Record> writer;
        boolean closed;
        boolean committed;

        Output(Table table, Record template, RunSpec run) {
            this.table = table;
            Snapshot current = table.currentSnapshot();
            this.base = current == null ? null : current.snapshotId();
            PartitionKey partition = new PartitionKey(table.spec(), table.schema());
            // run_date as Iceberg's internal value (days), which a partition key holds
            partition.partition(new InternalRecordWrapper(table.schema().asStruct()).wrap(template));
            OutputFileFactory files = OutputFileFactory.builderFor(table, run.shardIndex(), 0)
                    .format(org.apache.iceberg.FileFormat.PARQUET)
                    .operationId(UUID.randomUUID().toString())
                    .build();
            long target = PropertyUtil.propertyAsLong(
                    table.properties(),
                    TableProperties.WRITE_TARGET_FILE_SIZE_BYTES,
                    TableProperties.WRITE_TARGET_FILE_SIZE_BYTES_DEFAULT);
            writer = new RollingDataWriter<>(
                    new ParquetData(new GenericAppenderFactory(
                            table, table.schema(), table.spec(), writeProperties(table), null, null, null)),
                    files,
                    table.io(),
                    target,
                    table.spec(),
                    partition);
        }

        /**
         * The table's write properties (compression codec, row group size) for the Parquet appender, which otherwise
         * uses parquet-java's defaults (gzip); the column statistics settings it takes from the table itself.
         */
        private static Map<String, String> writeProperties(Table table) {
            Map<String, String> write = new HashMap<>();
            table.properties().forEach((key, value) -> {
                if (key.startsWith("write.") && !key.startsWith("write.metadata.metrics.")) {
                    write.put(key, value);
                }
            });
            return write;
        }

        List<DataFile> finish() throws IOException {
            closed = true;
            writer.close();
            return writer.result().dataFiles();
        }

        void commit(RunSpec run, String model, String version) throws IOException {
            List<DataFile> files = finish();
            Expression shard = Expressions.and(
                    Expressions.equal("run_id", run.runId()), Expressions.equal("shard", run.shardIndex()));
            OverwriteFiles overwrite = table.newOverwrite()
                    .overwriteByRowFilter(shard)
                    .conflictDetectionFilter(shard)
                    .validateNoConflictingData()
                    .validateNoConflictingDeletes();
            if (base != null) {
                overwrite.validateFromSnapshot(base);
            }
            for (DataFile file : files) {
                overwrite.addFile(file);
            }
            overwrite
                    .set(PredictionTable.RUN_ID, run.runId())
                    .set(PredictionTable.MODEL, model)
                    .set(PredictionTable.MODEL_VERSION, version)
                    .commit();
            committed = true;
        }

        /** Closes the writer of an attempt that did not commit and deletes its files. */
        void discard() {
            if (committed) {
                return;
            }
            try {
                if (!closed) {
                    closed = true;
                    writer.close();
                }
                for (DataFile file : writer.result().dataFiles()) {
                    table.io().deleteFile(file.location());
                }
            } catch (Exception e) {
                LOG.debugf("discarding the uncommitted files of %s: %s", table.name(), e.getMessage());
            }
        }
    }

    /**
     * Iceberg's generic Parquet appender ({@link GenericAppenderFactory}: the table's compression, row group size and
     * column statistics) as the writer factory of a rolling writer; predictions are only ever appended.
     */
    private record ParquetData(GenericAppenderFactory appenders) implements FileWriterFactory<Record> {

        @Override
        public DataWriter<Record> newDataWriter(EncryptedOutputFile file, PartitionSpec spec, StructLike partition) {
            return appenders.newDataWriter(file, org.apache.iceberg.FileFormat.PARQUET, partition);
        }

        @Override
        public EqualityDeleteWriter<Record> newEqualityDeleteWriter(
                EncryptedOutputFile file, PartitionSpec spec, StructLike partition) {
            throw new UnsupportedOperationException("predictions are appended, never deleted by equality");
        }

        @Override
        public PositionDeleteWriter<Record> newPositionDeleteWriter(
                EncryptedOutputFile file, PartitionSpec spec, StructLike partition) {
            throw new UnsupportedOperationException("predictions are appended, never deleted by position");
        }
    }

    @Override
    public void write(List<Prediction> batch) {
        GenericRecord r = row;
        for (Prediction p : batch) {
            r.set(entity, p.entityId());
            r.set(score, p.score());
            r.set(label, p.label());
            r.set(probabilities, p.probabilities());
            r.set(embedding, p.embedding() == null ? null : embeddingList(p.embedding()));
            r.set(stages, StagesJson.of(p));
            r.set(degraded, p.degraded());
            r.set(missing, p.missingFeatures().isEmpty() ? null : String.join(",", p.missingFeatures()));
            predictions.writer.write(r);
        }
    }

    /** Iceberg's generic records take a list value as a {@link List}. */
    private static List<Float> embeddingList(float[] vector) {
        Float[] boxed = new Float[vector.length];
        for (int i = 0; i < vector.length; i++) {
            boxed[i] = vector[i];
        }
        return java.util.Arrays.asList(boxed);
    }

    @Override
    public void reject(String entityId, String reason, String rowData) {
        reject.set(rejectEntity, entityId);
        reject.set(this.reason, reason);
        reject.set(this.rowData, rowData);
        rejects.writer.write(reject);
    }

    @Override
    public void commit() throws IOException {
        rejects.commit(run, model, version);
        predictions.commit(run, model, version);
    }

    @Override
    public String describe() {
        return "iceberg table " + id;
    }

    @Override
    public void close() {
        // a failed predictions commit after the rejects' leaves those rejects committed: the rerun replaces them
        rejects.discard();
        predictions.discard();
    }
}
