package io.inferfn.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

import io.inferfn.batch.BatchOptions;
import io.inferfn.batch.BatchRunner;
import io.inferfn.batch.RunSpec;
import io.inferfn.features.FeatureStore;
import io.inferfn.localstack.LocalPostgres;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.scoring.Scorer;
import io.inferfn.testing.ConverterGraphs;
import io.inferfn.testing.TinyModels;

import static io.inferfn.spark.SparkStack.SPARK;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job scores a row as batch-score does: for the same rows, the scores the job writes to Iceberg are bit-equal
 * (float {@code ==}, not within an ulp) to those {@link BatchRunner} writes, as are labels, degraded flags, missing
 * features and class probabilities: the churn demo model reading its activity features from Redis, and a multiclass
 * model.
 */
class SameScoresAsBatchScoreTest {

    static final String CHURN =
            Path.of("../models/churn/2").toAbsolutePath().normalize().toString();
    static final int CUSTOMERS = 600;

    @TempDir
    Path dir;

    @Test
    void theChurnModelScoresEveryCustomerAsBatchScoreDoesWithTheActivityFeaturesFromRedis() throws Exception {
        Path customers = dir.resolve("customers.csv");
        List<String> lines = Files.readAllLines(Path.of("../models/churn/customers.csv"));
        Files.write(customers, lines.subList(0, CUSTOMERS + 1));
        // the activity of all but the last ten customers: those are scored on defaults, degraded
        List<String> activity = Files.readAllLines(Path.of("../models/churn/activity.csv"));
        String[] fields = activity.get(0).split(",");
        Map<String, Map<String, String>> hashes = new HashMap<>();
        for (String line : activity.subList(1, CUSTOMERS - 9)) {
            String[] v = line.split(",");
            Map<String, String> hash = new HashMap<>();
            for (int f = 1; f < fields.length; f++) {
                hash.put(fields[f], v[f]);
            }
            hashes.put("activity:" + v[0], hash);
        }
        SparkStack.hset(hashes);
        Path parquet = dir.resolve("customers.parquet");
        SPARK.read()
                .option("header", "true")
                .option("inferSchema", "true")
                .csv(customers.toString())
                .repartition(3)
                .write()
                .parquet(parquet.toString());

        SparkScore.Summary summary = SparkScore.run(
                SPARK,
                SparkStack.args(
                        CHURN,
                        "parquet:" + parquet,
                        "iceberg:gold.churn_parity",
                        "parity-1",
                        "customer_id",
                        SparkStack.redisUri()));

        assertThat(summary.rows()).isEqualTo(CUSTOMERS);
        assertThat(summary.rejected()).isZero();
        assertThat(summary.degraded()).isEqualTo(10);
        Map<String, List<String>> batch =
                batchScore(CHURN, customers, JedisFeatureStore.shared(SparkStack.redisUri(), 2000));
        Map<String, List<String>> spark = icebergRows("inferfn.gold.churn_parity", "parity-1");
        assertThat(spark).hasSize(CUSTOMERS);
        assertThat(spark).isEqualTo(batch);
        assertThat(spark.get("cust-0000600").get(2)).as("degraded").isEqualTo("true");
        assertThat(spark.get("cust-0000600").get(3)).contains("logins_30d");
        assertThat(spark.get("cust-0000001").get(2)).as("degraded").isEqualTo("false");
    }

    static final String TIERS =
            """
            {"name": "tiers", "version": "1", "sha256": "$SHA", "quantization": "fp32",
             "inputs": [{"name": "amount", "type": "float32", "shape": [-1, 1], "features": ["amount"]},
                        {"name": "country", "type": "string", "shape": [-1, 1], "feature": "country"}],
             "features": [{"name": "amount", "source": "request"},
                          {"name": "country", "source": "request", "type": "string", "default": "US"}],
             "output": {"kind": "multiclass", "tensor": "output_probability"}}""";

    @Test
    void aMulticlassModelWritesTheClassProbabilitiesBatchScoreWrites() throws Exception {
        Path model = TinyModels.publish(ConverterGraphs.sklearnPipeline(), TIERS);
        StringBuilder csv = new StringBuilder("id,amount,country\n");
        String[] countries = {"FR", "DE", "US", ""};
        for (int i = 0; i < 200; i++) {
            csv.append("t-")
                    .append(i)
                    .append(',')
                    .append(i * 1.75)
                    .append(',')
                    .append(countries[i % 4])
                    .append('\n');
        }
        Path source = dir.resolve("tiers.csv");
        Files.writeString(source, csv);
        Path parquet = dir.resolve("tiers.parquet");
        SPARK.read()
                .option("header", "true")
                .option("inferSchema", "true")
                .csv(source.toString())
                .write()
                .parquet(parquet.toString());

        SparkScore.run(
                SPARK,
                SparkStack.args(
                        "file:" + model, "parquet:" + parquet, "iceberg:gold.tiers_parity", "tiers-1", "id", null));

        Map<String, List<String>> spark = icebergRows("inferfn.gold.tiers_parity", "tiers-1");
        assertThat(spark).hasSize(200);
        assertThat(spark).isEqualTo(batchScore("file:" + model, source, FeatureStore.EMPTY));
        assertThat(spark.get("t-1").get(4)).as("probabilities").contains("bronze=", "gold=", "silver=");
    }

    /**
     * What batch-score writes for {@code csv}'s rows, by entity: score, label, degraded, missing features and class
     * probabilities, into a PostgreSQL table (its CSV sink is not used here: under Spark's Jackson 2.18 it writes a
     * null cell out of place).
     */
    static Map<String, List<String>> batchScore(String modelLocation, Path csv, FeatureStore store) throws Exception {
        String location = modelLocation.startsWith("file:") ? modelLocation : "file:" + modelLocation;
        String entity = csv.getFileName().toString().startsWith("tiers") ? "id" : "customer_id";
        String table = "batch_" + entity + "_" + System.nanoTime();
        PGSimpleDataSource db = new PGSimpleDataSource();
        db.setUrl(SparkStack.POSTGRES.jdbcUrl());
        db.setUser(LocalPostgres.USER);
        try (LoadedModel model = ModelRegistry.local(OnnxOptions.DEFAULTS).load(location)) {
            new BatchRunner(
                            new Scorer(store),
                            db,
                            new BatchOptions(entity, 1024, 1000, Duration.ofMinutes(1), 1000, Duration.ZERO))
                    .run(model, new RunSpec("batch-1", 0, 1, "file:" + csv, "table:" + table));
        }
        Map<String, List<String>> rows = new HashMap<>();
        ObjectMapper json = new ObjectMapper();
        try (Connection c = db.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT entity_id, score, label, degraded, missing_features,"
                        + " probabilities::text FROM " + table)) {
            while (rs.next()) {
                Map<String, Float> probabilities = null;
                if (rs.getString(6) != null) {
                    probabilities = new LinkedHashMap<>();
                    for (var e : json.readTree(rs.getString(6)).properties()) {
                        probabilities.put(e.getKey(), e.getValue().floatValue());
                    }
                }
                rows.put(
                        rs.getString(1),
                        row(rs.getFloat(2), rs.getString(3), rs.getBoolean(4), rs.getString(5), probabilities));
            }
        }
        return rows;
    }

    /** What the job wrote for run {@code runId}, read back by Spark SQL through the Iceberg catalog. */
    static Map<String, List<String>> icebergRows(String table, String runId) {
        Map<String, List<String>> rows = new HashMap<>();
        for (Row r : SPARK.sql("SELECT entity_id, score, label, degraded, missing_features, probabilities FROM " + table
                        + " WHERE run_id = '" + runId + "'")
                .collectAsList()) {
            Map<String, Float> probabilities = null;
            if (!r.isNullAt(5)) {
                probabilities = new LinkedHashMap<>(r.getJavaMap(5));
            }
            List<String> previous = rows.put(
                    r.getString(0), row(r.getFloat(1), r.getString(2), r.getBoolean(3), r.getString(4), probabilities));
            assertThat(previous).as("rows of %s", r.getString(0)).isNull();
        }
        return rows;
    }

    private static List<String> row(float score, String label, boolean degraded, String missing, Map<String, Float> p) {
        List<String> row = new ArrayList<>();
        row.add(Integer.toHexString(Float.floatToIntBits(score))); // bit-exact
        row.add(label);
        row.add(Boolean.toString(degraded));
        row.add(missing);
        row.add(p == null ? null : new java.util.TreeMap<>(p).toString());
        return row;
    }
}
