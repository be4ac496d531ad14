package io.inferfn.batchscore;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.PostgresTestResource;
import io.inferfn.localstack.RedisTestResource;
import io.inferfn.testing.LambdaMockEvents;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * Authentication on, as in production: API keys configured by their SHA-256 with the roles {@code
 * batch:run} and {@code batch:override}, overrides allowed only under {@code scratch_} tables and
 * one directory, and a one-second statement timeout.
 */
@QuarkusTest
@TestProfile(BatchScoreAuthTest.AuthOn.class)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class BatchScoreAuthTest {

    static final String RUNNER = "k3y-that-runs-batches";
    static final String ADMIN = "k3y-that-names-sources";
    static final String PREDICTOR = "k3y-for-predictions-only";
    /** The one directory a payload's files may lie in; shared with the profile through a system property. */
    static final String ALLOWED_DIR_PROPERTY = "inferfn.test.batch.allowed-dir";

    public static class AuthOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("inferfn.auth.enabled", "true"),
                    Map.entry("inferfn.auth.api-keys.runner.sha256", sha256(RUNNER)),
                    Map.entry("inferfn.auth.api-keys.runner.roles", "batch:run"),
                    Map.entry("inferfn.auth.api-keys.admin.sha256", sha256(ADMIN)),
                    Map.entry("inferfn.auth.api-keys.admin.roles", "batch:override"),
                    Map.entry("inferfn.auth.api-keys.predictor.sha256", sha256(PREDICTOR)),
                    Map.entry("inferfn.auth.api-keys.predictor.roles", "model:churn"),
                    Map.entry("inferfn.batch.allow-overrides", "true"),
                    Map.entry("inferfn.batch.overrides.tables", "scratch_"),
                    Map.entry("inferfn.batch.overrides.paths", allowedDir().toString()),
                    Map.entry("inferfn.batch.overrides.sql", "true"),
                    Map.entry("inferfn.batch.statement-timeout", "1s"));
        }
    }

    @TestHTTPResource("/runBatch")
    URL runBatch;

    @TestHTTPResource("/")
    URL root;

    @BeforeEach
    void data() throws Exception {
        ChurnTables.ensureLoaded(BatchScoreFunctionTest.pg(), "customers", RedisTestResource.redis());
        BatchScoreFunctionTest.pg()
                .execute(
                        "DROP TABLE IF EXISTS scratch_customers",
                        "CREATE TABLE scratch_customers AS SELECT * FROM customers");
    }

    Response run(RequestSpecification as, String body) {
        return as.contentType(ContentType.JSON).body(body).post(runBatch);
    }

    static RequestSpecification key(String key) {
        return given().header("X-API-Key", key);
    }

    /** Predictions of {@code runId} in {@code table}; 0 when no run has created the table yet. */
    static long written(String table, String runId) throws Exception {
        if (BatchScoreFunctionTest.count("SELECT count(*) FROM pg_class WHERE oid = to_regclass('" + table + "')")
                == 0) {
            return 0;
        }
        return BatchScoreFunctionTest.count("SELECT count(*) FROM " + table + " WHERE run_id = '" + runId + "'");
    }

    @Test
    void withoutCredentialsNothingRunsAndHealthStaysOpen() throws Exception {
        run(given(), "{\"runId\": \"a-anon\"}").then().statusCode(401).header("WWW-Authenticate", "Bearer");
        // refused either way: by the permission (401) or as a GET (405)
        given().get(runBatch + "?runId=a-anon").then().statusCode(anyOf(is(401), is(405)));
        key("not-a-key")
                .contentType(ContentType.JSON)
                .body("{\"runId\": \"a-anon\"}")
                .post(runBatch)
                .then()
                .statusCode(401);
        given().get(root + "q/health/live").then().statusCode(200);
        // readiness also waits for the feature store's warm-up at start (http-predict's RedisWarmUpTest)
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().get(root + "q/health/ready").then().statusCode(200));

        assertThat(written("churn_predictions", "a-anon")).isZero();
    }

    @Test
    void aKeyWithoutBatchRunIs403AndOneWithItRunsTheConfiguredSource() throws Exception {
        run(key(PREDICTOR), "{\"runId\": \"a-run\"}").then().statusCode(403);
        assertThat(written("churn_predictions", "a-run")).isZero();

        run(key(RUNNER), "{\"runId\": \"a-run\"}")
                .then()
                .statusCode(200)
                .body("source", containsString("table customers"));
        assertThat(written("churn_predictions", "a-run")).isEqualTo(ChurnTables.CUSTOMERS);
    }

    @Test
    void namingASourceOrSinkNeedsBatchOverride() throws Exception {
        run(key(RUNNER), "{\"runId\": \"a-over\", \"source\": \"table:scratch_customers\"}")
                .then()
                .statusCode(403)
                .body("error", containsString("api-key:runner may not name its own 'source' or 'sink'"))
                .body("error", containsString("lack batch:override"));
        run(key(RUNNER), "{\"runId\": \"a-over\", \"sink\": \"table:scratch_predictions\"}")
                .then()
                .statusCode(403);
        assertThat(written("churn_predictions", "a-over")).isZero();

        run(
                        key(ADMIN),
                        "{\"runId\": \"a-over\", \"source\": \"table:scratch_customers\","
                                + " \"sink\": \"table:scratch_predictions\"}")
                .then()
                .statusCode(200);
        assertThat(written("scratch_predictions", "a-over")).isEqualTo(ChurnTables.CUSTOMERS);
    }

    @Test
    void overridesStayUnderTheConfiguredTablesAndDirectory() throws Exception {
        Path allowed = Files.createDirectories(allowedDir());
        Path outside = Files.createTempDirectory("batch-outside");
        Path link = allowed.resolve("link-out");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, outside);

        run(key(ADMIN), "{\"runId\": \"a-prefix\", \"source\": \"table:customers\"}")
                .then()
                .statusCode(403)
                .body("error", containsString("source table:customers is not allowed"))
                .body("error", containsString("[scratch_]"));
        run(key(ADMIN), "{\"runId\": \"a-prefix\", \"sink\": \"table:churn_predictions\"}")
                .then()
                .statusCode(403);
        for (String escape : new String[] {outside + "/p.csv", allowed + "/../p.csv", link + "/p.csv"}) {
            run(key(ADMIN), "{\"runId\": \"a-prefix\", \"sink\": \"file:" + escape + "\"}")
                    .then()
                    .statusCode(403)
                    .body("error", containsString("a payload's files must lie in one of"));
        }
        try (var files = Files.list(outside)) {
            assertThat(files).isEmpty();
        }

        run(key(ADMIN), "{\"runId\": \"a-prefix\", \"sink\": \"file:" + allowed + "/p.csv\"}")
                .then()
                .statusCode(200);
        assertThat(Files.readAllLines(allowed.resolve("p.csv"))).hasSize(ChurnTables.CUSTOMERS + 1);
    }

    @Test
    void aQueryPastTheStatementTimeoutFailsItsRunWithAReasonAndCommitsNothing() throws Exception {
        // sleeps 60 s on its first fetch; the function's limit is 1 s
        run(
                        key(ADMIN),
                        "{\"runId\": \"a-slow\", \"source\": \"sql:SELECT c.* FROM scratch_customers c,"
                                + " (SELECT pg_sleep(60)) s\", \"sink\": \"table:scratch_predictions\"}")
                .then()
                .statusCode(500)
                .body(
                        "error",
                        containsString("run a-slow shard 0/1 failed: a database statement ran past its time"
                                + " limit (inferfn.batch.statement-timeout)"))
                .body("error", containsString("rerun with the same runId"))
                .body("error", not(containsString("canceling statement")));
        assertThat(written("scratch_predictions", "a-slow")).isZero();
    }

    @Test
    void databaseErrorTextNeverReachesTheCaller() {
        run(key(ADMIN), "{\"runId\": \"a-sql\", \"source\": \"table:scratch_missing\"}")
                .then()
                .statusCode(400)
                .body(
                        "error",
                        allOf(
                                containsString("table scratch_missing cannot be read: no such table or view"),
                                not(containsString("relation")),
                                not(containsString("ERROR"))));
        run(
                        key(ADMIN),
                        "{\"runId\": \"a-sql\", \"source\": \"sql:SELECT customer_id FROM scratch_customers"
                                + " WHERE\"}")
                .then()
                .statusCode(400)
                .body(
                        "error",
                        allOf(
                                containsString("cannot be read: the query is not valid SQL (SQLSTATE 42601)"),
                                not(containsString("syntax error at"))));
        run(
                        key(ADMIN),
                        "{\"runId\": \"a-sql\", \"source\": \"sql:SELECT customer_id, secret_column FROM"
                                + " scratch_customers\"}")
                .then()
                .statusCode(400)
                .body(
                        "error",
                        allOf(
                                containsString("a column it names does not exist"),
                                not(containsString("\"secret_column\" does not exist"))));
    }

    @Test
    void aTextPlainPostIs415EvenWithAGoodKey() throws Exception {
        key(RUNNER)
                .contentType("text/plain")
                .body("{\"runId\": \"a-plain\"}")
                .post(runBatch)
                .then()
                .statusCode(415)
                .body("error", containsString("send Content-Type: application/json"));
        assertThat(written("churn_predictions", "a-plain")).isZero();
    }

    @Test
    void theLambdaHandlerIsTrustedThroughIamAndKeepsThePrefixes() throws Exception {
        // EventBridge Scheduler's payload carries no credentials: IAM allowed the invoke
        given().body("{\"runId\": \"a-lambda\", \"source\": \"table:scratch_customers\","
                        + " \"sink\": \"table:scratch_predictions\"}")
                .post(LambdaMockEvents.url())
                .then()
                .statusCode(200);
        assertThat(written("scratch_predictions", "a-lambda")).isEqualTo(ChurnTables.CUSTOMERS);

        given().body("{\"runId\": \"a-lambda-out\", \"sink\": \"table:churn_predictions\"}")
                .post(LambdaMockEvents.url());
        assertThat(written("churn_predictions", "a-lambda-out")).isZero();
    }

    static Path allowedDir() {
        String dir = System.getProperty(ALLOWED_DIR_PROPERTY);
        if (dir == null) {
            dir = Path.of(
                            System.getProperty("java.io.tmpdir"),
                            "inferfn-batch-allowed-" + ProcessHandle.current().pid())
                    .toString();
            System.setProperty(ALLOWED_DIR_PROPERTY, dir);
        }
        return Path.of(dir);
    }

    static String sha256(String key) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
