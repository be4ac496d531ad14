package io.inferfn.spark;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import io.inferfn.batch.RunSpec;
import io.inferfn.scoring.InvalidRequestException;

/**
 * The job's command line, checked before Spark does any work. Secrets stay off it: the JDBC password comes from
 * {@code INFERFN_JDBC_PASSWORD} or the Spark conf {@code spark.inferfn.jdbc.password}.
 *
 * @param model the model directory: a path, {@code file:<dir>} or {@code s3://<bucket>/<prefix>}, optionally pinned
 *     with {@code #sha256=<hex>}
 * @param source where rows come from
 * @param sink where predictions and rejects go
 * @param runId names the run; a rerun with the same id replaces that run's rows
 * @param entityColumn the source column holding the entity id
 * @param redis the online feature store, {@code redis://host:port} (or {@code rediss://}), or null for none
 * @param redisTimeoutMillis the budget of one Redis round trip; past it the batch is scored degraded
 * @param batchSize rows per ONNX Runtime call and per pipelined Redis read
 * @param maxRejects more rejected rows than this fail the run before anything is written
 * @param catalog the Spark catalog of {@code iceberg:<namespace>.<table>} (a three-part name names its own)
 * @param jdbc the database of {@code jdbc:} sources and sinks, or null
 */
public record JobArgs(
        String model,
        TableSpec source,
        TableSpec sink,
        String runId,
        String entityColumn,
        String redis,
        int redisTimeoutMillis,
        int batchSize,
        long maxRejects,
        String catalog,
        Jdbc jdbc) {

    /** A JDBC database: URL, user and password (the password never on the command line). */
    public record Jdbc(String url, String user, String password) {}

    public static final String USAGE =
            """
            usage: spark-submit --class io.inferfn.spark.SparkScore inferfn-spark.jar \\
                     --model <dir | file:<dir> | s3://<bucket>/<prefix>>[#sha256=<hex>] \\
                     --source <iceberg:<ns>.<table> | parquet:<path> | jdbc:<table> | jdbc:(select ...)> \\
                     --sink <iceberg:<ns>.<table> | parquet:<path> | jdbc:<table>> \\
                     --run-id <id> \\
                     [--entity-column customer_id] [--redis redis://host:port] [--redis-timeout-ms 2000] \\
                     [--batch-size 1024] [--max-rejects 100000] [--catalog inferfn] \\
                     [--jdbc-url jdbc:postgresql://host/db] [--jdbc-user <user>]   (password: INFERFN_JDBC_PASSWORD)""";

    private static final List<String> OPTIONS = List.of(
            "--model",
            "--source",
            "--sink",
            "--run-id",
            "--entity-column",
            "--redis",
            "--redis-timeout-ms",
            "--batch-size",
            "--max-rejects",
            "--catalog",
            "--jdbc-url",
            "--jdbc-user");

    /**
     * Parses {@code args}.
     *
     * @param settings Spark conf and environment by key, for {@code spark.inferfn.jdbc.password} and {@code
     *     INFERFN_JDBC_PASSWORD}
     * @throws IllegalArgumentException naming the argument that is wrong and what was expected
     */
    public static JobArgs parse(String[] args, Function<String, Optional<String>> settings) {
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (!OPTIONS.contains(name)) {
                throw new IllegalArgumentException("unknown argument '" + name + "'; expected one of " + OPTIONS);
            }
            if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            if (given.put(name, args[++i]) != null) {
                throw new IllegalArgumentException(name + " is given twice");
            }
        }
        String model = required(given, "--model", "the model directory (a path, file:<dir> or s3://<bucket>/<prefix>)");
        TableSpec source = TableSpec.parse(
                "--source", required(given, "--source", "iceberg:<ns>.<table>, parquet:<path> or jdbc:<table>"), true);
        TableSpec sink = TableSpec.parse(
                "--sink", required(given, "--sink", "iceberg:<ns>.<table>, parquet:<path> or jdbc:<table>"), false);
        String runId = required(given, "--run-id", "the run's id, e.g. 2026-12-01T02:00:00Z");
        try {
            new RunSpec(runId, 0, 1, source.toString(), sink.toString()); // batch-score's rule for run ids
        } catch (InvalidRequestException e) {
            throw new IllegalArgumentException("--run-id: " + e.getMessage().replace("'runId' must", "must"));
        }
        Jdbc jdbc = null;
        if (source instanceof TableSpec.JdbcTable || sink instanceof TableSpec.JdbcTable) {
            String url = required(
                    given,
                    "--jdbc-url",
                    "the JDBC URL of jdbc: sources and sinks, e.g." + " jdbc:postgresql://host:5432/db");
            if (!url.startsWith("jdbc:")) {
                throw new IllegalArgumentException("--jdbc-url must start with jdbc:; got '" + url + "'");
            }
            String password = settings.apply("spark.inferfn.jdbc.password")
                    .or(() -> settings.apply("INFERFN_JDBC_PASSWORD"))
                    .orElse(null);
            jdbc = new Jdbc(url, given.get("--jdbc-user"), password);
        }
        String redis = given.get("--redis");
        if (redis != null && !redis.startsWith("redis://") && !redis.startsWith("rediss://")) {
            throw new IllegalArgumentException(
                    "--redis must be redis://host:port or rediss://host:port; got '" + redis + "'");
        }
        return new JobArgs(
                model,
                source,
                sink,
                runId,
                given.getOrDefault("--entity-column", "customer_id"),
                redis,
                (int) number(given, "--redis-timeout-ms", 2000, 1, 600_000),
                (int) number(given, "--batch-size", 1024, 1, 65_536),
                number(given, "--max-rejects", 100_000, 0, Long.MAX_VALUE),
                given.getOrDefault("--catalog", "inferfn"),
                jdbc);
    }

    private static String required(Map<String, String> given, String name, String expected) {
        String value = given.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required: " + expected);
        }
        return value;
    }

    private static long number(Map<String, String> given, String name, long defaultValue, long min, long max) {
        String value = given.get(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            long n = Long.parseLong(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new IllegalArgumentException(
                name + " must be a whole number from " + min + " to " + max + "; got '" + value + "'");
    }
}
