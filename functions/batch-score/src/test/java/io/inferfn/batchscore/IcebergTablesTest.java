package io.inferfn.batchscore;

import java.net.URL;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.LocalPostgres;
import io.inferfn.localstack.PostgresTestResource;
import io.inferfn.localstack.RedisTestResource;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * runBatch from the customers table into an Iceberg table (the JDBC catalog in the function's own PostgreSQL, the
 * test warehouse), read back with Iceberg's own reader: the same scores as the PostgreSQL sink, one row per
 * customer after a rerun.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class IcebergTablesTest {

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
    void aRunIntoIcebergHasTheScoresOfTheTableSinkAndARerunStillOneRowPerCustomer() throws Exception {
        LocalPostgres pg = PostgresTestResource.postgres();
        ChurnTables.ensureLoaded(pg, "customers", RedisTestResource.redis());

        JsonPath first = ok("{\"runId\": \"t-iceberg\", \"sink\": \"iceberg:gold.churn_predictions\"}");
        ok("{\"runId\": \"t-iceberg\", \"sink\": \"iceberg:gold.churn_predictions\"}");
        ok("{\"runId\": \"t-iceberg\", \"sink\": \"table:churn_predictions\"}");
        assertThat(first.getString("sink")).isEqualTo("iceberg table gold.churn_predictions");
        assertThat(first.getLong("rowsScored")).isEqualTo(ChurnTables.CUSTOMERS);

        Map<String, Float> table = new HashMap<>();
        long tableRejects;
        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            try (ResultSet rs =
                    st.executeQuery("SELECT entity_id, score FROM churn_predictions WHERE run_id = 't-iceberg'")) {
                while (rs.next()) {
                    table.put(rs.getString(1), rs.getFloat(2));
                }
            }
            try (ResultSet rs =
                    st.executeQuery("SELECT count(*) FROM churn_predictions_rejects WHERE run_id = 't-iceberg'")) {
                rs.next();
                tableRejects = rs.getLong(1);
            }
        }

        Catalog catalog = CatalogUtil.buildIcebergCatalog(
                "inferfn",
                Map.of(
                        "catalog-impl",
                        "org.apache.iceberg.jdbc.JdbcCatalog",
                        "uri",
                        pg.jdbcUrl(),
                        "jdbc.user",
                        LocalPostgres.USER,
                        "warehouse",
                        ConfigProvider.getConfig().getValue("inferfn.batch.iceberg.warehouse", String.class)),
                new Configuration());
        Map<String, Float> iceberg = new HashMap<>();
        try (CloseableIterable<Record> rows = IcebergGenerics.read(
                        catalog.loadTable(TableIdentifier.of("gold", "churn_predictions")))
                .where(Expressions.equal("run_id", "t-iceberg"))
                .build()) {
            for (Record r : rows) {
                assertThat(iceberg.put((String) r.getField("entity_id"), (Float) r.getField("score")))
                        .as("one row per customer")
                        .isNull();
            }
        }
        assertThat(iceberg).hasSize(ChurnTables.CUSTOMERS).isEqualTo(table);
        long icebergRejects = 0;
        try (CloseableIterable<Record> rows = IcebergGenerics.read(
                        catalog.loadTable(TableIdentifier.of("gold", "churn_predictions_rejects")))
                .where(Expressions.equal("run_id", "t-iceberg"))
                .build()) {
            for (Record ignored : rows) {
                icebergRejects++;
            }
        }
        assertThat(icebergRejects).isEqualTo(tableRejects).isPositive();
    }

    @Test
    void aPayloadsIcebergTableIsHeldToTheTablePrefixes() {
        given().contentType(ContentType.JSON)
                .body("{\"runId\": \"t-iceberg-denied\", \"sink\": \"iceberg:finance.ledger\"}")
                .post(runBatch)
                .then()
                .statusCode(403)
                .body("error", org.hamcrest.Matchers.containsString("sink iceberg:finance.ledger is not allowed"));
    }
}
