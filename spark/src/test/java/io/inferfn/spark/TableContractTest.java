package io.inferfn.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.iceberg.Table;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

import static io.inferfn.spark.SparkStack.SPARK;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tables the job creates are the ones batch-score's Iceberg sink writes: compared, column by column, with the
 * shared contract file both modules test against (shared-model/batch-iceberg/src/test/resources/prediction-tables.txt).
 */
class TableContractTest {

    private static final Path CONTRACT =
            Path.of("../shared-model/batch-iceberg/src/test/resources/prediction-tables.txt");

    static Map<String, List<String>> contract() throws Exception {
        Map<String, List<String>> tables = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : Files.readAllLines(CONTRACT)) {
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

    /** As batch-iceberg's PredictionTable.describe prints a column. */
    static String describe(Types.NestedField field) {
        String type = field.type().toString();
        if (field.type() instanceof Types.MapType map) {
            type += map.isValueOptional() ? " (values optional)" : " (values required)";
        }
        return field.name() + " " + type + (field.isRequired() ? " required" : " optional");
    }

    @Test
    void theTablesTheJobCreatesAreTheSharedContract() throws Exception {
        Map<String, List<String>> contract = contract();
        String name = "inferfn.contract.predictions";
        SPARK.sql("DROP TABLE IF EXISTS " + name);
        SPARK.sql("DROP TABLE IF EXISTS " + TableContract.rejects(name));
        SPARK.sql(TableContract.icebergDdl(name, TableContract.PREDICTIONS));
        SPARK.sql(TableContract.icebergDdl(TableContract.rejects(name), TableContract.REJECTS));
        Table predictions = Spark3Util.loadIcebergTable(SPARK, name);
        Table rejects = Spark3Util.loadIcebergTable(SPARK, TableContract.rejects(name));
        assertThat(predictions.schema().columns().stream().map(TableContractTest::describe))
                .containsExactlyElementsOf(contract.get("predictions"));
        assertThat(rejects.schema().columns().stream().map(TableContractTest::describe))
                .containsExactlyElementsOf(contract.get("rejects"));
        assertThat(predictions.spec().fields()).singleElement().satisfies(f -> {
            assertThat(predictions.schema().findColumnName(f.sourceId())).isEqualTo("run_date");
            assertThat(f.transform().toString()).isEqualTo("identity");
        });
        assertThat(predictions.properties()).containsEntry("write.metadata.metrics.column.run_id", "full");
    }
}
