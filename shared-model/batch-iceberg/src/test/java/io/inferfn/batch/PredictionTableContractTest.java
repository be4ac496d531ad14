package io.inferfn.batch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.iceberg.Schema;
import org.junit.jupiter.api.Test;

import io.inferfn.batch.iceberg.PredictionTable;

import static org.assertj.core.api.Assertions.assertThat;

/** batch-score's Iceberg tables are the shared contract the Spark job writes too (src/test/resources/prediction-tables.txt). */
class PredictionTableContractTest {

    /** The contract file's sections: table -> column lines. */
    static Map<String, List<String>> contract(Path file) throws Exception {
        Map<String, List<String>> tables = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                current = new ArrayList<>();
                tables.put(line.substring(1, line.length() - 1), current);
            } else {
                current.add(line.trim());
            }
        }
        return tables;
    }

    private static List<String> described(Schema schema) {
        return schema.columns().stream().map(PredictionTable::describe).toList();
    }

    @Test
    void theSinksTablesAreTheSharedContract() throws Exception {
        Map<String, List<String>> contract = contract(Path.of("src/test/resources/prediction-tables.txt"));
        assertThat(described(PredictionTable.schema())).containsExactlyElementsOf(contract.get("predictions"));
        assertThat(described(PredictionTable.rejectsSchema())).containsExactlyElementsOf(contract.get("rejects"));
        assertThat(PredictionTable.spec().fields()).singleElement().satisfies(f -> {
            assertThat(f.name()).isEqualTo("run_date");
            assertThat(f.transform().toString()).isEqualTo("identity");
        });
    }
}
