package io.inferfn.spark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.inferfn.testing.ConverterGraphs;
import io.inferfn.testing.TinyModels;

import static io.inferfn.spark.SparkStack.SPARK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A run replaces its own rows in the Iceberg tables and nothing else, in one commit per table; a run that fails on an
 * executor (mid-scoring or mid-write) commits nothing. What a reader that is not ours sees, through Iceberg's own
 * generic reader: exactly one row per entity per run.
 */
class IcebergRunsTest {

    static final String RUN = "2026-12-01T02:00:00Z"; // longer than Iceberg's default 16-character column bounds
    static final String TABLE = "inferfn.gold.tier_runs";
    static final int ROWS = 300;

    static String model;
    static String source;

    @BeforeAll
    static void publish(@TempDir Path dir) throws Exception {
        model = "file:" + TinyModels.publish(ConverterGraphs.sklearnPipeline(), SameScoresAsBatchScoreTest.TIERS);
        StructType schema = new StructType()
                .add("id", DataTypes.StringType)
                .add("amount", DataTypes.DoubleType)
                .add("country", DataTypes.StringType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            rows.add(RowFactory.create("t-" + i, i * 0.5, i % 2 == 0 ? "FR" : "DE"));
        }
        rows.add(RowFactory.create("  ", 10.0, "US")); // no entity id
        rows.add(RowFactory.create("t-no-amount", null, "US")); // amount has no default
        source = dir.resolve("rows.parquet").toString();
        SPARK.createDataFrame(rows, schema).repartition(4).write().parquet(source);
    }

    @Test
    void aRerunReplacesItsOwnRowsAndKeepsOtherRunsAndAKilledRunCommitsNothing() throws Exception {
        SparkScore.run(SPARK, args("other-run"));
        SparkScore.Summary first = SparkScore.run(SPARK, args(RUN));
        assertThat(first.scored()).isEqualTo(ROWS);
        assertThat(first.rejected()).isEqualTo(2);
        SparkScore.run(SPARK, args(RUN));

        assertOneRowPerEntity(RUN);
        assertOneRowPerEntity("other-run");
        List<Row> rejects = SPARK.sql("SELECT entity_id, reason, row_data FROM " + TABLE + "_rejects WHERE run_id = '"
                        + RUN + "' ORDER BY reason")
                .collectAsList();
        assertThat(rejects).hasSize(2);
        assertThat(rejects.get(0).getString(1)).contains("amount");
        assertThat(rejects.get(0).getString(0)).isEqualTo("t-no-amount");
        assertThat(rejects.get(1).getString(1)).contains("entity id is empty");
        assertThat(rejects.get(1).isNullAt(0)).isTrue();
        assertThat(rejects.get(1).getString(2)).isEqualTo("amount=10.0, country=US");

        long snapshot = snapshot(TABLE);
        long rejectsSnapshot = snapshot(TABLE + "_rejects");
        try {
            // an executor fails while scoring
            PartitionScorer.beforeBatchForTests = () -> {
                throw new IllegalStateException("executor lost (injected)");
            };
            assertThatThrownBy(() -> SparkScore.run(SPARK, args(RUN))).hasStackTraceContaining("executor lost");
            PartitionScorer.beforeBatchForTests = null;
            // an executor fails while the predictions are written, after the scores were computed
            SparkScore.beforeWriteForTests =
                    predictions -> predictions.mapPartitions(failAfterOneRow(), Encoders.row(predictions.schema()));
            assertThatThrownBy(() -> SparkScore.run(SPARK, args(RUN))).hasStackTraceContaining("executor lost");
        } finally {
            PartitionScorer.beforeBatchForTests = null;
            SparkScore.beforeWriteForTests = null;
        }
        assertThat(snapshot(TABLE)).isEqualTo(snapshot);
        assertThat(snapshot(TABLE + "_rejects")).isEqualTo(rejectsSnapshot);
        assertOneRowPerEntity(RUN);
        assertThat(SPARK.sql("SELECT DISTINCT run_date, shard, model, model_version FROM " + TABLE)
                        .collectAsList())
                .hasSize(1)
                .allSatisfy(r -> {
                    assertThat(r.getInt(1)).isZero();
                    assertThat(r.getString(2)).isEqualTo("tiers");
                    assertThat(r.getString(3)).isEqualTo("1");
                });
        assertThat(SPARK.sql("SELECT partition FROM " + TABLE + ".partitions").count())
                .isEqualTo(1);
    }

    @Test
    void moreRejectsThanAllowedPublishesNothingAndLeavesNoBranch() throws Exception {
        SparkScore.run(SPARK, args("capped"));
        long snapshot = snapshot(TABLE);
        long rejectsSnapshot = snapshot(TABLE + "_rejects");
        String[] command =
                SparkStack.command(model, "parquet:" + source, "iceberg:gold.tier_runs", "capped", "id", null);
        String[] capped = java.util.Arrays.copyOf(command, command.length + 2);
        capped[command.length] = "--max-rejects";
        capped[command.length + 1] = "1";
        JobArgs strict = JobArgs.parse(capped, key -> java.util.Optional.empty());

        assertThatThrownBy(() -> SparkScore.run(SPARK, strict))
                .isInstanceOf(io.inferfn.scoring.InvalidRequestException.class)
                .hasMessageStartingWith(
                        "run capped: 2 rows rejected, more than --max-rejects 1; nothing written. One of")
                .hasMessageContaining("raise --max-rejects");

        // the predictions were written once, on a private branch, and never reached main; the branch is gone
        assertThat(snapshot(TABLE)).isEqualTo(snapshot);
        assertThat(snapshot(TABLE + "_rejects")).isEqualTo(rejectsSnapshot);
        Table table = Spark3Util.loadIcebergTable(SPARK, TABLE);
        table.refresh();
        assertThat(table.refs().keySet()).containsExactly("main");
        assertOneRowPerEntity("capped");

        // with the limit at the run's rejects it publishes, as one overwrite of the run on main
        capped[command.length + 1] = "2";
        SparkScore.Summary passed = SparkScore.run(SPARK, JobArgs.parse(capped, key -> java.util.Optional.empty()));
        assertThat(passed.rows()).isEqualTo(ROWS + 2);
        assertThat(passed.rejected()).isEqualTo(2);
        table.refresh();
        assertThat(table.currentSnapshot().operation()).isEqualTo("overwrite");
        assertThat(table.currentSnapshot().summary())
                .containsEntry("inferfn.run-id", "capped")
                .containsEntry("added-records", String.valueOf(ROWS))
                .containsEntry("deleted-records", String.valueOf(ROWS));
        assertThat(table.refs().keySet()).containsExactly("main");
        assertOneRowPerEntity("capped");
    }

    @Test
    void anIcebergTableIsASourceAndScoresAsTheSameRowsInParquetDo() {
        SPARK.sql("CREATE TABLE IF NOT EXISTS inferfn.raw.tier_rows USING iceberg AS SELECT * FROM parquet.`" + source
                + "`");
        SparkScore.run(
                SPARK, SparkStack.args(model, "iceberg:raw.tier_rows", "iceberg:gold.from_iceberg", "r-1", "id", null));
        SparkScore.run(
                SPARK, SparkStack.args(model, "parquet:" + source, "iceberg:gold.from_parquet", "r-1", "id", null));

        Map<String, List<String>> fromIceberg =
                SameScoresAsBatchScoreTest.icebergRows("inferfn.gold.from_iceberg", "r-1");
        assertThat(fromIceberg).hasSize(ROWS);
        assertThat(fromIceberg).isEqualTo(SameScoresAsBatchScoreTest.icebergRows("inferfn.gold.from_parquet", "r-1"));
    }

    private static MapPartitionsFunction<Row, Row> failAfterOneRow() {
        return rows -> {
            if (rows.hasNext()) {
                rows.next(); // one row in: the write task has begun
            }
            throw new IllegalStateException("executor lost (injected)");
        };
    }

    private static JobArgs args(String runId) {
        return SparkStack.args(model, "parquet:" + source, "iceberg:gold.tier_runs", runId, "id", null);
    }

    /** Counts {@code runId}'s rows per entity with Iceberg's generic reader: each entity once, every entity there. */
    private static void assertOneRowPerEntity(String runId) throws Exception {
        Table table = Spark3Util.loadIcebergTable(SPARK, TABLE);
        table.refresh();
        Map<String, Integer> rows = new HashMap<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table)
                .where(Expressions.equal("run_id", runId))
                .build()) {
            for (Record r : records) {
                rows.merge((String) r.getField("entity_id"), 1, Integer::sum);
            }
        }
        assertThat(rows).hasSize(ROWS);
        assertThat(rows.values()).containsOnly(1);
    }

    /** The table's current snapshot: what readers of {@code main} see. */
    private static long snapshot(String table) throws Exception {
        Table t = Spark3Util.loadIcebergTable(SPARK, table);
        t.refresh();
        return t.currentSnapshot().snapshotId();
    }
}
