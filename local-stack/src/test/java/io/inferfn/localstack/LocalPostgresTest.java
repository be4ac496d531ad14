package io.inferfn.localstack;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LocalPostgresTest {

    @Test
    void keepsCommittedRowsAcrossARestart() throws Exception {
        try (LocalPostgres pg = LocalPostgres.onPort(0, Files.createTempDirectory("pg-test"))) {
            pg.start();
            pg.execute("CREATE TABLE t (id int PRIMARY KEY)", "INSERT INTO t SELECT generate_series(1, 1000)");
            pg.stop();
            pg.start();
            try (Connection c = pg.connect();
                    ResultSet rs = c.createStatement().executeQuery("SELECT count(*), version() FROM t")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(1000);
                assertThat(rs.getString(2)).startsWith("PostgreSQL");
            }
        }
    }
}
