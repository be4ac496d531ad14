package io.inferfn.localstack;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisHashesTest {

    @TempDir
    Path dir;

    @Test
    void eachRowBecomesAHashUnderItsIdWithTheOtherColumnsAsFields() throws Exception {
        StringBuilder csv = new StringBuilder("customer_id,avg_amount_30d,note\n");
        for (int i = 0; i < 1_203; i++) { // more than two pipelines
            csv.append("c-").append(i).append(',').append(i).append(".5,plain\n");
        }
        csv.append("\n\"c-q\",7,\"quoted, with a comma\"\n");
        Path file = Files.writeString(dir.resolve("customers.csv"), csv);
        try (LocalRedis redis = LocalRedis.startOnFreePort()) {
            assertThat(RedisHashes.load(redis.uri(), file, "customer:")).isEqualTo(1_204);

            assertThat(redis.command("DBSIZE")).isEqualTo("1204");
            assertThat(redis.command("HGET", "customer:c-1202", "avg_amount_30d"))
                    .isEqualTo("1202.5");
            assertThat(redis.command("HGET", "customer:c-q", "note")).isEqualTo("quoted, with a comma");
            assertThat(redis.command("HEXISTS", "customer:c-0", "customer_id")).isEqualTo("0");
        }
    }

    @Test
    void aRowOfAnotherWidthThanTheHeaderIsNamedInTheError() throws Exception {
        Path file =
                Files.writeString(dir.resolve("sensors.csv"), "sensor_id,temp_mean,temp_std\ns-1,70.1,2.0\ns-2,70.1\n");

        assertThatThrownBy(() -> RedisHashes.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sensors.csv: data row 2 has 2 cells")
                .hasMessageContaining("expected 3 as in the header [sensor_id, temp_mean, temp_std]");
    }
}
