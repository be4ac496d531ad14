package io.inferfn.batchscore;

import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.stream.Stream;

import org.postgresql.PGConnection;

import io.inferfn.localstack.LocalPostgres;
import io.inferfn.localstack.LocalRedis;
import io.inferfn.localstack.RedisHashes;
import io.inferfn.models.ChurnData;

/** The demo churn data in a real PostgreSQL table and a real Redis, for the batch-score tests. */
final class ChurnTables {

    static final Path MODELS = Path.of("../../models/churn").toAbsolutePath().normalize();
    static final Path CUSTOMERS_CSV = MODELS.resolve("customers.csv");
    static final Path ACTIVITY_CSV = MODELS.resolve("activity.csv");
    /** Customers left out of Redis: scored with defaults, flagged degraded. */
    static final List<String> NO_ACTIVITY =
            List.of("cust-0000007", "cust-0000100", "cust-0001234", "cust-0002500", "cust-0004999");

    static final int CUSTOMERS = 5000;
    /** Rows the table holds beyond the demo customers: one without an age, one without an id. */
    static final int BAD_ROWS = 2;

    private ChurnTables() {}

    static final String COLUMNS = "customer_id, tenure_months, monthly_charges, total_charges, contract,"
            + " payment_method, paperless_billing, num_products, support_calls_90d, late_payments_12m, age,"
            + " has_partner, internet_service, discount_pct, dependents, autopay, days_since_plan_change";

    /** Creates {@code table} with the demo customers, an unrelated column, and the two bad rows. */
    static void load(LocalPostgres pg, String table) throws Exception {
        pg.execute(
                "DROP TABLE IF EXISTS " + table,
                "CREATE TABLE " + table + " (customer_id text, tenure_months int, monthly_charges numeric(8,2),"
                        + " total_charges numeric(10,2), contract text, payment_method text, paperless_billing boolean,"
                        + " num_products int, support_calls_90d int, late_payments_12m int, age int, has_partner boolean,"
                        + " internet_service text, discount_pct int, dependents int, autopay boolean,"
                        + " days_since_plan_change int, email text DEFAULT 'someone@example.com')");
        try (Connection c = pg.connect();
                Reader in = Files.newBufferedReader(CUSTOMERS_CSV, StandardCharsets.UTF_8)) {
            c.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn("COPY " + table + " (" + COLUMNS + ") FROM STDIN WITH (FORMAT csv, HEADER true)", in);
        }
        pg.execute(
                "INSERT INTO " + table + " (" + COLUMNS + ") VALUES ('cust-9999001', 12, 50.0, 600.0, 'one_year',"
                        + " 'card', true, 1, 0, 0, NULL, false, 'dsl', 0, 0, true, 100)",
                "INSERT INTO " + table + " (" + COLUMNS + ") VALUES (NULL, 12, 50.0, 600.0, 'one_year',"
                        + " 'card', true, 1, 0, 0, 40, false, 'dsl', 0, 0, true, 100)");
    }

    /**
     * Makes sure {@code table} holds the demo customers and Redis their activity, loading only what is
     * missing: checked against the servers' actual contents, so whatever an earlier test left (a
     * Redis restarted empty, a dropped table) a test starts from the same data, alone or in any order.
     */
    static void ensureLoaded(LocalPostgres pg, String table, LocalRedis redis) throws Exception {
        long rows = -1;
        try (Connection c = pg.connect();
                java.sql.Statement st = c.createStatement()) {
            try (java.sql.ResultSet rs = st.executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    try (java.sql.ResultSet count = st.executeQuery("SELECT count(*) FROM " + table)) {
                        count.next();
                        rows = count.getLong(1);
                    }
                }
            }
        }
        if (rows != CUSTOMERS + BAD_ROWS) {
            load(pg, table);
        }
        long activities = Files.readAllLines(ACTIVITY_CSV).size() - 1 - NO_ACTIVITY.size();
        if (Long.parseLong(redis.command("DBSIZE")) != activities) {
            redis.command("FLUSHALL");
            seedRedis(redis);
        }
    }

    /** Writes every demo customer's activity to Redis except {@link #NO_ACTIVITY}. */
    static void seedRedis(LocalRedis redis) {
        RedisHashes.load(redis.uri(), ACTIVITY_CSV, "activity:");
        redis.command(Stream.concat(Stream.of("DEL"), NO_ACTIVITY.stream().map(id -> "activity:" + id))
                .toArray(String[]::new));
    }

    /** Demo customer {@code id} as the generator made it (table and activity columns). */
    static ChurnData.Customer customer(String id) {
        String[] t = row(CUSTOMERS_CSV, id);
        String[] a = row(ACTIVITY_CSV, id);
        return new ChurnData.Customer(
                t[0],
                Integer.parseInt(t[1]),
                Double.parseDouble(t[2]),
                Double.parseDouble(t[3]),
                t[4],
                t[5],
                Boolean.parseBoolean(t[6]),
                Integer.parseInt(t[7]),
                Integer.parseInt(t[8]),
                Integer.parseInt(t[9]),
                Integer.parseInt(t[10]),
                Boolean.parseBoolean(t[11]),
                t[12],
                Integer.parseInt(t[13]),
                Integer.parseInt(t[14]),
                Boolean.parseBoolean(t[15]),
                Integer.parseInt(t[16]),
                Integer.parseInt(a[1]),
                Integer.parseInt(a[2]),
                Integer.parseInt(a[3]),
                Integer.parseInt(a[4]),
                false);
    }

    private static String[] row(Path csv, String id) {
        return RedisHashes.read(csv).rows().stream()
                .filter(cells -> cells[0].equals(id))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(csv + " has no row for " + id));
    }
}
