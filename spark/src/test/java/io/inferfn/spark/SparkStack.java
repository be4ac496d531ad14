package io.inferfn.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.SparkSession;
import redis.clients.jedis.Jedis;

import io.inferfn.localstack.LocalPostgres;
import io.inferfn.localstack.LocalRedis;

/**
 * What the job's tests run against, started once per test JVM and stopped at its exit: a real Redis and a real
 * PostgreSQL from the local stack, and Spark in {@code local[2]} with the Iceberg catalog {@code inferfn} on the JDBC
 * catalog in that PostgreSQL, its warehouse in a temporary directory.
 */
final class SparkStack {

    static final LocalRedis REDIS;
    static final LocalPostgres POSTGRES;
    static final Path WAREHOUSE;
    static final SparkSession SPARK;

    static {
        REDIS = LocalRedis.startOnFreePort();
        POSTGRES = LocalPostgres.startOnFreePort();
        try {
            WAREHOUSE = Files.createTempDirectory("inferfn-warehouse");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SPARK = SparkSession.builder()
                .master("local[2]")
                .appName("inferfn-spark-tests")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.sql.catalog.inferfn", "org.apache.iceberg.spark.SparkCatalog")
                .config("spark.sql.catalog.inferfn.catalog-impl", "org.apache.iceberg.jdbc.JdbcCatalog")
                .config("spark.sql.catalog.inferfn.uri", POSTGRES.jdbcUrl())
                .config("spark.sql.catalog.inferfn.jdbc.user", LocalPostgres.USER)
                .config("spark.sql.catalog.inferfn.jdbc.password", "")
                .config("spark.sql.catalog.inferfn.warehouse", WAREHOUSE.toUri().toString())
                .getOrCreate();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            SPARK.stop();
            REDIS.close();
            POSTGRES.close();
        }));
    }

    private SparkStack() {}

    /** {@code redis://127.0.0.1:<port>} of the test Redis. */
    static String redisUri() {
        return "redis://127.0.0.1:" + REDIS.port();
    }

    /** Stores {@code hashes} (key to fields) in the test Redis. */
    static void hset(Map<String, Map<String, String>> hashes) {
        try (Jedis jedis = new Jedis(java.net.URI.create(redisUri()))) {
            hashes.forEach(jedis::hset);
        }
    }

    /** The arguments of a job run, with the defaults of the command line. */
    static JobArgs args(String model, String source, String sink, String runId, String entityColumn, String redis) {
        return JobArgs.parse(
                command(model, source, sink, runId, entityColumn, redis), key -> java.util.Optional.empty());
    }

    static String[] command(String model, String source, String sink, String runId, String entityColumn, String redis) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "--model",
                model,
                "--source",
                source,
                "--sink",
                sink,
                "--run-id",
                runId,
                "--entity-column",
                entityColumn,
                "--jdbc-url",
                POSTGRES.jdbcUrl(),
                "--jdbc-user",
                LocalPostgres.USER));
        if (redis != null) {
            args.addAll(List.of("--redis", redis));
        }
        return args.toArray(String[]::new);
    }
}
