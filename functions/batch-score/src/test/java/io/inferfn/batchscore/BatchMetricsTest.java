package io.inferfn.batchscore;

import java.net.URL;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.PostgresTestResource;
import io.inferfn.localstack.RedisTestResource;
import io.inferfn.testing.GrafanaDashboard;
import io.inferfn.testing.PrometheusText;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code /q/metrics} of batch-score after a run over a real PostgreSQL: the run and its rows, counted exactly. */
@QuarkusTest
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class BatchMetricsTest {

    @TestHTTPResource("/runBatch")
    URL runBatch;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    @BeforeEach
    void data() throws Exception {
        ChurnTables.ensureLoaded(PostgresTestResource.postgres(), "customers", RedisTestResource.redis());
    }

    PrometheusText scrape() {
        return PrometheusText.parse(
                given().get(metrics).then().statusCode(200).extract().asString());
    }

    static double rows(PrometheusText m, String kind) {
        return m.sum("inferfn_batch_rows_total", "model", "churn", "kind", kind);
    }

    @Test
    void aRunCountsItsRowsReadScoredRejectedAndDegradedAndItsStatus() {
        PrometheusText before = scrape();
        JsonPath summary = given().contentType(ContentType.JSON)
                .body("{\"runId\": \"metrics-1\"}")
                .post(runBatch)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        PrometheusText after = scrape();

        assertThat(rows(after, "read") - rows(before, "read"))
                .isEqualTo(ChurnTables.CUSTOMERS + ChurnTables.BAD_ROWS)
                .isEqualTo(summary.getLong("rowsRead"));
        assertThat(rows(after, "scored") - rows(before, "scored")).isEqualTo(ChurnTables.CUSTOMERS);
        assertThat(rows(after, "rejected") - rows(before, "rejected")).isEqualTo(ChurnTables.BAD_ROWS);
        assertThat(rows(after, "degraded") - rows(before, "degraded")).isEqualTo(ChurnTables.NO_ACTIVITY.size());
        assertThat(after.sum("inferfn_batch_runs_total", "status", "succeeded")
                        - before.sum("inferfn_batch_runs_total", "status", "succeeded"))
                .isEqualTo(1);
        assertThat(after.sum("inferfn_batch_shard_duration_seconds_count", "status", "succeeded")
                        - before.sum("inferfn_batch_shard_duration_seconds_count", "status", "succeeded"))
                .isEqualTo(1);
        // the scorer's own count of the same rows, under this function's name
        assertThat(after.sum("inferfn_predictions_total", "function", "batch-score", "model", "churn")
                        - before.sum("inferfn_predictions_total", "function", "batch-score", "model", "churn"))
                .isEqualTo(ChurnTables.CUSTOMERS);
        assertThat(after.names()).containsAll(GrafanaDashboard.servedBy("batch-score"));
    }

    @Test
    void aRunRefusedForABadRequestCountsAsRejectedNotFailed() {
        PrometheusText before = scrape();
        given().contentType(ContentType.JSON)
                .body("{\"runId\": \"metrics-2\", \"shardIndex\": 3, \"shardCount\": 2}")
                .post(runBatch)
                .then()
                .statusCode(400);
        PrometheusText after = scrape();
        assertThat(after.sum("inferfn_batch_runs_total", "status", "rejected")
                        - before.sum("inferfn_batch_runs_total", "status", "rejected"))
                .isEqualTo(1);
        assertThat(after.sum("inferfn_batch_runs_total", "status", "failed")
                        - before.sum("inferfn_batch_runs_total", "status", "failed"))
                .isZero();
        assertThat(rows(after, "read") - rows(before, "read")).isZero();
    }
}
