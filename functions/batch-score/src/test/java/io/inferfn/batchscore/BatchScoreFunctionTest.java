package io.inferfn.batchscore;

import java.net.URL;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.LocalPostgres;
import io.inferfn.localstack.PostgresTestResource;
import io.inferfn.localstack.RedisTestResource;
import io.inferfn.models.ChurnData;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

/**
 * {@code POST /runBatch} against a real PostgreSQL and a real Redis started by the test resources,
 * with the demo churn customers: every row accounted for, scores equal to a direct ONNX Runtime
 * run, reruns idempotent, shards disjoint and complete, a killed run recoverable, files in and out.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class BatchScoreFunctionTest {

    @TestHTTPResource("/runBatch")
    URL runBatch;

    /** The demo customers in PostgreSQL and their activity in Redis, whatever the test before left. */
    @BeforeEach
    void data() throws Exception {
        ChurnTables.ensureLoaded(pg(), "customers", RedisTestResource.redis());
    }

    static LocalPostgres pg() {
        return PostgresTestResource.postgres();
    }

    Response run(String body) {
        return given().contentType(ContentType.JSON).body(body).post(runBatch);
    }

    JsonPath ok(String body) {
        return run(body).then().statusCode(200).extract().jsonPath();
    }

    static long count(String sql) throws Exception {
        try (Connection c = pg().connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static List<String> strings(String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = pg().connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    @Test
    void everyRowIsScoredOrRejectedWithItsReasonAndMissingFeaturesDegrade() throws Exception {
        JsonPath summary = ok("{\"runId\": \"t-all\"}");

        assertThat(summary.getString("status")).isEqualTo("completed");
        assertThat(summary.getLong("rowsRead")).isEqualTo(ChurnTables.CUSTOMERS + ChurnTables.BAD_ROWS);
        assertThat(summary.getLong("rowsScored")).isEqualTo(ChurnTables.CUSTOMERS);
        assertThat(summary.getLong("rowsRejected")).isEqualTo(ChurnTables.BAD_ROWS);
        assertThat(summary.getLong("rowsDegraded")).isEqualTo(ChurnTables.NO_ACTIVITY.size());
        assertThat(summary.getString("model")).isEqualTo("churn");
        assertThat(summary.getString("sink")).isEqualTo("table churn_predictions");

        assertThat(count("SELECT count(*) FROM churn_predictions WHERE run_id = 't-all'"))
                .isEqualTo(ChurnTables.CUSTOMERS);
        assertThat(count("SELECT count(DISTINCT entity_id) FROM churn_predictions WHERE run_id = 't-all'"))
                .isEqualTo(ChurnTables.CUSTOMERS);
        assertThat(strings("SELECT entity_id FROM churn_predictions WHERE run_id = 't-all' AND degraded ORDER BY 1"))
                .containsExactlyElementsOf(ChurnTables.NO_ACTIVITY);
        assertThat(strings("SELECT missing_features FROM churn_predictions WHERE entity_id = 'cust-0000007'"
                        + " AND run_id = 't-all'"))
                .containsExactly("logins_30d,days_since_last_login,app_minutes_30d,complaints_30d");
        List<String> reasons =
                strings("SELECT coalesce(entity_id, '-') || ': ' || reason FROM churn_predictions_rejects"
                        + " WHERE run_id = 't-all' ORDER BY 1");
        assertThat(reasons).hasSize(2);
        assertThat(reasons.get(0)).startsWith("-: ").contains("entity id is empty");
        assertThat(reasons.get(1)).startsWith("cust-9999001: ").contains("feature 'age' is required");
        assertThat(strings("SELECT DISTINCT label FROM churn_predictions WHERE run_id = 't-all' ORDER BY 1"))
                .containsExactly("high", "low", "medium");
    }

    @Test
    void storedScoresEqualADirectOnnxRuntimeRunOnTheTrainingFeatures() throws Exception {
        ok("{\"runId\": \"t-direct\"}");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(
                ChurnTables.MODELS.resolve("2/model.onnx").toString(), new OrtSession.SessionOptions())) {
            for (String id : List.of("cust-0000001", "cust-0000002", "cust-0000999", "cust-0003333", "cust-0005000")) {
                double[] x = ChurnData.features(ChurnTables.customer(id));
                float[] row = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    row[i] = (float) x[i];
                }
                float expected;
                try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(row), new long[] {1, row.length});
                        OrtSession.Result out = session.run(Map.of("features", in))) {
                    expected = ((float[][]) out.get(0).getValue())[0][0];
                }
                float stored = Float.parseFloat(strings("SELECT score FROM churn_predictions WHERE run_id = 't-direct'"
                                + " AND entity_id = '" + id + "'")
                        .get(0));
                // static int8: a row's score does not depend on the 1,024-row batch it was scored in
                assertThat(stored).as(id).isCloseTo(expected, org.assertj.core.api.Assertions.within(1e-6f));
            }
        }
    }

    @Test
    void rerunWithTheSameRunIdReplacesInsteadOfDuplicating() throws Exception {
        ok("{\"runId\": \"t-rerun\"}");
        String firstScoredAt = strings("SELECT max(scored_at)::text FROM churn_predictions WHERE run_id = 't-rerun'")
                .get(0);
        JsonPath again = ok("{\"runId\": \"t-rerun\"}");

        assertThat(again.getLong("rowsScored")).isEqualTo(ChurnTables.CUSTOMERS);
        assertThat(count("SELECT count(*) FROM churn_predictions WHERE run_id = 't-rerun'"))
                .isEqualTo(ChurnTables.CUSTOMERS);
        assertThat(count("SELECT count(*) FROM churn_predictions_rejects WHERE run_id = 't-rerun'"))
                .isEqualTo(ChurnTables.BAD_ROWS);
        assertThat(strings("SELECT max(scored_at)::text FROM churn_predictions WHERE run_id = 't-rerun'")
                        .get(0))
                .isNotEqualTo(firstScoredAt);
    }

    @Test
    void concurrentShardsCoverEveryRowExactlyOnce() throws Exception {
        int shards = 4;
        List<CompletableFuture<JsonPath>> calls = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            String body = "{\"runId\": \"t-shards\", \"shardIndex\": " + i + ", \"shardCount\": " + shards + "}";
            calls.add(CompletableFuture.supplyAsync(() -> ok(body)));
        }
        long scored = 0;
        long rejected = 0;
        for (CompletableFuture<JsonPath> call : calls) {
            JsonPath summary = call.join();
            scored += summary.getLong("rowsScored");
            rejected += summary.getLong("rowsRejected");
            // an even hash: each shard holds about a quarter
            assertThat(summary.getLong("rowsScored")).isBetween(1000L, 1500L);
        }
        assertThat(scored).isEqualTo(ChurnTables.CUSTOMERS);
        // the row without an entity id belongs to shard 0, which rejects it: counted once, not lost
        assertThat(rejected).isEqualTo(ChurnTables.BAD_ROWS);
        assertThat(count("SELECT count(DISTINCT entity_id) FROM churn_predictions WHERE run_id = 't-shards'"))
                .isEqualTo(ChurnTables.CUSTOMERS);
        assertThat(count("SELECT count(*) FROM customers c WHERE c.customer_id IS NOT NULL AND c.age IS NOT NULL"
                        + " AND NOT EXISTS (SELECT 1 FROM churn_predictions p WHERE p.run_id = 't-shards'"
                        + " AND p.entity_id = c.customer_id)"))
                .isZero();
    }

    @Test
    void aRunKilledMidwayCommitsNothingAndARerunCompletesIt() throws Exception {
        pg().execute(
                        "DROP TABLE IF EXISTS big_customers",
                        "CREATE TABLE big_customers AS SELECT customer_id || '-' || n AS customer_id, tenure_months,"
                                + " monthly_charges, total_charges, contract, payment_method, paperless_billing, num_products,"
                                + " support_calls_90d, late_payments_12m, age, has_partner, internet_service, discount_pct,"
                                + " dependents, autopay, days_since_plan_change FROM customers, generate_series(1, 60) n"
                                + " WHERE customer_id IS NOT NULL AND age IS NOT NULL");
        long rows = count("SELECT count(*) FROM big_customers");
        String body =
                "{\"runId\": \"t-kill\", \"source\": \"table:big_customers\", \"sink\": \"table:big_predictions\"}";
        CompletableFuture<Response> running = CompletableFuture.supplyAsync(() -> run(body));
        // the database side of a crash: the function's write connection dies while the COPY streams
        long deadline = System.currentTimeMillis() + 60_000;
        boolean killed = false;
        while (!killed && System.currentTimeMillis() < deadline && !running.isDone()) {
            killed = count("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                            + " WHERE query LIKE 'COPY big_predictions%' AND pid <> pg_backend_pid()")
                    > 0;
            Thread.sleep(5);
        }
        assertThat(killed).as("caught the run while it was writing").isTrue();
        running.join()
                .then()
                .statusCode(500)
                .body("error", containsString("the database connection was lost"))
                .body("error", containsString("nothing of this attempt was committed"))
                .body("error", containsString("rerun with the same runId"));
        assertThat(count("SELECT count(*) FROM big_predictions WHERE run_id = 't-kill'"))
                .isZero();

        JsonPath rerun = ok(body);

        assertThat(rerun.getLong("rowsScored")).isEqualTo(rows);
        assertThat(count("SELECT count(*) FROM big_predictions WHERE run_id = 't-kill'"))
                .isEqualTo(rows);
        assertThat(count("SELECT count(DISTINCT entity_id) FROM big_predictions WHERE run_id = 't-kill'"))
                .isEqualTo(rows);
    }

    @Test
    void csvFileInCsvFileOutWithRejectsAndReplacementOnRerun() throws Exception {
        Path dir = Files.createTempDirectory("batch-files");
        List<String> lines =
                new ArrayList<>(Files.readAllLines(ChurnTables.CUSTOMERS_CSV).subList(0, 1001));
        lines.add("cust-9999002,not-a-number,50.0,600.0,one_year,card,true,1,0,0,40,false,dsl,0,0,true,100");
        lines.add("cust-9999003,12,50.0");
        Path in = Files.write(dir.resolve("customers.csv"), lines);
        String body = "{\"runId\": \"t-file\", \"source\": \"file:" + in + "\", \"sink\": \"file:" + dir
                + "/predictions.csv\"}";

        JsonPath summary = ok(body);
        ok(body); // the rerun replaces the files

        assertThat(summary.getLong("rowsRead")).isEqualTo(1002);
        assertThat(summary.getLong("rowsScored")).isEqualTo(1000);
        assertThat(summary.getLong("rowsRejected")).isEqualTo(2);
        List<String> out = Files.readAllLines(dir.resolve("predictions.csv"));
        assertThat(out.get(0))
                .isEqualTo("run_id,entity_id,model,model_version,score,label,degraded,missing_features,scored_at");
        assertThat(out).hasSize(1001);
        assertThat(out.stream().skip(1).map(l -> l.split(",")[1]).collect(Collectors.toSet()))
                .hasSize(1000);
        String rejects = Files.readString(dir.resolve("predictions.rejects.csv"));
        assertThat(rejects)
                .contains("cust-9999002")
                .contains("feature 'tenure_months' must be a number; got the string \"\"not-a-number\"\"")
                .contains("line 1003 has 3 fields; the header has 17");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("customers.csv", "predictions.csv", "predictions.rejects.csv");
        }
    }

    @Test
    void fileShardsAndTableShardsAgreeOnEveryEntity() throws Exception {
        Path dir = Files.createTempDirectory("batch-shards");
        Set<String> fromFiles = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            ok("{\"runId\": \"t-fshard\", \"shardIndex\": " + i + ", \"shardCount\": 3, \"source\": \"file:"
                    + ChurnTables.CUSTOMERS_CSV + "\", \"sink\": \"file:" + dir + "/p.csv\"}");
            ok("{\"runId\": \"t-tshard-" + i + "\", \"shardIndex\": " + i + ", \"shardCount\": 3}");
            List<String> file = Files.readAllLines(dir.resolve("p-shard-" + i + "-of-3.csv"));
            Set<String> fileIds =
                    file.stream().skip(1).map(l -> l.split(",")[1]).collect(Collectors.toSet());
            Set<String> tableIds = new HashSet<>(
                    strings("SELECT entity_id FROM churn_predictions WHERE run_id = 't-tshard-" + i + "'"));
            tableIds.remove("cust-9999001"); // rejected, not in the file
            assertThat(fileIds).as("shard %d", i).isEqualTo(tableIds);
            assertThat(fromFiles).doesNotContainAnyElementsOf(fileIds);
            fromFiles.addAll(fileIds);
        }
        assertThat(fromFiles).hasSize(ChurnTables.CUSTOMERS);
    }

    @Test
    void redisDownScoresEveryRowDegradedAndLosesNone() throws Exception {
        RedisTestResource.redis().stop();
        try {
            JsonPath summary = ok("{\"runId\": \"t-noredis\"}");
            assertThat(summary.getLong("rowsScored")).isEqualTo(ChurnTables.CUSTOMERS);
            assertThat(summary.getLong("rowsDegraded")).isEqualTo(ChurnTables.CUSTOMERS);
            assertThat(count("SELECT count(*) FROM churn_predictions WHERE run_id = 't-noredis' AND degraded"))
                    .isEqualTo(ChurnTables.CUSTOMERS);
        } finally {
            RedisTestResource.redis().start(); // empty; the next test's fixture reloads it
        }
    }

    @Test
    void aNumericIdColumnShardsAndStoresLikeText() throws Exception {
        pg().execute(
                        "DROP TABLE IF EXISTS numbered_customers",
                        "CREATE TABLE numbered_customers AS SELECT substr(customer_id, 6)::bigint AS customer_id,"
                                + " tenure_months, monthly_charges, total_charges, contract, payment_method, paperless_billing,"
                                + " num_products, support_calls_90d, late_payments_12m, age, has_partner, internet_service,"
                                + " discount_pct, dependents, autopay, days_since_plan_change FROM customers"
                                + " WHERE customer_id IS NOT NULL AND age IS NOT NULL");
        long scored = 0;
        for (int i = 0; i < 2; i++) {
            scored += ok("{\"runId\": \"t-numeric\", \"shardIndex\": " + i + ", \"shardCount\": 2,"
                            + " \"source\": \"table:numbered_customers\"}")
                    .getLong("rowsScored");
        }
        // a rerun of shard 1 replaces its rows: the DELETE hashes the stored text id as the source did
        ok(
                "{\"runId\": \"t-numeric\", \"shardIndex\": 1, \"shardCount\": 2, \"source\": \"table:numbered_customers\"}");

        assertThat(scored).isEqualTo(ChurnTables.CUSTOMERS);
        assertThat(count("SELECT count(*) FROM churn_predictions WHERE run_id = 't-numeric'"))
                .isEqualTo(ChurnTables.CUSTOMERS);
        assertThat(strings("SELECT entity_id FROM churn_predictions WHERE run_id = 't-numeric' ORDER BY"
                        + " entity_id::bigint LIMIT 2"))
                .containsExactly("1", "2");
    }

    @Test
    void aSourceWithDuplicateIdsIsA400ThatSaysSo() throws Exception {
        pg().execute(
                        "DROP TABLE IF EXISTS twice_customers",
                        "CREATE TABLE twice_customers AS SELECT * FROM customers WHERE customer_id IN ('cust-0000001',"
                                + " 'cust-0000002') UNION ALL SELECT * FROM customers WHERE customer_id = 'cust-0000002'");

        run("{\"runId\": \"t-dup\", \"source\": \"table:twice_customers\"}")
                .then()
                .statusCode(400)
                .body("error", containsString("the source holds entity id 'cust-0000002' more than once"))
                .body("error", not(containsString("Key (")));
        assertThat(count("SELECT count(*) FROM churn_predictions WHERE run_id = 't-dup'"))
                .isZero();
    }

    @Test
    void aSecondAttemptWhileTheFirstIsStillWritingIsTurnedAway() throws Exception {
        try (Connection holder = pg().connect()) {
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                // what a still-running attempt of run t-lock, shard 0/1 holds
                st.execute("SELECT pg_advisory_xact_lock(hashtext('churn_predictions/t-lock/0/1'))");
            }
            run("{\"runId\": \"t-lock\"}")
                    .then()
                    .statusCode(400)
                    .body("error", containsString("is already being written to churn_predictions by another attempt"));
            holder.rollback();
        }
        assertThat(ok("{\"runId\": \"t-lock\"}").getLong("rowsScored")).isEqualTo(ChurnTables.CUSTOMERS);
    }

    @Test
    void brokenCsvQuotingIsA400NamingTheLine() throws Exception {
        Path dir = Files.createTempDirectory("batch-broken");
        List<String> lines =
                new ArrayList<>(Files.readAllLines(ChurnTables.CUSTOMERS_CSV).subList(0, 11));
        lines.add("cust-9999004,\"12,50.0,600.0,one_year,card,true,1,0,0,40,false,dsl,0,0,true,100");
        Path in = Files.write(dir.resolve("broken.csv"), lines);

        run("{\"runId\": \"t-broken\", \"source\": \"file:" + in + "\", \"sink\": \"file:" + dir + "/out.csv\"}")
                .then()
                .statusCode(400)
                .body("error", containsString("is not valid CSV after line 11"));
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("broken.csv");
        }
    }

    @Test
    void badRequestsAre400sThatSayWhatWasExpected() {
        run("{\"runId\": \"bad id with spaces\"}")
                .then()
                .statusCode(400)
                .body("error", containsString("'runId' must be 1-128 characters"));
        run("{\"runId\": \"x\", \"shardIndex\": 4, \"shardCount\": 4}")
                .then()
                .statusCode(400)
                .body("error", containsString("'shardIndex' must be between 0 and shardCount - 1 = 3; got 4"));
        run("{\"shardIndex\": 0}").then().statusCode(400).body("error", containsString("'runId'"));
        run("{\"runId\": \"x\", \"source\": \"ftp:customers\"}")
                .then()
                .statusCode(400)
                .body(
                        "error",
                        containsString("is not table:<name>, sql:<select>, file:<path>.csv, file:<path>.parquet or"
                                + " iceberg:<namespace>.<table>"));
        run("{\"runId\": \"x\", \"source\": \"table:no_such_table\"}")
                .then()
                .statusCode(400)
                .body("error", containsString("table no_such_table cannot be read"));
        run("{\"runId\": \"x\", \"source\": \"table:customers; DROP TABLE customers\"}")
                .then()
                .statusCode(400)
                .body("error", containsString("is not a plain SQL identifier"));
        run("{\"runId\": \"x\", \"shards\": 2}")
                .then()
                .statusCode(400)
                .body("error", containsString("expected a JSON object such as {\"runId\""));
    }

    /** {@code copies} copies of the demo customers (ids made unique), about 5,000 rows each. */
    static long bigTable(String name, int copies) throws Exception {
        pg().execute(
                        "DROP TABLE IF EXISTS " + name,
                        "CREATE TABLE " + name + " AS SELECT customer_id || '-' || n AS customer_id, tenure_months,"
                                + " monthly_charges, total_charges, contract, payment_method, paperless_billing, num_products,"
                                + " support_calls_90d, late_payments_12m, age, has_partner, internet_service, discount_pct,"
                                + " dependents, autopay, days_since_plan_change FROM customers, generate_series(1, "
                                + copies
                                + ") n WHERE customer_id IS NOT NULL AND age IS NOT NULL");
        return count("SELECT count(*) FROM " + name);
    }

    /** Waits until a COPY into {@code table} is streaming (a run is writing); false if none started in a minute. */
    static boolean writing(String table) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            if (count("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY " + table
                            + "%' AND state <> 'idle'")
                    > 0) {
                return true;
            }
            Thread.sleep(5);
        }
        return false;
    }

    @Test
    void tenConcurrentRunsAreAdmittedUpToTheLimitAndAConnectionKilledMidRunLeavesItsRunWholeOrEmpty() throws Exception {
        long rows = bigTable("ten_customers", 10);
        pg().execute("DROP TABLE IF EXISTS ten_predictions", "DROP TABLE IF EXISTS ten_predictions_rejects");
        int runs = 10;
        ExecutorService callers = Executors.newFixedThreadPool(runs);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Response>> calls = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                String body = "{\"runId\": \"t-ten-" + i
                        + "\", \"source\": \"table:ten_customers\", \"sink\": \"table:ten_predictions\"}";
                calls.add(callers.submit(() -> {
                    start.await();
                    return run(body);
                }));
            }
            start.countDown();
            // the database side of a crash, from a second connection: one run's write connection dies mid-COPY
            assertThat(writing("ten_predictions")).as("a run started writing").isTrue();
            assertThat(
                            count(
                                    "SELECT count(pg_terminate_backend(pid)) FROM (SELECT pid FROM pg_stat_activity"
                                            + " WHERE query LIKE 'COPY ten_predictions%' AND state <> 'idle' AND pid <> pg_backend_pid() LIMIT 1) w"))
                    .as("killed one run's connection while it was writing")
                    .isEqualTo(1);

            List<Integer> retry = new ArrayList<>();
            int completed = 0;
            int failed = 0;
            int turnedAway = 0;
            for (int i = 0; i < runs; i++) {
                Response response = calls.get(i).get(5, TimeUnit.MINUTES);
                long written = count("SELECT count(*) FROM ten_predictions WHERE run_id = 't-ten-" + i + "'");
                switch (response.statusCode()) {
                    case 200 -> {
                        completed++;
                        assertThat(written).as("rows of completed run %d", i).isEqualTo(rows);
                        continue;
                    }
                    case 500 -> {
                        failed++;
                        assertThat(response.jsonPath().getString("error"))
                                .contains("run t-ten-" + i + " shard 0/1 failed: the database connection was lost")
                                .contains("nothing of this attempt was committed")
                                .doesNotContain("terminating connection", "FATAL", "ERROR:");
                    }
                    case 429 -> {
                        turnedAway++;
                        assertThat(response.header("Retry-After")).isEqualTo("60");
                        assertThat(response.jsonPath().getString("error"))
                                .contains("batch runs are already running here")
                                .contains("inferfn.batch.max-concurrent-runs")
                                .contains("nothing was started");
                    }
                    default ->
                        throw new AssertionError("run " + i + ": " + response.statusCode() + " "
                                + response.body().asString());
                }
                assertThat(written)
                        .as("rows of run %d, which did not complete", i)
                        .isZero();
                retry.add(i);
            }
            assertThat(failed).as("the run whose connection was killed").isEqualTo(1);
            // more than four at once never run: the pool of 8 is not starved, and no run fails for a connection
            assertThat(turnedAway).isGreaterThanOrEqualTo(1);
            assertThat(completed + failed + turnedAway).isEqualTo(runs);

            for (int i : retry) {
                assertThat(ok("{\"runId\": \"t-ten-" + i
                                        + "\", \"source\": \"table:ten_customers\", \"sink\": \"table:ten_predictions\"}")
                                .getLong("rowsScored"))
                        .isEqualTo(rows);
            }
            assertThat(count("SELECT count(*) FROM ten_predictions")).isEqualTo(rows * runs);
            assertThat(count("SELECT count(DISTINCT (run_id, entity_id)) FROM ten_predictions"))
                    .isEqualTo(rows * runs);
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void aShardThatIsAlreadyRunningIsTurnedAwayWith409AndRetryAfter() throws Exception {
        long rows = bigTable("big_running", 20);
        String body = "{\"runId\": \"t-twice\", \"source\": \"table:big_running\", \"sink\": \"table:big_twice\"}";
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            Future<Response> first = caller.submit(() -> run(body));
            assertThat(writing("big_twice")).as("the first attempt is writing").isTrue();

            Response again = run(body);
            Response resharded = run("{\"runId\": \"t-twice\", \"shardIndex\": 1, \"shardCount\": 2,"
                    + " \"source\": \"table:big_running\", \"sink\": \"table:big_twice\"}");

            again.then()
                    .statusCode(409)
                    .header("Retry-After", "60")
                    .body("error", containsString("run t-twice shard 0/1 is already running here"))
                    .body("error", containsString("wait for it to finish"));
            resharded.then().statusCode(409).body("error", containsString("already running here (as shard 0/1"));
            assertThat(first.get(5, TimeUnit.MINUTES).statusCode()).isEqualTo(200);
        } finally {
            caller.shutdownNow();
        }
        assertThat(count("SELECT count(*) FROM big_twice WHERE run_id = 't-twice'"))
                .isEqualTo(rows);
        assertThat(ok(body).getLong("rowsScored"))
                .as("a rerun after the first finished")
                .isEqualTo(rows);
    }

    @Test
    void aCrossSiteFormOrLinkStartsNoRun() throws Exception {
        // what a page on another site can make a browser send without a preflight
        given().contentType("text/plain")
                .body("{\"runId\": \"t-csrf\"}")
                .post(runBatch)
                .then()
                .statusCode(415)
                .body("error", containsString("unsupported content type 'text/plain"))
                .body("error", containsString("send Content-Type: application/json"));
        given().contentType("application/x-www-form-urlencoded")
                .body("{\"runId\": \"t-csrf\"}")
                .post(runBatch)
                .then()
                .statusCode(415);
        given().get(runBatch + "?runId=t-csrf")
                .then()
                .statusCode(405)
                .header("Allow", "POST")
                .body("error", containsString("use POST"));

        assertThat(count("SELECT count(*) FROM churn_predictions WHERE run_id = 't-csrf'"))
                .isZero();
        assertThat(ok("{\"runId\": \"t-csrf\"}").getLong("rowsScored")).isEqualTo(ChurnTables.CUSTOMERS);
    }

    @Test
    void overridesOutsideTheConfiguredPrefixesAndSqlSourcesAreRefused() {
        run("{\"runId\": \"t-prefix\", \"sink\": \"table:pg_catalog.anything\"}")
                .then()
                .statusCode(403)
                .body("error", containsString("sink table:pg_catalog.anything is not allowed"))
                .body("error", containsString("inferfn.batch.overrides.tables"));
        run("{\"runId\": \"t-prefix\", \"sink\": \"file:/etc/cron.d/predictions.csv\"}")
                .then()
                .statusCode(403)
                .body("error", containsString("a payload's files must lie in one of"));
        run("{\"runId\": \"t-prefix\", \"source\": \"sql:SELECT * FROM customers\"}")
                .then()
                .statusCode(403)
                .body("error", containsString("may not send a sql: source"));
    }
}
