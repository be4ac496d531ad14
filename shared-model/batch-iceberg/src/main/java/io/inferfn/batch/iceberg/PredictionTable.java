package io.inferfn.batch.iceberg;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.types.Types;

import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.apache.iceberg.types.Types.NestedField.required;

/**
 * The Iceberg tables batch scoring writes, shared by every writer (batch-score's {@code iceberg:} sink, the Spark
 * job): predictions in {@code <namespace>.<table>}, rejected rows in {@code <namespace>.<table>_rejects}, both
 * partitioned by the UTC date the run started. One run's shard is replaced as a whole (overwrite by the row filter
 * {@code run_id = X and shard = i}), so a rerun leaves exactly one row per entity.
 */
public final class PredictionTable {

    /** The rejects table of predictions table {@code table}: {@code <table>_rejects}. */
    public static final String REJECTS_SUFFIX = "_rejects";

    /** Snapshot summary keys every commit carries. */
    public static final String RUN_ID = "inferfn.run-id";

    public static final String MODEL = "inferfn.model";
    public static final String MODEL_VERSION = "inferfn.model-version";

    private static final Schema PREDICTIONS = new Schema(
            required(1, "run_id", Types.StringType.get()),
            required(2, "run_date", Types.DateType.get(), "the UTC date the run started"),
            required(3, "shard", Types.IntegerType.get()),
            required(4, "entity_id", Types.StringType.get()),
            required(5, "model", Types.StringType.get()),
            required(6, "model_version", Types.StringType.get()),
            required(7, "score", Types.FloatType.get()),
            optional(8, "label", Types.StringType.get()),
            optional(
                    9,
                    "probabilities",
                    Types.MapType.ofOptional(14, 15, Types.StringType.get(), Types.FloatType.get()),
                    "a multiclass model's probability of each class"),
            optional(
                    16,
                    "embedding",
                    Types.ListType.ofRequired(17, Types.FloatType.get()),
                    "a text embedding model's vector (its score is the vector's L2 norm)"),
            optional(10, "stages", Types.StringType.get(), "a chained model's stages as JSON"),
            required(11, "degraded", Types.BooleanType.get()),
            optional(12, "missing_features", Types.StringType.get()),
            required(13, "scored_at", Types.TimestampType.withZone()));

    private static final Schema REJECTS = new Schema(
            required(1, "run_id", Types.StringType.get()),
            required(2, "run_date", Types.DateType.get(), "the UTC date the run started"),
            required(3, "shard", Types.IntegerType.get()),
            optional(4, "entity_id", Types.StringType.get()),
            required(5, "reason", Types.StringType.get()),
            optional(6, "row_data", Types.StringType.get()),
            required(7, "rejected_at", Types.TimestampType.withZone()));

    private PredictionTable() {}

    /** The predictions table's schema. */
    public static Schema schema() {
        return PREDICTIONS;
    }

    /** The column a table made before text models lacks; {@link #schema()} has it after {@code probabilities}. */
    public static final String EMBEDDING = "embedding";

    /** The rejects table's schema. */
    public static Schema rejectsSchema() {
        return REJECTS;
    }

    /** {@code identity(run_date)} of {@code schema} (either table's). */
    public static PartitionSpec spec(Schema schema) {
        return PartitionSpec.builderFor(schema).identity("run_date").build();
    }

    /** The predictions table's partition spec. */
    public static PartitionSpec spec() {
        return spec(PREDICTIONS);
    }

    /**
     * Table properties a writer sets when it creates either table: {@code run_id}'s full value in the file
     * statistics (run ids are longer than the default 16-character truncation), so that a rerun's overwrite can tell
     * a file holds only that run's shard, and enough commit retries for every shard of a run committing at once.
     */
    public static Map<String, String> properties() {
        return Map.of(
                "write.metadata.metrics.column.run_id",
                "full",
                TableProperties.COMMIT_NUM_RETRIES,
                "100",
                TableProperties.COMMIT_MAX_RETRY_WAIT_MS,
                "5000",
                TableProperties.FORMAT_VERSION,
                "2");
    }

    /**
     * What differs between {@code expected} and {@code actual}, by column name, type and whether it is required
     * (field ids aside: a catalog assigns them); empty when they match.
     */
    public static List<String> differences(Schema expected, Schema actual) {
        List<String> out = new ArrayList<>();
        for (Types.NestedField want : expected.columns()) {
            Types.NestedField have = actual.findField(want.name());
            if (have == null) {
                out.add("no column " + describe(want));
            } else if (!describe(want).equals(describe(have))) {
                out.add("column " + describe(have) + " where " + describe(want) + " is expected");
            }
        }
        for (Types.NestedField have : actual.columns()) {
            if (expected.findField(have.name()) == null) {
                out.add("an unexpected column " + describe(have));
            }
        }
        return out;
    }

    /** "run_id string required", with a map's value optionality. */
    public static String describe(Types.NestedField field) {
        String type = field.type().toString();
        if (field.type() instanceof Types.MapType map) {
            type += map.isValueOptional() ? " (values optional)" : " (values required)";
        }
        return field.name() + " " + type + (field.isRequired() ? " required" : " optional");
    }
}
