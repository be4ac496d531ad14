package io.inferfn.localstack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;

import org.apache.commons.io.file.PathUtils;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LocalPostgresTest {

    @Test
    void keepsCommittedRowsAcrossARestartAndItsGivenDirectoryAfterClose() throws Exception {
        Path given = Files.createTempDirectory("pg-test");
        try (LocalPostgres pg = LocalPostgres.onPort(0, given)) {
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
        // a directory the caller chose (the demo's .inferfn/demo-postgres) is the caller's: kept
        assertThat(given.resolve("PG_VERSION")).exists();
        PathUtils.deleteDirectory(given);
    }

    @Test
    void closeDeletesTheTempDataDirectoryItMade() throws Exception {
        Path made;
        try (LocalPostgres pg = LocalPostgres.startOnFreePort()) {
            made = pg.dataDir();
            pg.execute("CREATE TABLE t (id int)");
            assertThat(made.resolve("PG_VERSION")).exists();
        }
        assertThat(made).doesNotExist();
    }
}
