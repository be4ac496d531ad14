package io.inferfn.spark;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bad arguments fail before Spark does any work, naming what was wrong and what was expected. */
class JobArgsTest {

    private static JobArgs parse(String... args) {
        return JobArgs.parse(args, key -> Optional.empty());
    }

    @Test
    void theDefaultsAreBatchScoresAndTheSpecsAreParsedBySchemeSecretsComeFromTheEnvironment() {
        JobArgs a = JobArgs.parse(
                new String[] {
                    "--model",
                    "s3://models/churn/2",
                    "--source",
                    "jdbc:(select * from customers)",
                    "--sink",
                    "iceberg:gold.churn",
                    "--run-id",
                    "2026-12-01T02:00:00Z",
                    "--jdbc-url",
                    "jdbc:postgresql://db/x"
                },
                key -> key.equals("INFERFN_JDBC_PASSWORD") ? Optional.of("s3cret") : Optional.empty());
        assertThat(a.entityColumn()).isEqualTo("customer_id");
        assertThat(a.batchSize()).isEqualTo(1024);
        assertThat(a.source()).isEqualTo(new TableSpec.JdbcTable(null, "select * from customers"));
        assertThat(((TableSpec.IcebergTable) a.sink()).qualified("inferfn")).isEqualTo("inferfn.gold.churn");
        assertThat(a.jdbc().password()).isEqualTo("s3cret");
    }

    @Test
    void eachBadArgumentIsNamedWithWhatWasExpected() {
        String[] ok = {"--model", "m", "--source", "parquet:/in", "--sink", "parquet:/out", "--run-id", "r1"};
        assertThatThrownBy(() -> parse("--model", "m"))
                .hasMessage("--source is required: iceberg:<ns>.<table>, parquet:<path> or jdbc:<table>");
        assertThatThrownBy(() -> parse("--model", "m", "--source", "csv:/in", "--sink", "parquet:/o", "--run-id", "r"))
                .hasMessageContaining("--source 'csv:/in' has no known scheme; expected iceberg:<ns>.<table>,"
                        + " parquet:<path>, jdbc:<table> or jdbc:(select ...)");
        assertThatThrownBy(() -> parse(with(ok, "--sink", "jdbc:(select 1)")))
                .hasMessageContaining("is a query; a sink is a table");
        assertThatThrownBy(() -> parse(with(ok, "--sink", "iceberg:churn")))
                .hasMessageContaining("expected iceberg:<namespace>.<table>");
        assertThatThrownBy(() -> parse(with(ok, "--run-id", "no spaces")))
                .hasMessageStartingWith("--run-id: must be 1-128 characters");
        assertThatThrownBy(() -> parse(with(ok, "--batch-size", "0")))
                .hasMessage("--batch-size must be a whole number from 1 to 65536; got '0'");
        assertThatThrownBy(() -> parse(with(ok, "--redis", "localhost:6379")))
                .hasMessageContaining("--redis must be redis://host:port");
        assertThatThrownBy(() -> parse(with(ok, "--sink", "jdbc:out")))
                .hasMessageStartingWith("--jdbc-url is required");
        assertThatThrownBy(() -> parse(with(ok, "--bogus", "1"))).hasMessageStartingWith("unknown argument '--bogus'");
    }

    private static String[] with(String[] args, String name, String value) {
        String[] out = java.util.Arrays.copyOf(args, args.length + 2);
        for (int i = 0; i < args.length; i += 2) {
            if (args[i].equals(name)) {
                out = args.clone();
                out[i + 1] = value;
                return out;
            }
        }
        out[args.length] = name;
        out[args.length + 1] = value;
        return out;
    }
}
