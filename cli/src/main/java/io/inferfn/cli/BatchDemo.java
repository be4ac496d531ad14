package io.inferfn.cli;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vertx.core.Vertx;

import io.inferfn.localstack.FunctionProcess;
import io.inferfn.localstack.LocalPostgres;
import io.inferfn.localstack.LocalRedis;
import io.inferfn.localstack.RedisHashes;

/**
 * The demo's scheduled-scoring part: a real PostgreSQL with the demo customers table, their
 * product-usage features in Redis, batch-score on its own port, one run triggered as the scheduler
 * would, its summary and the top of the predictions table. Then the same customers through a
 * second batch-score serving the retention-offer model (XGBoost trees, four classes) into
 * {@code retention_offers}, with each row's class probabilities.
 */
final class BatchDemo implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final LocalPostgres pg;
    private FunctionProcess function;
    private FunctionProcess offers;

    private BatchDemo(LocalPostgres pg) {
        this.pg = pg;
    }

    static BatchDemo start(Path home, LocalRedis redis, Vertx vertx, int pgPort, String host, int port)
            throws Exception {
        Path data = home.resolve(".inferfn/demo-postgres");
        ChurnTable.deleteTree(data);
        BatchDemo demo = new BatchDemo(LocalPostgres.onPort(pgPort, data));
        try {
            long t0 = System.nanoTime();
            demo.pg.start();
            int customers = ChurnTable.loadDemo(demo.pg, "customers", home.resolve("models/churn/customers.csv"));
            int activity = RedisHashes.load(vertx, redis.uri(), home.resolve("models/churn/activity.csv"), "activity:");
            System.out.printf(
                    "postgres   started on %s (zonky embedded binaries); table customers: %d rows; Redis: %d"
                            + " activity:<id> hashes; %d ms%n",
                    demo.pg.jdbcUrl(), customers, activity, (System.nanoTime() - t0) / 1_000_000);
            demo.function =
                    startFunction("batch-score", home, redis, demo.pg, host, port, "churn/2", "churn_predictions");
            String body = "{\"runId\": \"" + LocalDate.now() + "T08:00:00Z\", \"shardIndex\": 0, \"shardCount\": 1}";
            System.out.printf(
                    "function   batch-score (pid %d) on http://%s:%d; log: %s%n%n",
                    demo.function.pid(), host, port, home.relativize(demo.function.log()));
            runBatch(demo.function, body);
            demo.printTop();
            System.out.printf(
                    "Try it:%n  curl -s localhost:%d/runBatch -H 'content-type: application/json' -d '%s'%n"
                            + "  psql -h 127.0.0.1 -p %d -U postgres -c 'SELECT label, count(*) FROM churn_predictions"
                            + " GROUP BY 1'%n",
                    port, body, demo.pg.port());
            System.out.println();
            int offerPort = LocalRedis.freePort();
            demo.offers = startFunction(
                    "batch-score-offers",
                    home,
                    redis,
                    demo.pg,
                    host,
                    offerPort,
                    "retention-offer/1",
                    "retention_offers");
            System.out.printf(
                    "function   batch-score (pid %d) on http://%s:%d serving retention-offer (XGBoost trees, 4"
                            + " classes, models/README.md); log: %s%n%n",
                    demo.offers.pid(), host, offerPort, home.relativize(demo.offers.log()));
            runBatch(demo.offers, body);
            demo.printOffers();
            return demo;
        } catch (Exception | Error e) {
            demo.close();
            throw e;
        }
    }

    private static FunctionProcess startFunction(
            String name,
            Path home,
            LocalRedis redis,
            LocalPostgres pg,
            String host,
            int port,
            String model,
            String table)
            throws Exception {
        return FunctionProcess.startReady(
                name,
                home.resolve("functions/batch-score/target/quarkus-app/quarkus-run.jar"),
                port,
                Map.of(
                        "QUARKUS_DATASOURCE_JDBC_URL",
                        pg.jdbcUrl(),
                        "QUARKUS_REDIS_HOSTS",
                        redis.uri(),
                        "QUARKUS_HTTP_HOST",
                        host,
                        "INFERFN_MODEL_LOCATIONS",
                        "file:" + home.resolve("models/" + model),
                        "INFERFN_BATCH_SINK",
                        "table:" + table,
                        // the local demo, as http-predict's: no credentials (the function warns at start)
                        "INFERFN_AUTH_ENABLED",
                        "false"),
                home.resolve(".inferfn/logs"),
                List.of("-Xmx512m"));
    }

    /** One run, triggered as the scheduler would; prints the summary and fails the demo when the run fails. */
    private static void runBatch(FunctionProcess function, String body) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        System.out.printf("-> POST /runBatch   %s%n", body);
        long start = System.nanoTime();
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(function.uri("/runBatch"))
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        System.out.printf(
                Locale.ROOT,
                "<- %d in %.0f ms%n   %s%n%n",
                response.statusCode(),
                (System.nanoTime() - start) / 1e6,
                JSON.writeValueAsString(JSON.readTree(response.body())).replace("\n", "\n   "));
        if (response.statusCode() != 200) {
            throw new IllegalStateException("runBatch failed: " + response.body());
        }
    }

    /** How many customers each offer suits best, and the most confident of each. */
    private void printOffers() throws Exception {
        String sql = "SELECT label, count(*), max(score), (array_agg(entity_id ORDER BY score DESC))[1]"
                + " FROM retention_offers GROUP BY label ORDER BY count(*) DESC";
        try (Connection c = pg.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            System.out.println("   SELECT label, count(*), max(score), <most confident customer> FROM"
                    + " retention_offers GROUP BY label;");
            String top = null;
            while (rs.next()) {
                System.out.printf(
                        Locale.ROOT,
                        "   %-9s %5d  %.4f  %s%n",
                        rs.getString(1),
                        rs.getInt(2),
                        rs.getFloat(3),
                        rs.getString(4));
                top = top == null ? rs.getString(4) : top;
            }
            try (ResultSet one = st.executeQuery(
                    "SELECT probabilities::text FROM retention_offers WHERE entity_id = '" + top + "'")) {
                one.next();
                System.out.printf(
                        "   SELECT probabilities FROM retention_offers WHERE entity_id = '%s';%n   %s%n%n",
                        top, one.getString(1));
            }
        }
    }

    private void printTop() throws Exception {
        try (Connection c = pg.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT entity_id, score, label, degraded FROM churn_predictions"
                        + " ORDER BY score DESC, entity_id LIMIT 5")) {
            System.out.println("   SELECT entity_id, score, label, degraded FROM churn_predictions ORDER BY score DESC"
                    + " LIMIT 5;");
            while (rs.next()) {
                System.out.printf(
                        Locale.ROOT,
                        "   %-14s %.4f  %-6s %s%n",
                        rs.getString(1),
                        rs.getFloat(2),
                        rs.getString(3),
                        rs.getBoolean(4));
            }
            System.out.println();
        }
    }

    @Override
    public void close() {
        if (function != null) {
            function.close();
        }
        if (offers != null) {
            offers.close();
        }
        pg.stop();
    }
}
