package io.inferfn.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.SplittableRandom;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import io.inferfn.localstack.LocalPostgres;
import io.inferfn.models.ChurnData;
import io.inferfn.models.ChurnModelGenerator;

/** Customer tables for the churn model in the local PostgreSQL: the demo's, or millions of generated rows. */
final class ChurnTable {

    private ChurnTable() {}

    static final String TABLE_COLUMNS = String.join(", ", ChurnModelGenerator.TABLE_COLUMNS);

    private static final String DDL = " (customer_id text PRIMARY KEY, tenure_months int, monthly_charges numeric(8,2),"
            + " total_charges numeric(10,2), contract text, payment_method text, paperless_billing boolean,"
            + " num_products int, support_calls_90d int, late_payments_12m int, age int, has_partner boolean,"
            + " internet_service text, discount_pct int, dependents int, autopay boolean, days_since_plan_change int";

    /** The demo table: models/churn/customers.csv (the online columns stay in Redis). */
    static int loadDemo(LocalPostgres pg, String table, Path csv) throws Exception {
        pg.execute("DROP TABLE IF EXISTS " + table, "CREATE TABLE " + table + DDL + ")");
        try (Connection c = pg.connect();
                Reader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            long rows = c.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn("COPY " + table + " (" + TABLE_COLUMNS + ") FROM STDIN WITH (FORMAT csv, HEADER true)", in);
            return (int) rows;
        }
    }

    /**
     * {@code rows} generated customers with all 20 features in the table (the nightly-job shape: a
     * warehouse table that already joined the online columns), streamed into PostgreSQL by COPY.
     */
    static void generate(LocalPostgres pg, String table, long rows) throws Exception {
        pg.execute(
                "DROP TABLE IF EXISTS " + table,
                "CREATE UNLOGGED TABLE " + table + DDL + ", logins_30d int, days_since_last_login int,"
                        + " app_minutes_30d int, complaints_30d int)");
        SplittableRandom random = new SplittableRandom(2026);
        try (Connection c = pg.connect()) {
            CopyIn copy = c.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn("COPY " + table + " (" + TABLE_COLUMNS
                            + ", logins_30d, days_since_last_login, app_minutes_30d, complaints_30d) FROM STDIN"
                            + " WITH (FORMAT csv)");
            StringBuilder sb = new StringBuilder(1 << 20);
            for (long i = 1; i <= rows; i++) {
                ChurnData.Customer customer = ChurnData.customer(ChurnData.id(i), random);
                sb.append(ChurnModelGenerator.tableRow(customer))
                        .append(ChurnModelGenerator.activityRow(customer)
                                .substring(customer.id().length()))
                        .append('\n');
                if (sb.length() > (1 << 20) - 512) {
                    write(copy, sb);
                }
            }
            write(copy, sb);
            copy.endCopy();
        }
        pg.execute("ANALYZE " + table);
    }

    private static void write(CopyIn copy, StringBuilder sb) throws java.sql.SQLException {
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        copy.writeToCopy(bytes, 0, bytes.length);
        sb.setLength(0);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }
}
