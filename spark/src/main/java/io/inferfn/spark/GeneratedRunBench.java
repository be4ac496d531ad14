package io.inferfn.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.SparkSession;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lpad;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.round;

/**
 * Times one Parquet → Iceberg run of the churn demo model on {@code N} generated customers in {@code local[2]}: the
 * customers (all 20 features, the four store features as columns, so no Redis is needed) are generated and written
 * to Parquet first, outside the timing; then {@link SparkScore#run} scores them into an Iceberg table of a Hadoop
 * catalog in a temporary warehouse and the rows/s are printed. For {@code ./inferfn bench}; not a test.
 *
 * <pre>
 * java @argfile io.inferfn.spark.GeneratedRunBench [rows=1000000] [model=models/churn/2] [master=local[2]] [redis=]
 * </pre>
 *
 * The class path must reach the JVM as an {@code @argfile} or {@code CLASSPATH} (or through spark-submit): ONNX Runtime
 * 1.29 crashes when the {@code java} command line itself carries a class path of ~200 jars.
 */
public final class GeneratedRunBench {

    private GeneratedRunBench() {}

    public static void main(String[] args) throws Exception {
        long rows = 1_000_000;
        String model = "models/churn/2";
        String master = "local[2]";
        String redis = null;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "rows" -> rows = Long.parseLong(kv[1].replace("_", ""));
                case "model" -> model = kv[1];
                case "master" -> master = kv[1];
                case "redis" -> redis = kv[1].isEmpty() ? null : kv[1];
                default ->
                    throw new IllegalArgumentException("unknown argument '" + a
                            + "'; expected rows=<n>, model=<dir>, master=<spark master>, redis=<uri>");
            }
        }
        Path work = Files.createTempDirectory("inferfn-spark-bench");
        SparkSession spark = SparkSession.builder()
                .master(master)
                .appName("inferfn spark bench")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.sql.catalog.bench", "org.apache.iceberg.spark.SparkCatalog")
                .config("spark.sql.catalog.bench.type", "hadoop")
                .config(
                        "spark.sql.catalog.bench.warehouse",
                        work.resolve("warehouse").toUri().toString())
                .getOrCreate();
        try {
            String source = work.resolve("customers.parquet").toString();
            long g0 = System.nanoTime();
            customers(spark, rows).write().parquet(source);
            double generated = (System.nanoTime() - g0) / 1e9;
            JobArgs job = JobArgs.parse(
                    redis == null
                            ? new String[] {
                                "--model",
                                model,
                                "--source",
                                "parquet:" + source,
                                "--sink",
                                "iceberg:bench.gold.churn",
                                "--run-id",
                                "bench-1"
                            }
                            : new String[] {
                                "--model",
                                model,
                                "--source",
                                "parquet:" + source,
                                "--sink",
                                "iceberg:bench.gold.churn",
                                "--run-id",
                                "bench-1",
                                "--redis",
                                redis
                            },
                    key -> java.util.Optional.empty());
            SparkScore.Summary s = SparkScore.run(spark, job);
            System.out.println(String.format(
                    Locale.ROOT,
                    "spark %s: %,d rows Parquet -> Iceberg in %,d ms: %,.0f rows/s (%,d scored, %,d rejected, %,d"
                            + " degraded; generating the Parquet took %.1f s, not counted)",
                    master,
                    s.rows(),
                    s.millis(),
                    s.rowsPerSecond(),
                    s.scored(),
                    s.rejected(),
                    s.degraded(),
                    generated));
        } finally {
            spark.stop();
        }
    }

    /** {@code n} customers with every feature of the churn model, values in the demo data's ranges. */
    static org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> customers(SparkSession spark, long n) {
        return spark.range(n)
                .select(
                        concat(lit("cust-"), lpad(col("id").cast("string"), 10, "0"))
                                .as("customer_id"),
                        floor(rand(1).multiply(72)).as("tenure_months"),
                        round(rand(2).multiply(100).plus(20), 2).as("monthly_charges"),
                        round(rand(3).multiply(7000), 2).as("total_charges"),
                        pick(4, "month_to_month", "one_year", "two_year").as("contract"),
                        pick(5, "bank_transfer", "card", "electronic_check", "mailed_check")
                                .as("payment_method"),
                        rand(6).gt(0.5).as("paperless_billing"),
                        floor(rand(7).multiply(5)).plus(1).as("num_products"),
                        floor(rand(8).multiply(6)).as("support_calls_90d"),
                        floor(rand(9).multiply(4)).as("late_payments_12m"),
                        floor(rand(10).multiply(60)).plus(18).as("age"),
                        rand(11).gt(0.5).as("has_partner"),
                        pick(12, "dsl", "fiber", "none").as("internet_service"),
                        floor(rand(13).multiply(4)).multiply(5).as("discount_pct"),
                        floor(rand(14).multiply(4)).as("dependents"),
                        rand(15).gt(0.5).as("autopay"),
                        floor(rand(16).multiply(720)).as("days_since_plan_change"),
                        floor(rand(17).multiply(30)).as("logins_30d"),
                        floor(rand(18).multiply(30)).as("days_since_last_login"),
                        floor(rand(19).multiply(600)).as("app_minutes_30d"),
                        floor(rand(20).multiply(3)).as("complaints_30d"));
    }

    private static Column pick(long seed, String... values) {
        Column[] options = new Column[values.length];
        for (int i = 0; i < values.length; i++) {
            options[i] = lit(values[i]);
        }
        return element_at(
                org.apache.spark.sql.functions.array(options),
                floor(rand(seed).multiply(values.length)).plus(1).cast("int"));
    }
}
