package io.inferfn.spark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.to_json;

/**
 * Writes a run's predictions and rejects so that the run replaces its own earlier rows, and a run that fails replaces
 * nothing. In two steps, so the rows are scored once: {@link #stage} writes the predictions where no reader sees them
 * (the pass that scores them), then {@link Staged#publish} adds the rejects and makes both visible, or {@link
 * Staged#discard} drops what was staged (too many rejects):
 *
 * <ul>
 *   <li>Iceberg: the predictions appended to a private branch of the table (data files, no change to {@code main});
 *       publishing commits those files to {@code main} as one overwrite of {@code run_id = <id>}, validated against
 *       concurrent commits of the same run, then one {@code overwrite(run_id = <id>)} of the rejects table;
 *   <li>Parquet: {@code <path>/run_id=<id>/} and {@code <path>_rejects/run_id=<id>/}, each written beside it under a
 *       hidden name and swapped in by two renames;
 *   <li>JDBC (PostgreSQL): both written to staging tables, then the run's old rows deleted and the new ones copied in
 *       one transaction on the driver.
 * </ul>
 */
final class RunOutputs {

    private RunOutputs() {}

    /** Predictions written and not yet visible. */
    interface Staged {
        /** Writes {@code rejects} and makes the run's rows visible in place of its earlier ones. */
        void publish(Dataset<Row> rejects);

        /** Drops what was staged; the sink is as it was. */
        void discard();
    }

    /** Scores and writes {@code predictions} where readers do not see them yet. */
    static Staged stage(SparkSession spark, JobArgs args, Dataset<Row> predictions) {
        TableSpec sink = args.sink();
        if (sink instanceof TableSpec.IcebergTable t) {
            return iceberg(spark, t.qualified(args.catalog()), args.runId(), predictions);
        } else if (sink instanceof TableSpec.ParquetPath p) {
            return parquet(spark, p.path(), args.runId(), predictions);
        }
        return jdbc(spark, args.jdbc(), ((TableSpec.JdbcTable) sink).table(), args.runId(), predictions);
    }

    private static Staged iceberg(SparkSession spark, String table, String runId, Dataset<Row> predictions) {
        String rejectsTable = TableContract.rejects(table);
        spark.sql(TableContract.icebergDdl(table, TableContract.PREDICTIONS));
        spark.sql(TableContract.icebergDdl(rejectsTable, TableContract.REJECTS));
        if (!java.util.Arrays.asList(spark.table(table).columns()).contains("embedding")) {
            // a table made before text models: the column is optional, rows already there keep their meaning
            spark.sql("ALTER TABLE " + table + " ADD COLUMN embedding array<float> AFTER probabilities");
        }
        for (String t : new String[] {table, rejectsTable}) {
            // a table created elsewhere (batch-score) without full run_id bounds could not be overwritten by run
            Row p = spark.sql("SHOW TBLPROPERTIES " + t + " ('write.metadata.metrics.column.run_id')")
                    .first();
            if (!"full".equals(p.getString(1))) {
                spark.sql("ALTER TABLE " + t + " SET TBLPROPERTIES ('write.metadata.metrics.column.run_id' = 'full')");
            }
        }
        Table iceberg = loadIceberg(spark, table);
        Snapshot start = iceberg.currentSnapshot();
        String branch = "inferfn_staging_" + UUID.randomUUID().toString().replace("-", "");
        iceberg.manageSnapshots().createBranch(branch).commit();
        iceberg.refresh();
        long branched = iceberg.refs().get(branch).snapshotId();
        boolean written = false;
        try {
            // no shuffle before the write: every row of a run has the same run_date, and the run's tally counts
            // each task once only in a result stage
            predictions
                    .writeTo(table + ".branch_" + branch)
                    .option("distribution-mode", "none")
                    .append();
            written = true;
        } catch (org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
            throw new IllegalStateException(table + " vanished while the run wrote it", e);
        } finally {
            if (!written) { // Spark's failures are checked SparkExceptions, thrown undeclared: not only
                // RuntimeException
                dropBranch(iceberg, branch);
            }
        }
        return new Staged() {
            @Override
            public void publish(Dataset<Row> rejects) {
                try {
                    iceberg.refresh();
                    Snapshot staged = iceberg.snapshot(branch);
                    Expression run = Expressions.equal("run_id", runId);
                    OverwriteFiles overwrite = iceberg.newOverwrite()
                            .overwriteByRowFilter(run)
                            .conflictDetectionFilter(run)
                            .validateNoConflictingData()
                            .validateNoConflictingDeletes()
                            .set("inferfn.run-id", runId)
                            .set("inferfn.writer", "spark");
                    if (start != null) {
                        overwrite.validateFromSnapshot(start.snapshotId());
                    }
                    if (staged.snapshotId() != branched) { // else the run had no predictions: no append was made
                        for (DataFile file : staged.addedDataFiles(iceberg.io())) {
                            overwrite.addFile(file);
                        }
                    }
                    overwrite.commit();
                } finally {
                    dropBranch(iceberg, branch);
                }
                try {
                    rejects.writeTo(rejectsTable).overwrite(col("run_id").equalTo(runId));
                } catch (org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
                    throw new IllegalStateException(rejectsTable + " vanished while the run wrote it", e);
                }
            }

            @Override
            public void discard() {
                dropBranch(iceberg, branch);
            }
        };
    }

    private static Table loadIceberg(SparkSession spark, String table) {
        try {
            return Spark3Util.loadIcebergTable(spark, table);
        } catch (org.apache.spark.sql.catalyst.parser.ParseException
                | org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
            throw new IllegalStateException("cannot load Iceberg table " + table + ": " + e.getMessage(), e);
        }
    }

    /** Removes the run's staging branch; its data files stay unreferenced, as a killed run's do. */
    private static void dropBranch(Table iceberg, String branch) {
        iceberg.refresh();
        iceberg.manageSnapshots().removeBranch(branch).commit();
    }

    private static Staged parquet(SparkSession spark, String path, String runId, Dataset<Row> predictions) {
        String dir = "run_id=" + ExternalCatalogUtils.escapePathName(runId);
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path target = new Path(path, dir);
        Path staging = staging(target);
        predictions.drop("run_id").write().mode(SaveMode.ErrorIfExists).parquet(staging.toString());
        return new Staged() {
            @Override
            public void publish(Dataset<Row> rejects) {
                Path rejectsTarget = new Path(TableContract.rejects(path), dir);
                Path rejectsStaging = staging(rejectsTarget);
                rejects.drop("run_id").write().mode(SaveMode.ErrorIfExists).parquet(rejectsStaging.toString());
                swap(conf, staging, target);
                swap(conf, rejectsStaging, rejectsTarget);
            }

            @Override
            public void discard() {
                try {
                    staging.getFileSystem(conf).delete(staging, true);
                } catch (IOException e) {
                    throw new IllegalStateException("cannot delete " + staging + ": " + e.getMessage(), e);
                }
            }
        };
    }

    /** Where {@code target} is written first, under a name readers skip. */
    private static Path staging(Path target) {
        return new Path(target.getParent(), "_staging." + target.getName() + "." + UUID.randomUUID());
    }

    /** Swaps {@code staging} in as {@code target}. */
    private static void swap(Configuration conf, Path staging, Path target) {
        try {
            FileSystem fs = target.getFileSystem(conf);
            Path old = new Path(target.getParent(), "_replaced." + target.getName() + "." + UUID.randomUUID());
            boolean had = fs.exists(target);
            if (had && !fs.rename(target, old)) {
                throw new IOException("cannot move " + target + " aside");
            }
            if (!fs.rename(staging, target)) {
                throw new IOException("cannot move " + staging + " to " + target);
            }
            if (had) {
                fs.delete(old, true);
            }
        } catch (IOException e) {
            throw new IllegalStateException("replacing " + target + " failed: " + e.getMessage(), e);
        }
    }

    private static Staged jdbc(
            SparkSession spark, JobArgs.Jdbc db, String table, String runId, Dataset<Row> predictions) {
        String suffix = "_staging_"
                + io.inferfn.model.ModelRegistry.sha256(runId.getBytes(StandardCharsets.UTF_8))
                        .substring(0, 8);
        String rejectsTable = TableContract.rejects(table);
        Properties props = new Properties();
        if (db.user() != null) {
            props.setProperty("user", db.user());
        }
        if (db.password() != null) {
            props.setProperty("password", db.password());
        }
        // instants as text with their offset, so no JVM or session time zone shifts them on the way in
        String instant = "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX";
        predictions
                .drop("embedding") // the job scores no text model yet: always null
                .withColumn("probabilities", to_json(col("probabilities")))
                .withColumn("scored_at", date_format(col("scored_at"), instant))
                .write()
                .mode(SaveMode.Overwrite)
                .jdbc(db.url(), table + suffix, props);
        return new Staged() {
            @Override
            public void publish(Dataset<Row> rejects) {
                rejects.withColumn("rejected_at", date_format(col("rejected_at"), instant))
                        .write()
                        .mode(SaveMode.Overwrite)
                        .jdbc(db.url(), rejectsTable + suffix, props);
                commit(db, props, table, rejectsTable, suffix, runId);
            }

            @Override
            public void discard() {
                try (Connection c = DriverManager.getConnection(db.url(), props);
                        Statement st = c.createStatement()) {
                    st.execute("DROP TABLE IF EXISTS " + table + suffix);
                } catch (SQLException e) {
                    throw new IllegalStateException("cannot drop " + table + suffix + ": " + e.getMessage(), e);
                }
            }
        };
    }

    private static void commit(
            JobArgs.Jdbc db, Properties props, String table, String rejectsTable, String suffix, String runId) {
        try (Connection c = DriverManager.getConnection(db.url(), props)) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS " + table + " (run_id text NOT NULL, run_date date NOT NULL,"
                        + " shard integer NOT NULL, entity_id text NOT NULL, model text NOT NULL,"
                        + " model_version text NOT NULL, score real NOT NULL, label text, probabilities jsonb,"
                        + " stages jsonb, degraded boolean NOT NULL, missing_features text,"
                        + " scored_at timestamptz NOT NULL, PRIMARY KEY (run_id, entity_id))");
                st.execute("CREATE TABLE IF NOT EXISTS " + rejectsTable + " (run_id text NOT NULL,"
                        + " run_date date NOT NULL, shard integer NOT NULL, entity_id text, reason text NOT NULL,"
                        + " row_data text, rejected_at timestamptz NOT NULL)");
                delete(c, table, runId);
                delete(c, rejectsTable, runId);
                st.execute("INSERT INTO " + table + " SELECT run_id, run_date, shard, entity_id, model, model_version,"
                        + " score, label, probabilities::jsonb, stages::jsonb, degraded, missing_features,"
                        + " scored_at::timestamptz FROM " + table + suffix);
                st.execute("INSERT INTO " + rejectsTable + " SELECT run_id, run_date, shard, entity_id, reason,"
                        + " row_data, rejected_at::timestamptz FROM " + rejectsTable + suffix);
                st.execute("DROP TABLE " + table + suffix);
                st.execute("DROP TABLE " + rejectsTable + suffix);
            }
            c.commit();
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                throw new IllegalArgumentException(
                        "the source holds an entity id more than once (" + e.getMessage()
                                + "); each entity is scored once per run: deduplicate the source",
                        e);
            }
            throw new IllegalStateException(
                    "writing run " + runId + " into " + table + " failed: " + e.getMessage(), e);
        }
    }

    private static void delete(Connection c, String table, String runId) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("DELETE FROM " + table + " WHERE run_id = ?")) {
            st.setString(1, runId);
            st.executeUpdate();
        }
    }
}
