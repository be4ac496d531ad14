package io.inferfn.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import io.inferfn.localstack.FunctionProcess;
import io.inferfn.localstack.LocalPostgres;
import io.inferfn.localstack.LocalRedis;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxModel;
import io.inferfn.model.OnnxOptions;
import io.inferfn.models.ChurnData;

/**
 * The nightly job, end to end: N generated customers in a real PostgreSQL table, batch-score (its
 * packaged jar, its own process) scores them with the int8 churn model into a predictions table;
 * then the limit in the same run: ONNX Runtime alone on the same model and batch size.
 */
@Command(
        name = "batch",
        mixinStandardHelpOptions = true,
        description = "Batch scoring throughput: PostgreSQL -> model -> PostgreSQL, and the ORT-only limit.")
final class BenchBatch implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParentCommand
    BenchCommand bench;

    @Option(names = "--rows", description = "customer rows (default: ${DEFAULT-VALUE})", defaultValue = "5000000")
    long rows;

    @Option(
            names = "--shards",
            description = "concurrent runBatch invocations sharing the run (default: ${DEFAULT-VALUE})",
            defaultValue = "1")
    int shards;

    @Option(names = "--port", description = "batch-score HTTP port (default: ${DEFAULT-VALUE})", defaultValue = "18182")
    int port;

    @Option(
            names = "--batch-rows",
            description = "rows per ORT call (default: ${DEFAULT-VALUE})",
            defaultValue = "1024")
    int batchRows;

    @Option(
            names = "--iceberg",
            description = "also score the same rows into an Iceberg table (JDBC catalog in the same PostgreSQL, a local"
                    + " warehouse), in the same run, after the PostgreSQL sink")
    boolean iceberg;

    /** What one run (all its shards) did. */
    private record Run(long scored, double seconds, long scoringMillis) {}

    @Override
    public Integer call() throws Exception {
        Path home = bench.parent.home.toAbsolutePath().normalize();
        Path jar = home.resolve("functions/batch-score/target/quarkus-app/quarkus-run.jar");
        Path work = home.resolve(".inferfn/bench");
        Path data = work.resolve("postgres");
        ChurnTable.deleteTree(data);
        Path warehouse = work.resolve("iceberg");
        ChurnTable.deleteTree(warehouse);
        Files.createDirectories(work);
        try (LocalPostgres pg = LocalPostgres.onPort(0, data);
                LocalRedis redis = LocalRedis.onPort(0, line -> {})) {
            pg.start();
            redis.start();
            long t0 = System.nanoTime();
            ChurnTable.generate(pg, "bench_customers", rows);
            System.out.printf(
                    Locale.ROOT,
                    "source     %,d generated customers (20 features each) in table bench_customers: %.1f s to load%n",
                    rows,
                    (System.nanoTime() - t0) / 1e9);
            // --iceberg: the payload names the Iceberg sink (container build), in the same database's JDBC catalog
            Map<String, String> icebergEnv = Map.of(
                    "INFERFN_BATCH_ALLOW_OVERRIDES",
                    Boolean.toString(iceberg),
                    "INFERFN_BATCH_OVERRIDES_TABLES",
                    "bench.",
                    "INFERFN_BATCH_ICEBERG_WAREHOUSE",
                    "file:" + warehouse);
            try (FunctionProcess fn = FunctionProcess.startReady(
                    "batch-score",
                    jar,
                    port,
                    with(
                            icebergEnv,
                            Map.of(
                                    "QUARKUS_DATASOURCE_JDBC_URL",
                                    pg.jdbcUrl(),
                                    "QUARKUS_REDIS_HOSTS",
                                    redis.uri(),
                                    "INFERFN_MODEL_LOCATIONS",
                                    "file:" + home.resolve("models/churn/2"),
                                    "INFERFN_BATCH_SOURCE",
                                    "table:bench_customers",
                                    "INFERFN_BATCH_SINK",
                                    "table:bench_predictions",
                                    "INFERFN_BATCH_BATCH_ROWS",
                                    Integer.toString(batchRows),
                                    "INFERFN_AUTH_ENABLED",
                                    "false",
                                    // every shard at once (two connections each), not 429 past the default of 4
                                    "INFERFN_BATCH_MAX_CONCURRENT_RUNS",
                                    Integer.toString(Math.max(4, shards)),
                                    "QUARKUS_DATASOURCE_JDBC_MAX_SIZE",
                                    Integer.toString(Math.max(8, 2 * shards)))),
                    work,
                    List.of("-Xmx1g"))) {
                HttpClient http = HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(2))
                        .build();
                Run pgRun = runAll(http, null);
                if (pgRun == null) {
                    return 1;
                }
                long scored = pgRun.scored();
                long scoringMillis = pgRun.scoringMillis();
                Run iceRun = iceberg ? runAll(http, "iceberg:bench.predictions") : null;
                if (iceberg && iceRun == null) {
                    return 1;
                }
                long iceWritten = iceberg ? IcebergCount.totalRecords(pg, "bench", "predictions") : rows;
                if (iceberg) {
                    System.out.printf(
                            Locale.ROOT, "iceberg    %,d rows in bench.predictions's current snapshot%n", iceWritten);
                }
                double seconds = pgRun.seconds();
                long written = count(pg, "SELECT count(*) FROM bench_predictions WHERE run_id = 'bench'");
                double endToEnd = scored / seconds;
                double limit = ortLimit(home.resolve("models/churn/2"), batchRows);
                System.out.printf(
                        Locale.ROOT,
                        "end to end %,d rows PostgreSQL -> churn int8 -> PostgreSQL in %.1f s: %,.0f rows/s (%,d rows"
                                + " in the predictions table; %d shard%s; scoring incl. feature assembly %.1f s of it)%n",
                        scored,
                        seconds,
                        endToEnd,
                        written,
                        shards,
                        shards == 1 ? "" : "s",
                        scoringMillis / 1000.0);
                System.out.printf(
                        Locale.ROOT,
                        "limit      ONNX Runtime alone, same model, batches of %d, one thread: %,.0f rows/s%n"
                                + "ratio      end to end / limit = %.3f%n",
                        batchRows,
                        limit,
                        endToEnd / limit);
                if (iceRun != null) {
                    System.out.printf(
                            Locale.ROOT,
                            "iceberg    %,d rows PostgreSQL -> churn int8 -> Iceberg (JDBC catalog, local warehouse) in"
                                    + " %.1f s: %,.0f rows/s (scoring incl. feature assembly %.1f s of it)%n",
                            iceRun.scored(),
                            iceRun.seconds(),
                            iceRun.scored() / iceRun.seconds(),
                            iceRun.scoringMillis() / 1000.0);
                }
                long rss = fn.rssMib();
                System.out.printf("           batch-score RSS %d MiB; log %s%n", rss, home.relativize(fn.log()));
                System.out.printf(
                        Locale.ROOT,
                        "%n| measure | result |%n|---|---|%n"
                                + "| end to end, %,d rows PostgreSQL -> churn int8 -> PostgreSQL, %d shard(s) | **%.1f s,"
                                + " %,.0f rows/s** |%n"
                                + "| scoring inside it (feature assembly + ORT) | %.1f s |%n"
                                + "| ONNX Runtime alone, batches of %d, one thread | %,.0f rows/s |%n"
                                + "| end to end / ORT limit | %.3f |%n"
                                + "| batch-score RSS | %d MiB |%n",
                        scored,
                        shards,
                        seconds,
                        endToEnd,
                        scoringMillis / 1000.0,
                        batchRows,
                        limit,
                        endToEnd / limit,
                        rss);
                if (iceRun != null) {
                    System.out.printf(
                            Locale.ROOT,
                            "| the same rows into Iceberg (JDBC catalog, local warehouse), same process | **%.1f s,"
                                    + " %,.0f rows/s** |%n",
                            iceRun.seconds(),
                            iceRun.scored() / iceRun.seconds());
                }
                return written == rows && (iceRun == null || iceRun.scored() == scored && iceWritten == rows) ? 0 : 1;
            }
        }
    }

    private static Map<String, String> with(Map<String, String> extra, Map<String, String> env) {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.putAll(extra);
        return all;
    }

    /** Runs every shard of run "bench" at once into {@code sink} (null: the configured one); null when one failed. */
    private Run runAll(HttpClient http, String sink) throws Exception {
        long start = System.nanoTime();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            String body = "{\"runId\": \"bench\", \"shardIndex\": " + i + ", \"shardCount\": " + shards
                    + (sink == null ? "" : ", \"sink\": \"" + sink + "\"") + "}";
            calls.add(http.sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/runBatch"))
                            .header("content-type", "application/json")
                            .timeout(Duration.ofMinutes(30))
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        long scored = 0;
        long scoringMillis = 0;
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> response = call.join();
            if (response.statusCode() != 200) {
                System.err.println("runBatch failed: " + response.body());
                return null;
            }
            JsonNode summary = JSON.readTree(response.body());
            System.out.println("summary    " + summary);
            scored += summary.get("rowsScored").asLong();
            scoringMillis = Math.max(scoringMillis, summary.get("scoringMillis").asLong());
        }
        return new Run(scored, (System.nanoTime() - start) / 1e9, scoringMillis);
    }

    /** Rows/s of ONNX Runtime alone on the served model at the job's batch size, over realistic inputs. */
    static double ortLimit(Path modelDir, int batchRows) throws Exception {
        try (LoadedModel model = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + modelDir)) {
            OnnxModel onnx = model.onnx();
            SplittableRandom random = new SplittableRandom(7);
            int width = ChurnData.WIDTH;
            float[] inputs = new float[batchRows * width * 16];
            for (int r = 0; r < batchRows * 16; r++) {
                double[] x = ChurnData.features(ChurnData.customer(ChurnData.id(r), random));
                for (int j = 0; j < width; j++) {
                    inputs[r * width + j] = (float) x[j];
                }
            }
            long calls = 0;
            long deadline = System.nanoTime() + 3_000_000_000L; // 1 s warm-up, then measure 3 s
            for (long warm = System.nanoTime() + 1_000_000_000L; System.nanoTime() < warm; ) {
                run(onnx, inputs, (int) (calls++ % 16), batchRows);
            }
            calls = 0;
            long start = System.nanoTime();
            while (System.nanoTime() < start + 3_000_000_000L) {
                run(onnx, inputs, (int) (calls++ % 16), batchRows);
            }
            return calls * (double) batchRows / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static void run(OnnxModel onnx, float[] inputs, int slice, int batchRows) throws Exception {
        try (OnnxModel.Run run = onnx.begin(batchRows)) {
            FloatBuffer in = run.input();
            in.put(inputs, slice * batchRows * ChurnData.WIDTH, batchRows * ChurnData.WIDTH);
            run.execute();
        }
    }

    private static long count(LocalPostgres pg, String sql) throws Exception {
        try (var c = pg.connect();
                var st = c.createStatement();
                var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
