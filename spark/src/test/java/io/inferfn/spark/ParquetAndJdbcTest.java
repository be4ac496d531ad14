package io.inferfn.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.inferfn.testing.ConverterGraphs;
import io.inferfn.testing.TinyModels;

import static io.inferfn.spark.SparkStack.POSTGRES;
import static io.inferfn.spark.SparkStack.SPARK;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parquet and JDBC as sources and sinks: a run's rows arrive whole, with the same scores whatever the source, and a
 * rerun replaces them ({@code <path>/run_id=<id>/} swapped in; the JDBC table's rows replaced in one transaction).
 */
class ParquetAndJdbcTest {

    @TempDir
    Path dir;

    @Test
    void aJdbcSourceScoredIntoParquetAndIntoJdbcGivesTheSameRowsAndAReRunReplacesThem() throws Exception {
        String model =
                "file:" + TinyModels.publish(ConverterGraphs.sklearnPipeline(), SameScoresAsBatchScoreTest.TIERS);
        POSTGRES.execute(
                "CREATE TABLE tier_rows (id text, amount double precision, country text)",
                "INSERT INTO tier_rows SELECT 't-' || i, i * 1.25, (ARRAY['FR','DE','US'])[1 + i % 3]"
                        + " FROM generate_series(0, 149) AS i",
                "INSERT INTO tier_rows VALUES ('t-bad', NULL, 'FR')");
        Path parquet = dir.resolve("predictions");
        String run = "2026-12-01T02:00:00Z";

        for (int attempt = 0; attempt < 2; attempt++) {
            SparkScore.Summary s = SparkScore.run(
                    SPARK,
                    SparkStack.args(
                            model,
                            "jdbc:(SELECT * FROM tier_rows WHERE id <> 't-3')",
                            "parquet:" + parquet,
                            run,
                            "id",
                            null));
            assertThat(s.scored()).isEqualTo(149);
            assertThat(s.rejected()).isEqualTo(1);
            SparkScore.run(SPARK, SparkStack.args(model, "jdbc:tier_rows", "jdbc:tier_predictions", run, "id", null));
        }
        SparkScore.run(SPARK, SparkStack.args(model, "jdbc:tier_rows", "jdbc:tier_predictions", "other", "id", null));

        try (var runs = Files.list(parquet)) {
            assertThat(runs.map(p -> p.getFileName().toString()))
                    .as("one directory per run, no staging left")
                    .containsExactly("run_id=2026-12-01T02%3A00%3A00Z");
        }
        Map<String, Float> fromParquet = new HashMap<>();
        for (Row r : SPARK.read()
                .parquet(parquet.toString())
                .select("run_id", "entity_id", "score")
                .collectAsList()) {
            assertThat(r.getString(0)).isEqualTo(run);
            assertThat(fromParquet.put(r.getString(1), r.getFloat(2))).isNull();
        }
        assertThat(fromParquet).hasSize(149).doesNotContainKey("t-3");
        List<Row> rejects = SPARK.read().parquet(parquet + "_rejects").collectAsList();
        assertThat(rejects).hasSize(1);
        assertThat(rejects.get(0).<String>getAs("entity_id")).isEqualTo("t-bad");

        Map<String, Float> fromJdbc = new HashMap<>();
        try (Connection c = POSTGRES.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT entity_id, score, probabilities->>'gold', scored_at"
                        + " FROM tier_predictions WHERE run_id = '" + run + "'")) {
            while (rs.next()) {
                assertThat(fromJdbc.put(rs.getString(1), rs.getFloat(2))).isNull();
                assertThat(rs.getString(3)).isNotNull();
            }
        }
        assertThat(fromJdbc).hasSize(150);
        fromJdbc.remove("t-3");
        assertThat(fromJdbc).isEqualTo(fromParquet);
        try (Connection c = POSTGRES.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM tier_predictions WHERE run_id = 'other'),"
                        + " (SELECT count(*) FROM tier_predictions_rejects WHERE run_id = '" + run + "'),"
                        + " (SELECT count(*) FROM pg_tables WHERE tablename LIKE '%staging%')")) {
            rs.next();
            assertThat(rs.getInt(1)).as("the other run's rows").isEqualTo(150);
            assertThat(rs.getInt(2)).as("rejects of the run").isEqualTo(1);
            assertThat(rs.getInt(3)).as("staging tables left").isZero();
        }

        // over --max-rejects: the predictions were staged in the one scoring pass, and are dropped, not published
        for (String sink : List.of("parquet:" + parquet, "jdbc:tier_predictions")) {
            String[] command = SparkStack.command(model, "jdbc:tier_rows", sink, "refused", "id", null);
            String[] strict = java.util.Arrays.copyOf(command, command.length + 2);
            strict[command.length] = "--max-rejects";
            strict[command.length + 1] = "0";
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> SparkScore.run(SPARK, JobArgs.parse(strict, key -> java.util.Optional.empty())))
                    .hasMessageContaining(
                            "1 rows rejected, more than --max-rejects 0; nothing written. One of them:" + " t-bad: ");
        }
        try (var runs = Files.list(parquet)) {
            assertThat(runs.map(p -> p.getFileName().toString()))
                    .as("the refused run left nothing, staged or published")
                    .containsExactly("run_id=2026-12-01T02%3A00%3A00Z");
        }
        try (Connection c = POSTGRES.connect();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT (SELECT count(*) FROM tier_predictions WHERE run_id = 'refused'),"
                                + " (SELECT count(*) FROM pg_tables WHERE tablename LIKE '%staging%')")) {
            rs.next();
            assertThat(rs.getInt(1)).as("rows of the refused run").isZero();
            assertThat(rs.getInt(2)).as("staging tables left").isZero();
        }
    }
}
