package io.inferfn.batchscore;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.PostgresTestResource;
import io.inferfn.localstack.RedisTestResource;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A scheduled run of the demo chain against a real PostgreSQL and Redis: review-priority reads the fraud model's
 * score and label; every row is scored by both models in each batch (one Redis round trip for both), and each
 * prediction's {@code stages} land in the sink beside it.
 */
@QuarkusTest
@TestProfile(ChainedBatchTest.FraudThenPriority.class)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class ChainedBatchTest {

    public static class FraudThenPriority implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "inferfn.model.locations", "file:../../models/fraud/2,file:../../models/review-priority/1",
                    "inferfn.batch.model", "review-priority",
                    "inferfn.batch.overrides.tables", "review_");
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/runBatch")
    URL runBatch;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    double fetches() {
        return io.inferfn.testing.PrometheusText.parse(
                        given().get(metrics).then().statusCode(200).extract().asString())
                .sum("inferfn_feature_fetch_duration_seconds_count");
    }

    Path source;

    @BeforeEach
    void data() throws Exception {
        RedisTestResource.redis()
                .hset(
                        "customer:c-1042",
                        Map.of(
                                "avg_amount_30d", "80.0",
                                "txn_count_24h", "3",
                                "account_age_days", "40",
                                "chargebacks_1y", "1"));
        RedisTestResource.redis()
                .hset(
                        "customer:c-2001",
                        Map.of("avg_amount_30d", "20.0", "txn_count_24h", "1", "account_age_days", "2000"));
        Path dir = Files.createTempDirectory("chained-batch");
        source = Files.write(
                dir.resolve("transactions.csv"),
                List.of(
                        "customer_id,amount,merchant_category,timestamp",
                        "c-1042,950.0,online,2026-11-23T03:12:00Z",
                        "c-2001,12.5,grocery,2026-11-23T12:00:00Z",
                        "c-3003,lots,online,2026-11-23T12:00:00Z"));
    }

    JsonPath ok(String body) {
        return given().contentType(ContentType.JSON)
                .body(body)
                .post(runBatch)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    @Test
    void eachRowsStagesGoToACsvSinkBesideItsPrediction() throws Exception {
        Path out = source.resolveSibling("priorities.csv");
        double before = fetches();
        JsonPath summary =
                ok("{\"runId\": \"chain-csv\", \"source\": \"file:" + source + "\", \"sink\": \"file:" + out + "\"}");
        assertThat(summary.getString("model")).isEqualTo("review-priority");
        assertThat(summary.getLong("rowsScored")).isEqualTo(2);
        assertThat(summary.getLong("rowsRejected")).isEqualTo(1);
        assertThat(fetches() - before).isEqualTo(1); // one batch: one Redis round trip for both models

        List<String> lines = Files.readAllLines(out);
        assertThat(lines.get(0))
                .isEqualTo(
                        "run_id,entity_id,model,model_version,score,label,degraded,missing_features,scored_at,stages");
        com.fasterxml.jackson.databind.MappingIterator<Map<String, String>> rows =
                new com.fasterxml.jackson.dataformat.csv.CsvMapper()
                        .readerFor(Map.class)
                        .with(com.fasterxml.jackson.dataformat.csv.CsvSchema.emptySchema()
                                .withHeader())
                        .readValues(out.toFile());
        List<Map<String, String>> scored = rows.readAll();
        assertThat(scored).extracting(r -> r.get("entity_id")).containsExactly("c-1042", "c-2001");
        assertThat(scored).extracting(r -> r.get("label")).containsExactly("urgent", "low");
        JsonNode stages = JSON.readTree(scored.get(0).get("stages"));
        assertThat(stages).hasSize(1);
        assertThat(stages.get(0).get("model").asText()).isEqualTo("fraud");
        assertThat(stages.get(0).get("version").asText()).isEqualTo("2");
        assertThat(stages.get(0).get("label").asText()).isEqualTo("fraud");
        assertThat(JSON.readTree(scored.get(1).get("stages"))
                        .get(0)
                        .get("label")
                        .asText())
                .isEqualTo("legit");
    }

    @Test
    void eachRowsStagesGoToAParquetSinkAsJson() throws Exception {
        Path out = source.resolveSibling("priorities.parquet");
        ok("{\"runId\": \"chain-parquet\", \"source\": \"file:" + source + "\", \"sink\": \"file:" + out + "\"}");
        @SuppressWarnings("rawtypes")
        List<Map> rows = new com.jerolba.carpet.CarpetReader<>(out.toFile(), Map.class).toList();
        assertThat(rows).extracting(r -> r.get("entity_id")).containsExactly("c-1042", "c-2001");
        JsonNode stages = JSON.readTree((String) rows.get(0).get("stages"));
        assertThat(stages).hasSize(1);
        assertThat(stages.get(0).get("model").asText()).isEqualTo("fraud");
        assertThat(stages.get(0).get("label").asText()).isEqualTo("fraud");
    }

    @Test
    void eachRowsStagesGoToAStagesColumnOfATableSink() throws Exception {
        JsonPath summary = ok("{\"runId\": \"chain-table\", \"source\": \"file:" + source
                + "\", \"sink\": \"table:review_priorities\"}");
        assertThat(summary.getLong("rowsScored")).isEqualTo(2);
        List<String> stages = BatchScoreFunctionTest.strings(
                "SELECT stages FROM review_priorities WHERE run_id = 'chain-table' ORDER BY entity_id");
        assertThat(stages).hasSize(2);
        assertThat(JSON.readTree(stages.get(0)).get(0).get("model").asText()).isEqualTo("fraud");
        assertThat(BatchScoreFunctionTest.strings(
                        "SELECT label FROM review_priorities WHERE run_id = 'chain-table' ORDER BY entity_id"))
                .containsExactly("urgent", "low");
    }
}
