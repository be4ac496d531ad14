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
 * nothing:
 *
 * <ul>
 *   <li>Iceberg: one {@code overwrite(run_id = <id>)} commit per table (predictions first, then rejects);
 *   <li>Parquet: {@code <path>/run_id=<id>/} and {@code <path>_rejects/run_id=<id>/}, each written beside it under a
 *       hidden name and swapped in by two renames;
 *   <li>JDBC (PostgreSQL): both written to staging tables, then the run's old rows deleted and the new ones copied in
 *       one transaction on the driver.
 * </ul>
 */
final class RunOutputs {

    private RunOutputs() {}

    static void write(SparkSession spark, JobArgs args, Dataset<Row> predictions, Dataset<Row> rejects) {
        TableSpec sink = args.sink();
        if (sink instanceof TableSpec.IcebergTable t) {
            iceberg(spark, t.qualified(args.catalog()), args.runId(), predictions, rejects);
        } else if (sink instanceof TableSpec.ParquetPath p) {
            parquet(spark, p.path(), args.runId(), predictions, rejects);
        } else if (sink instanceof TableSpec.JdbcTable j) {
            jdbc(args.jdbc(), j.table(), args.runId(), predictions, rejects);
        }
    }

    private static void iceberg(
            SparkSession spark, String table, String runId, Dataset<Row> predictions, Dataset<Row> rejects) {
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
        try {
            predictions.writeTo(table).overwrite(col("run_id").equalTo(runId));
            rejects.writeTo(rejectsTable).overwrite(col("run_id").equalTo(runId));
        } catch (org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
            throw new IllegalStateException(table + " vanished while the run wrote it", e);
        }
    }

    private static void parquet(
            SparkSession spark, String path, String runId, Dataset<Row> predictions, Dataset<Row> rejects) {
        String dir = "run_id=" + ExternalCatalogUtils.escapePathName(runId);
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        replace(conf, predictions.drop("run_id"), new Path(path, dir));
        replace(conf, rejects.drop("run_id"), new Path(TableContract.rejects(path), dir));
    }

    /** Writes {@code rows} beside {@code target} under a name readers skip, then swaps it in. */
    private static void replace(Configuration conf, Dataset<Row> rows, Path target) {
        String unique = UUID.randomUUID().toString();
        Path staging = new Path(target.getParent(), "_staging." + target.getName() + "." + unique);
        rows.write().mode(SaveMode.ErrorIfExists).parquet(staging.toString());
        try {
            FileSystem fs = target.getFileSystem(conf);
            Path old = new Path(target.getParent(), "_replaced." + target.getName() + "." + unique);
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

    private static void jdbc(
            JobArgs.Jdbc db, String table, String runId, Dataset<Row> predictions, Dataset<Row> rejects) {
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
        rejects.withColumn("rejected_at", date_format(col("rejected_at"), instant))
                .write()
                .mode(SaveMode.Overwrite)
                .jdbc(db.url(), rejectsTable + suffix, props);
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
