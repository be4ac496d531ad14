package io.inferfn.cli;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.inferfn.localstack.LocalPostgres;

/**
 * Rows in an Iceberg table of the JDBC catalog, read from its current snapshot's summary ({@code
 * total-records}) in the table's metadata file: how the benches check what a run committed without
 * Iceberg on the CLI's class path.
 */
final class IcebergCount {

    private static final ObjectMapper JSON = new ObjectMapper();

    private IcebergCount() {}

    /** Rows of {@code namespace.table} as of its current snapshot; -1 when the table does not exist. */
    static long totalRecords(LocalPostgres pg, String namespace, String table) throws Exception {
        String location;
        try (Connection c = pg.connect();
                PreparedStatement st = c.prepareStatement(
                        "SELECT metadata_location FROM iceberg_tables WHERE table_namespace = ? AND table_name = ?")) {
            st.setString(1, namespace);
            st.setString(2, table);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return -1;
                }
                location = rs.getString(1);
            }
        }
        JsonNode metadata = JSON.readTree(Files.readString(Path.of(URI.create(location))));
        long current = metadata.path("current-snapshot-id").asLong(-1);
        for (JsonNode snapshot : metadata.path("snapshots")) {
            if (snapshot.path("snapshot-id").asLong() == current) {
                return snapshot.path("summary").path("total-records").asLong();
            }
        }
        return 0;
    }
}
