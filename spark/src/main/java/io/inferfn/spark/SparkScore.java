package io.inferfn.spark;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.inferfn.model.FeatureSpec;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelManifest.FeatureType;
import io.inferfn.scoring.InvalidRequestException;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * The nightly batch run past one machine: reads a source DataFrame (Iceberg, Parquet, JDBC), scores it with the batch
 * core on the executors ({@link PartitionScorer}: one ORT session per executor, batches of 1,024, one pipelined Redis
 * read per batch), and replaces the run's rows in the sink ({@link RunOutputs}). Prints the run's summary as one JSON
 * line. Arguments: {@link JobArgs#USAGE}.
 */
public final class SparkScore {

    private static final Logger LOG = LoggerFactory.getLogger(SparkScore.class);

    /** Applied to the predictions before they are written, in tests only (a fault mid-write); null otherwise. */
    static volatile UnaryOperator<Dataset<Row>> beforeWriteForTests;

    private SparkScore() {}

    /**
     * What a run did.
     *
     * @param rows rows read from the source
     * @param scored rows predicted (written to the predictions table)
     * @param rejected rows rejected (written to the rejects table, with the reason)
     * @param degraded predictions made with a default for a missing feature
     */
    public record Summary(
            String runId,
            String model,
            String modelVersion,
            String source,
            String sink,
            long rows,
            long scored,
            long rejected,
            long degraded,
            long millis,
            double rowsPerSecond) {}

    public static void main(String[] args) {
        JobArgs job;
        SparkConf conf = new SparkConf();
        try {
            job = JobArgs.parse(args, settings(conf));
        } catch (IllegalArgumentException e) {
            System.err.println("inferfn-spark: " + e.getMessage());
            System.err.println(JobArgs.USAGE);
            System.exit(2);
            return;
        }
        SparkSession spark = SparkSession.builder()
                .appName("inferfn " + job.runId())
                .config(conf)
                .getOrCreate();
        try {
            Summary summary = run(spark, job);
            System.out.println(new ObjectMapper().writeValueAsString(summary));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } finally {
            spark.stop();
        }
    }

    /** Spark conf ({@code spark.<key>}) then the environment, by key. */
    static Function<String, Optional<String>> settings(SparkConf conf) {
        return key -> {
            if (conf.contains(key)) {
                return Optional.of(conf.get(key));
            }
            if (conf.contains("spark." + key)) {
                return Optional.of(conf.get("spark." + key));
            }
            return Optional.ofNullable(System.getenv(key));
        };
    }

    /**
     * Runs {@code job} on {@code spark}.
     *
     * @throws IllegalArgumentException for a source, column or option that cannot be used, before anything is written
     * @throws InvalidRequestException when more rows than {@code --max-rejects} are rejected; nothing is written
     */
    public static Summary run(SparkSession spark, JobArgs job) {
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        ModelShipment shipment =
                ModelShipment.read(job.model(), settings(spark.sparkContext().getConf()));
        LoadedModel model = shipment.load();
        if (model.text() != null) {
            throw new IllegalArgumentException("model " + model.name() + " " + model.version() + " is a text model;"
                    + " the Spark job does not score text models yet: score its text column with batch-score's"
                    + " container build (functions/batch-score, README \"Text models\")");
        }
        Dataset<Row> source = read(spark, job);

        String[] names = source.schema().fieldNames();
        int entityIndex = -1;
        List<String> columns = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        List<FeatureType> types = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            if (entityIndex < 0 && names[i].equalsIgnoreCase(job.entityColumn())) {
                entityIndex = i;
            } else if (model.suppliedType(names[i]) != null) {
                columns.add(names[i]);
                indexes.add(i);
                types.add(model.suppliedType(names[i]));
            }
        }
        if (entityIndex < 0) {
            throw new IllegalArgumentException(job.source() + " has no column '" + job.entityColumn()
                    + "' (it has " + String.join(", ", names) + "); give --entity-column <the column holding the"
                    + " entity id>");
        }
        requireStore(model, job, columns);
        LOG.info(
                "{}: scoring {} with {} {} into {}; columns {}",
                job.runId(),
                job.source(),
                model.name(),
                model.version(),
                job.sink(),
                columns);

        Broadcast<ModelShipment> shipped =
                JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(shipment);
        // enough rejects to decide --max-rejects and to write them all when the run passes
        RunTally tally = new RunTally((int) Math.min(job.maxRejects() + 1, Integer.MAX_VALUE - 8));
        spark.sparkContext().register(tally); // unnamed: Spark's UI would print named values on every task
        PartitionScorer scorer = new PartitionScorer(
                shipped,
                entityIndex,
                columns.toArray(String[]::new),
                indexes.stream().mapToInt(Integer::intValue).toArray(),
                types.toArray(FeatureType[]::new),
                job.redis(),
                job.redisTimeoutMillis(),
                job.batchSize(),
                tally);
        LocalDate runDate = LocalDate.ofInstant(started, ZoneOffset.UTC);
        Column runId = lit(job.runId());
        // one pass: the rows are scored while the predictions are written where readers do not see them yet; the
        // rejects, counted on the way, decide whether that write is published
        Dataset<Row> predictions = source.mapPartitions(scorer, Encoders.row(PartitionScorer.SCHEMA))
                .select(
                        runId.as("run_id"),
                        lit(runDate).as("run_date"),
                        lit(0).as("shard"),
                        col("entity_id"),
                        lit(model.name()).as("model"),
                        lit(model.version()).as("model_version"),
                        col("score"),
                        col("label"),
                        col("probabilities"),
                        lit(null).cast(TableContract.EMBEDDING).as("embedding"),
                        col("stages"),
                        col("degraded"),
                        col("missing_features"),
                        lit(started).as("scored_at"));
        UnaryOperator<Dataset<Row>> fault = beforeWriteForTests;
        if (fault != null) {
            predictions = fault.apply(predictions);
        }
        try {
            RunOutputs.Staged staged = RunOutputs.stage(spark, job, predictions);
            RunTally.Totals totals = tally.value();
            long rows = totals.rows();
            long rejected = totals.rejected();
            long degraded = totals.degraded();
            if (rejected > job.maxRejects()) {
                staged.discard();
                RunTally.Reject one = totals.rejects().get(0);
                throw new InvalidRequestException("run " + job.runId() + ": " + rejected + " rows rejected, more than"
                        + " --max-rejects " + job.maxRejects() + "; nothing written. One of them: "
                        + (one.entityId() == null ? "a row without an id" : one.entityId()) + ": " + one.reason()
                        + "; check the source against the model's features, or raise --max-rejects");
            }
            List<Row> rejectRows = new ArrayList<>(totals.rejects().size());
            for (RunTally.Reject r : totals.rejects()) {
                rejectRows.add(RowFactory.create(
                        job.runId(),
                        java.sql.Date.valueOf(runDate),
                        0,
                        r.entityId(),
                        r.reason() == null ? "" : r.reason(),
                        r.rowData(),
                        java.sql.Timestamp.from(started)));
            }
            staged.publish(spark.createDataFrame(rejectRows, TableContract.REJECTS));
            long millis = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
            Summary summary = new Summary(
                    job.runId(),
                    model.name(),
                    model.version(),
                    job.source().toString(),
                    job.sink().toString(),
                    rows,
                    rows - rejected,
                    rejected,
                    degraded,
                    millis,
                    Math.round(rows * 10_000.0 / millis) / 10.0);
            LOG.info(String.format(
                    Locale.ROOT,
                    "%s: %,d rows, %,d scored, %,d rejected in %,d ms (%,.0f rows/s)",
                    job.runId(),
                    rows,
                    rows - rejected,
                    rejected,
                    millis,
                    summary.rowsPerSecond()));
            return summary;
        } finally {
            shipped.destroy();
        }
    }

    private static Dataset<Row> read(SparkSession spark, JobArgs job) {
        TableSpec source = job.source();
        if (source instanceof TableSpec.IcebergTable t) {
            return spark.table(t.qualified(job.catalog()));
        }
        if (source instanceof TableSpec.ParquetPath p) {
            return spark.read().parquet(p.path());
        }
        TableSpec.JdbcTable j = (TableSpec.JdbcTable) source;
        var reader = spark.read()
                .format("jdbc")
                .option("url", job.jdbc().url())
                .option("dbtable", j.dbtable())
                .option("fetchsize", 10_000);
        if (job.jdbc().user() != null) {
            reader = reader.option("user", job.jdbc().user());
        }
        if (job.jdbc().password() != null) {
            reader = reader.option("password", job.jdbc().password());
        }
        return reader.load();
    }

    /**
     * A model that reads the online store needs {@code --redis}, unless the source supplies every store feature as a
     * column (a trusted source may): without either, every row would be scored on defaults.
     */
    private static void requireStore(LoadedModel model, JobArgs job, List<String> columns) {
        if (job.redis() != null) {
            return;
        }
        List<String> missing = new ArrayList<>();
        for (FeatureSpec f : model.manifest().features()) {
            if (f instanceof FeatureSpec.Store s && !columns.contains(s.name())) {
                missing.add(s.name());
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("model " + model.name() + " " + model.version()
                    + " reads " + String.join(", ", missing) + " from the online store, and " + job.source()
                    + " has no such columns; give --redis redis://host:port");
        }
    }
}
