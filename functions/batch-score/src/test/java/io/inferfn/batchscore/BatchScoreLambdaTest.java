package io.inferfn.batchscore;

import java.nio.file.Path;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.PostgresTestResource;
import io.inferfn.localstack.RedisTestResource;
import io.inferfn.testing.LambdaMockEvents;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code runBatch} through the Lambda event path: the payload an EventBridge Scheduler target sends
 * (fixture under {@code src/test/resources/events}, as {@code infra/terraform/modules/schedule}
 * writes it) posted to Funqy's mock event server, which invokes the function as the runtime would.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class BatchScoreLambdaTest {

    @Test
    void schedulerPayloadRunsItsShard() throws Exception {
        ChurnTables.load(PostgresTestResource.postgres(), "customers");
        ChurnTables.seedRedis(RedisTestResource.redis());
        JsonPath summary = LambdaMockEvents.invoke(Path.of("src/test/resources/events/scheduler-run-batch.json"));

        assertThat(summary.getString("runId")).isEqualTo("2026-11-24T08:00:00Z");
        assertThat(summary.getInt("shardIndex")).isEqualTo(1);
        assertThat(summary.getLong("rowsScored")).isBetween(2000L, 3000L); // about half of 5,000
        assertThat(BatchScoreFunctionTest.count(
                        "SELECT count(*) FROM churn_predictions WHERE run_id = '2026-11-24T08:00:00Z'"))
                .isEqualTo(summary.getLong("rowsScored"));
    }
}
