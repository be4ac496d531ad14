package io.inferfn.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import io.inferfn.localstack.FunctionProcess;
import io.inferfn.localstack.LocalPostgres;
import io.inferfn.localstack.LocalRedis;

/**
 * The nightly job past one machine, on one machine: N generated customers (20 features each) in one
 * Parquet file, scored with the int8 churn model into Iceberg tables (JDBC catalog on a real
 * PostgreSQL, warehouse on local disk) by the Spark job in {@code local[n]} and by batch-score, in
 * one run, beside ONNX Runtime alone on the same model and batches.
 */
@Command(
        name = "spark",
        mixinStandardHelpOptions = true,
        description =
                "Parquet -> churn int8 -> Iceberg: the Spark job (local[n]) beside batch-score and the ORT limit.")
final class BenchSpark implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParentCommand
    BenchCommand bench;

    @Option(names = "--rows", description = "customer rows (default: ${DEFAULT-VALUE})", defaultValue = "20000000")
    long rows;

    @Option(names = "--cores", description = "Spark's local[n] (default: ${DEFAULT-VALUE})", defaultValue = "2")
    int cores;

    @Option(
            names = "--batch-rows",
            description = "rows per ORT call, both jobs (default: ${DEFAULT-VALUE})",
            defaultValue = "1024")
    int batchRows;

    @Option(names = "--port", description = "batch-score HTTP port (default: ${DEFAULT-VALUE})", defaultValue = "18183")
    int port;

    @Option(names = "--skip-batch-score", description = "time the Spark job and the ORT limit only")
    boolean skipBatchScore;

    @Option(names = "--jfr", description = "record the Spark job's JVM with Java Flight Recorder to this file")
    Path jfr;

    @Override
    public Integer call() throws Exception {
        Path home = bench.parent.home.toAbsolutePath().normalize();
        Path work = home.resolve(".inferfn/bench/spark");
        Path classpath = home.resolve("spark/target/spark-classpath.txt");
        Path jobClasses = home.resolve("spark/target/classes");
        if (!Files.isRegularFile(classpath) || !Files.isDirectory(jobClasses)) {
            System.err.println("the Spark job is not built: ./mvnw -B package -DskipTests -pl spark -am");
            return 1;
        }
        Files.createDirectories(work);
        Path data = work.resolve("churn-" + rows + ".parquet");
        if (!Files.isRegularFile(data)) {
            long t0 = System.nanoTime();
            ChurnParquet.write(data, rows);
            System.out.printf(
                    Locale.ROOT,
                    "source     %,d generated customers (20 features each) written to %s (%,d bytes) in %.1f s%n",
                    rows,
                    home.relativize(data),
                    Files.size(data),
                    (System.nanoTime() - t0) / 1e9);
        } else {
            System.out.printf(
                    Locale.ROOT, "source     %s (%,d bytes, reused)%n", home.relativize(data), Files.size(data));
        }
        Path warehouse = work.resolve("warehouse");
        ChurnTable.deleteTree(warehouse);
        Path pgData = work.resolve("postgres");
        ChurnTable.deleteTree(pgData);
        double limit = BenchBatch.ortLimit(home.resolve("models/churn/2"), batchRows);
        System.out.printf(
                Locale.ROOT,
                "limit      ONNX Runtime alone, batches of %d, one thread: %,.0f rows/s%n",
                batchRows,
                limit);
        try (LocalPostgres pg = LocalPostgres.onPort(0, pgData);
                LocalRedis redis = LocalRedis.onPort(0, line -> {})) {
            pg.start();
            redis.start();
            Result spark = spark(home, work, classpath, jobClasses, data, warehouse, pg);
            long sparkRows = IcebergCount.totalRecords(pg, "bench", "churn_predictions_spark");
            System.out.printf(Locale.ROOT, "           %,d rows in bench.churn_predictions_spark%n", sparkRows);
            Result batch = skipBatchScore ? null : batchScore(home, work, data, warehouse, pg, redis);
            long batchRowsWritten = skipBatchScore ? rows : IcebergCount.totalRecords(pg, "bench", "churn_predictions");
            if (!skipBatchScore) {
                System.out.printf(Locale.ROOT, "           %,d rows in bench.churn_predictions%n", batchRowsWritten);
            }
            System.out.printf(
                    Locale.ROOT,
                    "%n| %,d rows x 20 features, Parquet -> churn int8 -> Iceberg (JDBC catalog, local disk) | seconds |"
                            + " rows/s | / ORT limit |%n|---|---|---|---|%n",
                    rows);
            System.out.printf(
                    Locale.ROOT, "| ONNX Runtime alone, batches of %d, one thread | | %,.0f | 1 |%n", batchRows, limit);
            spark.row(limit);
            if (batch != null) {
                batch.row(limit);
                System.out.printf(
                        Locale.ROOT,
                        "%nSpark local[%d] / batch-score = %.2f (end to end)%n",
                        cores,
                        spark.rowsPerSecond() / batch.rowsPerSecond());
            }
            return sparkRows == rows && batchRowsWritten == rows ? 0 : 1;
        }
    }

    /** One contender's end-to-end time. */
    record Result(String name, long rows, double seconds, String detail) {

        double rowsPerSecond() {
            return rows / seconds;
        }

        void row(double limit) {
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %.1f | %,.0f | %.3f |%n",
                    name + (detail.isEmpty() ? "" : " (" + detail + ")"),
                    seconds,
                    rowsPerSecond(),
                    rowsPerSecond() / limit);
        }
    }

    private Result spark(
            Path home, Path work, Path classpath, Path jobClasses, Path data, Path warehouse, LocalPostgres pg)
            throws Exception {
        Path args = work.resolve("spark-java.args");
        // the class path through an argument file: ONNX Runtime's Java binding crashes the JVM when the
        // command line itself is long (README "Spark")
        Files.writeString(
                args,
                "-cp \"" + jobClasses + ":" + Files.readString(classpath).trim() + "\"\n",
                StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx6g",
                "-XX:+IgnoreUnrecognizedVMOptions",
                "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
                "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                "--add-opens=java.base/java.io=ALL-UNNAMED",
                "--add-opens=java.base/java.net=ALL-UNNAMED",
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "--add-opens=java.base/java.util=ALL-UNNAMED",
                "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
                "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
                "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
                "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
                "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
                "-Djdk.reflect.useDirectMethodHandle=false",
                "-Dio.netty.tryReflectionSetAccessible=true",
                jfr == null
                        ? "-Dinferfn.bench.jfr=off"
                        : "-XX:StartFlightRecording=settings=profile,filename=" + jfr.toAbsolutePath(),
                "-Dspark.master=local[" + cores + "]",
                "-Dspark.app.name=inferfn-bench-spark",
                "-Dspark.ui.enabled=false",
                "-Dspark.driver.host=127.0.0.1",
                "-Dspark.sql.catalog.inferfn=org.apache.iceberg.spark.SparkCatalog",
                "-Dspark.sql.catalog.inferfn.catalog-impl=org.apache.iceberg.jdbc.JdbcCatalog",
                "-Dspark.sql.catalog.inferfn.uri=" + pg.jdbcUrl(),
                "-Dspark.sql.catalog.inferfn.jdbc.user=" + LocalPostgres.USER,
                "-Dspark.sql.catalog.inferfn.jdbc.password=",
                "-Dspark.sql.catalog.inferfn.warehouse=" + warehouse.toUri(),
                "@" + args,
                "io.inferfn.spark.SparkScore",
                "--model",
                home.resolve("models/churn/2").toString(),
                "--source",
                "parquet:" + data,
                "--sink",
                "iceberg:bench.churn_predictions_spark",
                "--run-id",
                "bench",
                "--batch-size",
                Integer.toString(batchRows)));
        Path log = work.resolve("spark.log");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(2, TimeUnit.HOURS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("the Spark job failed; see " + log);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        JsonNode summary = null;
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("{\"runId\"")) {
                summary = JSON.readTree(line);
            }
        }
        if (summary == null) {
            throw new IllegalStateException("the Spark job printed no summary; see " + log);
        }
        double jobSeconds = summary.get("millis").asLong() / 1000.0;
        System.out.printf(
                Locale.ROOT,
                "spark      %.1f s from process start to exit, %.1f s of it the run; %s; log %s%n",
                seconds,
                jobSeconds,
                summary,
                home.relativize(log));
        return new Result(
                "Spark job, local[" + cores + "]",
                summary.get("scored").asLong(),
                jobSeconds,
                String.format(Locale.ROOT, "run in the session; %.1f s with JVM and Spark start", seconds));
    }

    private Result batchScore(Path home, Path work, Path data, Path warehouse, LocalPostgres pg, LocalRedis redis)
            throws Exception {
        Path jar = home.resolve("functions/batch-score/target/quarkus-app/quarkus-run.jar");
        try (FunctionProcess fn = FunctionProcess.startReady(
                "batch-score",
                jar,
                port,
                Map.ofEntries(
                        Map.entry("QUARKUS_DATASOURCE_JDBC_URL", pg.jdbcUrl()),
                        Map.entry("QUARKUS_REDIS_HOSTS", redis.uri()),
                        Map.entry("INFERFN_MODEL_LOCATIONS", "file:" + home.resolve("models/churn/2")),
                        Map.entry("INFERFN_BATCH_SOURCE", "file:" + data),
                        Map.entry("INFERFN_BATCH_SINK", "iceberg:bench.churn_predictions"),
                        Map.entry(
                                "INFERFN_BATCH_ICEBERG_WAREHOUSE",
                                warehouse.toUri().toString()),
                        Map.entry("INFERFN_BATCH_BATCH_ROWS", Integer.toString(batchRows)),
                        Map.entry("INFERFN_AUTH_ENABLED", "false")),
                work,
                List.of("-Xmx2g"))) {
            HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
            long start = System.nanoTime();
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/runBatch"))
                            .header("content-type", "application/json")
                            .timeout(Duration.ofHours(2))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"runId\": \"bench\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            double seconds = (System.nanoTime() - start) / 1e9;
            if (response.statusCode() != 200) {
                throw new IllegalStateException("runBatch failed: " + response.body());
            }
            JsonNode summary = JSON.readTree(response.body());
            System.out.printf(Locale.ROOT, "batch-score %.1f s; %s; RSS %d MiB%n", seconds, summary, fn.rssMib());
            return new Result(
                    "batch-score, one invocation",
                    summary.get("rowsScored").asLong(),
                    seconds,
                    String.format(
                            Locale.ROOT,
                            "scoring %.1f s of it",
                            summary.get("scoringMillis").asLong() / 1000.0));
        }
    }
}
