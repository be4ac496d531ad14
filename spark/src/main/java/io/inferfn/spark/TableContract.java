package io.inferfn.spark;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The predictions table and its {@code <table>_rejects}, as batch-score's Iceberg sink writes them too: both
 * partitioned by {@code run_date} (the UTC day the run started), {@code shard} 0 for the Spark job (batch-score writes
 * its shard index), {@code stages} the JSON batch-score's CSV sink writes, {@code scored_at} and {@code rejected_at} the
 * instant the run started.
 */
final class TableContract {

    private TableContract() {}

    /** A text embedding model's vector. */
    static final org.apache.spark.sql.types.DataType EMBEDDING = DataTypes.createArrayType(DataTypes.FloatType, false);

    static final StructType PREDICTIONS = new StructType()
            .add("run_id", DataTypes.StringType, false)
            .add("run_date", DataTypes.DateType, false)
            .add("shard", DataTypes.IntegerType, false)
            .add("entity_id", DataTypes.StringType, false)
            .add("model", DataTypes.StringType, false)
            .add("model_version", DataTypes.StringType, false)
            .add("score", DataTypes.FloatType, false)
            .add("label", DataTypes.StringType, true)
            .add("probabilities", DataTypes.createMapType(DataTypes.StringType, DataTypes.FloatType, true), true)
            // batch-score's text embedding models; the job scores no text model yet, so it leaves this null
            .add("embedding", EMBEDDING, true)
            .add("stages", DataTypes.StringType, true)
            .add("degraded", DataTypes.BooleanType, false)
            .add("missing_features", DataTypes.StringType, true)
            .add("scored_at", DataTypes.TimestampType, false);

    static final StructType REJECTS = new StructType()
            .add("run_id", DataTypes.StringType, false)
            .add("run_date", DataTypes.DateType, false)
            .add("shard", DataTypes.IntegerType, false)
            .add("entity_id", DataTypes.StringType, true)
            .add("reason", DataTypes.StringType, false)
            .add("row_data", DataTypes.StringType, true)
            .add("rejected_at", DataTypes.TimestampType, false);

    /** The rejects table of predictions table {@code name}. */
    static String rejects(String name) {
        return name + "_rejects";
    }

    /**
     * Iceberg DDL for {@code table} of {@code schema}: partitioned by day, and with full (untruncated) bounds for
     * {@code run_id}, so that a run's overwrite by {@code run_id} can prove which files hold only that run's rows
     * (Iceberg's default truncates string bounds to 16 characters, shorter than a timestamp run id).
     */
    static String icebergDdl(String table, StructType schema) {
        return "CREATE TABLE IF NOT EXISTS " + table + " (" + schema.toDDL() + ") USING iceberg"
                + " PARTITIONED BY (run_date)"
                + " TBLPROPERTIES ('format-version' = '2', 'write.metadata.metrics.column.run_id' = 'full')";
    }
}
