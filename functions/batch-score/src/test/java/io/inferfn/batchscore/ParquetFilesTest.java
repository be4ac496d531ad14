package io.inferfn.batchscore;

import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.jerolba.carpet.CarpetReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.PostgresTestResource;
import io.inferfn.localstack.RedisHashes;
import io.inferfn.localstack.RedisTestResource;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** Parquet in, Parquet out (the container build; the Lambda zip leaves Parquet out). */
@QuarkusTest
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class ParquetFilesTest {

    /** The demo table's columns as a Parquet schema (age optional, so a row may lack it). */
    static final MessageType CUSTOMERS = MessageTypeParser.parseMessageType("message customer {"
            + " required binary customer_id (STRING); required int32 tenure_months;"
            + " required double monthly_charges; required double total_charges; required binary contract (STRING);"
            + " required binary payment_method (STRING); required boolean paperless_billing;"
            + " required int32 num_products; required int32 support_calls_90d; required int32 late_payments_12m;"
            + " optional int32 age; required boolean has_partner; required binary internet_service (STRING);"
            + " required int32 discount_pct; required int32 dependents; required boolean autopay;"
            + " required int32 days_since_plan_change; }");

    @TestHTTPResource("/runBatch")
    URL runBatch;

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
    void parquetInParquetOutScoresLikeCsvAndRejectsWithReasons() throws Exception {
        ChurnTables.seedRedis(RedisTestResource.redis());
        Path dir = Files.createTempDirectory("batch-parquet");
        List<String> csv = Files.readAllLines(ChurnTables.CUSTOMERS_CSV).subList(0, 1001);
        Path in = dir.resolve("customers.parquet");
        SimpleGroupFactory groups = new SimpleGroupFactory(CUSTOMERS);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(in))
                .withType(CUSTOMERS)
                .build()) {
            List<String[]> rows = new ArrayList<>(
                    RedisHashes.read(ChurnTables.CUSTOMERS_CSV).rows().subList(0, 1000));
            // no age
            rows.add("cust-9999005,12,50.0,600.0,one_year,card,true,1,0,0,,false,dsl,0,0,true,100".split(",", -1));
            for (String[] f : rows) {
                Group g = groups.newGroup()
                        .append("customer_id", f[0])
                        .append("tenure_months", Integer.parseInt(f[1]))
                        .append("monthly_charges", Double.parseDouble(f[2]))
                        .append("total_charges", Double.parseDouble(f[3]))
                        .append("contract", f[4])
                        .append("payment_method", f[5])
                        .append("paperless_billing", Boolean.parseBoolean(f[6]))
                        .append("num_products", Integer.parseInt(f[7]))
                        .append("support_calls_90d", Integer.parseInt(f[8]))
                        .append("late_payments_12m", Integer.parseInt(f[9]));
                if (!f[10].isEmpty()) {
                    g.append("age", Integer.parseInt(f[10]));
                }
                g.append("has_partner", Boolean.parseBoolean(f[11]))
                        .append("internet_service", f[12])
                        .append("discount_pct", Integer.parseInt(f[13]))
                        .append("dependents", Integer.parseInt(f[14]))
                        .append("autopay", Boolean.parseBoolean(f[15]))
                        .append("days_since_plan_change", Integer.parseInt(f[16]));
                writer.write(g);
            }
        }
        Files.write(dir.resolve("customers.csv"), csv);

        JsonPath summary = ok("{\"runId\": \"t-parquet\", \"source\": \"file:" + in + "\", \"sink\": \"file:" + dir
                + "/predictions.parquet\"}");
        ok("{\"runId\": \"t-parquet-csv\", \"source\": \"file:" + dir + "/customers.csv\", \"sink\": \"file:" + dir
                + "/from-csv.csv\"}");

        assertThat(summary.getLong("rowsRead")).isEqualTo(1001);
        assertThat(summary.getLong("rowsScored")).isEqualTo(1000);
        assertThat(summary.getLong("rowsRejected")).isEqualTo(1);
        @SuppressWarnings("rawtypes")
        List<Map> predictions = new CarpetReader<>(new File(dir + "/predictions.parquet"), Map.class).toList();
        assertThat(predictions).hasSize(1000);
        Map<String, Float> fromCsv = new HashMap<>();
        RedisHashes.Csv written = RedisHashes.read(dir.resolve("from-csv.csv"));
        int entityId = written.header().indexOf("entity_id");
        int score = written.header().indexOf("score");
        for (String[] f : written.rows()) {
            fromCsv.put(f[entityId], Float.parseFloat(f[score]));
        }
        for (Map<?, ?> p : predictions) {
            assertThat(p.get("run_id")).isEqualTo("t-parquet");
            assertThat(((Number) p.get("score")).floatValue())
                    .as("%s", p.get("entity_id"))
                    .isEqualTo(fromCsv.get((String) p.get("entity_id")));
        }
        @SuppressWarnings("rawtypes")
        List<Map> rejects = new CarpetReader<>(new File(dir + "/predictions.rejects.parquet"), Map.class).toList();
        assertThat(rejects).hasSize(1);
        assertThat(rejects.get(0).get("entity_id")).isEqualTo("cust-9999005");
        assertThat((String) rejects.get(0).get("reason")).contains("feature 'age' is required");
    }
}
