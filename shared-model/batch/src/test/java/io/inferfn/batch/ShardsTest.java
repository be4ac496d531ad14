package io.inferfn.batch;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.inferfn.localstack.LocalPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/** Java and PostgreSQL assign every id to the same shard, so files and tables shard alike. */
class ShardsTest {

    @Test
    void javaAndPostgresAgreeOnEveryShardAndShardsPartitionTheIds() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            ids.add("cust-" + i);
        }
        ids.addAll(List.of("Zoë-ü-ß", "日本-42", "o'brien", "tab\tinside", "", "  "));
        try (LocalPostgres pg = LocalPostgres.startOnFreePort();
                Connection c = pg.connect()) {
            for (int count : new int[] {2, 7, 16}) {
                Set<String> seen = new HashSet<>();
                for (int index = 0; index < count; index++) {
                    String sql = "SELECT id FROM unnest(?::text[]) AS t(id) WHERE "
                            + Shards.sqlPredicate("id", index, count);
                    Set<String> inShard = new HashSet<>();
                    try (PreparedStatement st = c.prepareStatement(sql)) {
                        st.setArray(1, c.createArrayOf("text", ids.toArray()));
                        try (ResultSet rs = st.executeQuery()) {
                            while (rs.next()) {
                                inShard.add(rs.getString(1));
                            }
                        }
                    }
                    for (String id : ids) {
                        boolean java = Shards.owns(id, index, count);
                        // blank ids go to shard 0 in Java; PostgreSQL's predicate covers NULL and '' there
                        if (!id.isBlank() || id.isEmpty()) {
                            assertThat(inShard.contains(id))
                                    .as("'%s' in shard %d/%d", id, index, count)
                                    .isEqualTo(java);
                        }
                    }
                    assertThat(seen).doesNotContainAnyElementsOf(inShard);
                    seen.addAll(inShard);
                }
                assertThat(seen).hasSize(ids.size());
            }
        }
        assertThat(Shards.of("cust-0000001", 1)).isZero();
    }
}
