package io.inferfn.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.schema.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.inferfn.model.ModelManifest;

import static org.assertj.core.api.Assertions.assertThat;

/** bench spark's source file: one column per churn feature the rows supply, named as the manifest names them. */
class ChurnParquetTest {

    @Test
    void theFileHoldsTheRowsAndEveryRawChurnFeatureByItsManifestName(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("churn.parquet");
        ChurnParquet.write(file, 1000);
        ModelManifest manifest =
                ModelManifest.parse(Files.readAllBytes(Path.of("../models/churn/2/manifest.json")), "churn manifest");
        List<String> raw = new ArrayList<>();
        for (var f : manifest.features()) {
            if (f.source() != ModelManifest.FeatureSource.DERIVED) {
                raw.add(f.name());
            }
        }
        assertThat(raw).hasSize(20);
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
            assertThat(reader.getRecordCount()).isEqualTo(1000);
            List<String> columns = reader.getFooter().getFileMetaData().getSchema().getFields().stream()
                    .map(Type::getName)
                    .toList();
            assertThat(columns.get(0)).isEqualTo("customer_id");
            assertThat(columns.subList(1, columns.size())).containsExactlyInAnyOrderElementsOf(raw);
        }
    }
}
