package io.inferfn.batch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.inferfn.batch.iceberg.PredictionTable;
import io.inferfn.features.FeatureStore;
import io.inferfn.localstack.LocalPostgres;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.scoring.InvalidRequestException;
import io.inferfn.scoring.Scorer;
import io.inferfn.testing.ConverterGraphs;
import io.inferfn.testing.TinyModels;

import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.apache.iceberg.types.Types.NestedField.required;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code iceberg:} sinks and sources on Iceberg's JDBC catalog in a real PostgreSQL, warehouse in a temporary
 * directory, read back with Iceberg's own generic reader (not ours) and compared with what the CSV sink writes for
 * the same rows.
 */
class IcebergSinkTest {

    /** y = sigmoid(a - b), both from the row. */
    static final String MANIFEST =
            """
            {"name": "tiny-iceberg", "version": "3", "sha256": "$SHA", "quantization": "fp32",
             "inputs": [{"name": "x", "type": "float32", "shape": [-1, 2], "features": ["a", "b"]}],
             "features": [{"name": "a", "source": "request"}, {"name": "b", "source": "request", "default": 0}],
             "output": {"tensor": "y", "thresholds": [0.5], "labels": ["low", "high"]}}""";

    static final String TIERS =
            """
            {"name": "tiers", "version": "1", "sha256": "$SHA", "quantization": "fp32",
             "inputs": [{"name": "amount", "type": "float32", "shape": [-1, 1], "features": ["amount"]},
                        {"name": "country", "type": "string", "shape": [-1, 1], "feature": "country"}],
             "features": [{"name": "amount", "source": "request"},
                          {"name": "country", "source": "request", "type": "string", "default": "US"}],
             "output": {"kind": "multiclass", "tensor": "output_probability"}}""";

    static final String TIERS_CSV = "id,amount,country\nt-1,75.5,FR\nt-2,3,\nt-3,120,DE\nt-4,10,US\n";

    static final int ENTITIES = 300;
    static final BatchOptions OPTIONS = new BatchOptions("id", 64, 100, Duration.ofMinutes(1), 10, Duration.ZERO);

    static LocalPostgres pg;
    static CatalogSettings settings;
    static Catalog catalog;

    @TempDir
    static Path warehouse;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        pg = LocalPostgres.startOnFreePort();
        settings = new CatalogSettings(
                "jdbc", "inferfn", pg.jdbcUrl(), LocalPostgres.USER, null, "file:" + warehouse, null);
        catalog = IcebergCatalogs.catalog(settings);
    }

    @AfterAll
    static void stop() {
        pg.close();
    }

    @Test
    void aRunReadByIcebergsOwnReaderHasOneRowPerEntityWithTheScoresTheCsvSinkWrites() throws Exception {
        Path source = csv(ENTITIES, true);
        try (LoadedModel model = binary()) {
            RunSummary summary = runner().run(
                            model, new RunSpec("2026-12-01T08:00:00Z", 0, 1, "file:" + source, "iceberg:gold.first"));
            runner().run(
                            model,
                            new RunSpec(
                                    "2026-12-01T08:00:00Z", 0, 1, "file:" + source, "file:" + dir.resolve("out.csv")));
            assertThat(summary.rowsScored()).isEqualTo(ENTITIES);
            assertThat(summary.rowsRejected()).isEqualTo(1);

            List<Record> rows = read("gold.first");
            assertThat(rows).hasSize(ENTITIES);
            Map<String, String> csv = csvScores(dir.resolve("out.csv"));
            Map<String, String> iceberg = new HashMap<>();
            for (Record r : rows) {
                assertThat(iceberg.put(
                                (String) r.getField("entity_id"), r.getField("score") + "/" + r.getField("label")))
                        .as("one row per entity")
                        .isNull();
                assertThat(r.getField("run_id")).isEqualTo("2026-12-01T08:00:00Z");
                assertThat(r.getField("run_date")).isEqualTo(LocalDate.now(ZoneOffset.UTC));
                assertThat(r.getField("model")).isEqualTo("tiny-iceberg");
                assertThat(r.getField("model_version")).isEqualTo("3");
                assertThat(r.getField("shard")).isEqualTo(0);
                assertThat(r.getField("degraded")).isEqualTo(false);
            }
            assertThat(iceberg).isEqualTo(csv);

            List<Record> rejects = read("gold.first_rejects");
            assertThat(rejects).hasSize(1);
            assertThat(rejects.get(0).getField("entity_id")).isEqualTo("bad-1");
            assertThat((String) rejects.get(0).getField("reason")).contains("'a'");
            assertThat((String) rejects.get(0).getField("row_data")).contains("not-a-number");

            Snapshot snapshot = table("gold.first").currentSnapshot();
            assertThat(snapshot.summary())
                    .containsEntry(PredictionTable.RUN_ID, "2026-12-01T08:00:00Z")
                    .containsEntry(PredictionTable.MODEL, "tiny-iceberg")
                    .containsEntry(PredictionTable.MODEL_VERSION, "3");
            assertThat(table("gold.first").spec())
                    .isEqualTo(PredictionTable.spec(table("gold.first").schema()));
            // written with the table's codec (zstd on tables Iceberg 1.10 creates), not parquet-java's default gzip
            assertThat(table("gold.first").properties()).containsEntry("write.parquet.compression-codec", "zstd");
            for (org.apache.iceberg.DataFile file :
                    snapshot.addedDataFiles(table("gold.first").io())) {
                try (var footer = org.apache.parquet.hadoop.ParquetFileReader.open(
                        new org.apache.parquet.io.LocalInputFile(Path.of(java.net.URI.create(file.location()))))) {
                    assertThat(footer.getRowGroups().get(0).getColumns().get(0).getCodec())
                            .isEqualTo(org.apache.parquet.hadoop.metadata.CompressionCodecName.ZSTD);
                }
            }
        }
    }

    @Test
    void aRerunOfTheSameRunIdLeavesExactlyOneRowPerEntityAndOtherRunsUntouched() throws Exception {
        Path source = csv(ENTITIES, false);
        try (LoadedModel model = binary()) {
            for (String run : List.of("run-a", "run-b", "run-a", "run-a")) {
                runner().run(model, new RunSpec(run, 0, 1, "file:" + source, "iceberg:gold.rerun"));
            }
            Map<String, Integer> perRun = new HashMap<>();
            Map<String, Integer> perEntityOfA = new HashMap<>();
            for (Record r : read("gold.rerun")) {
                perRun.merge((String) r.getField("run_id"), 1, Integer::sum);
                if ("run-a".equals(r.getField("run_id"))) {
                    perEntityOfA.merge((String) r.getField("entity_id"), 1, Integer::sum);
                }
            }
            assertThat(perRun).isEqualTo(Map.of("run-a", ENTITIES, "run-b", ENTITIES));
            assertThat(perEntityOfA).hasSize(ENTITIES).allSatisfy((entity, n) -> assertThat(n)
                    .isEqualTo(1));
        }
    }

    @Test
    void aRunKilledMidwayLeavesTheTablesAsTheyWere() throws Exception {
        try (LoadedModel model = binary()) {
            runner().run(model, new RunSpec("run-k", 0, 1, "file:" + csv(ENTITIES, false), "iceberg:gold.killed"));
            long before = table("gold.killed").currentSnapshot().snapshotId();
            long rejectsBefore = table("gold.killed_rejects").currentSnapshot().snapshotId();
            List<Record> rowsBefore = read("gold.killed");

            // the same run again, failing midway: more rejects than the run allows (10), after rows were written
            StringBuilder bad = new StringBuilder("id,a,b\n");
            for (int i = 0; i < 200; i++) {
                bad.append("k-")
                        .append(i)
                        .append(',')
                        .append(i < 100 ? "1.5" : "oops")
                        .append(",1\n");
            }
            Path failing = dir.resolve("failing.csv");
            Files.writeString(failing, bad);
            assertThatThrownBy(() ->
                            runner().run(model, new RunSpec("run-k", 0, 1, "file:" + failing, "iceberg:gold.killed")))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("nothing committed");

            // and an attempt closed without a commit, after writing
            Path filesBefore = Path.of(java.net.URI.create(table("gold.killed").location()));
            long dataFiles = countDataFiles(filesBefore);
            try (PredictionSink sink = new IcebergScheme()
                    .openSink(
                            "gold.killed",
                            context(),
                            model,
                            new RunSpec("run-k", 0, 1, "file:x.csv", "x"),
                            Instant.now())) {
                sink.write(List.of(new io.inferfn.scoring.Prediction("k-1", 0.5f, "high", false, List.of())));
                sink.reject("k-2", "a reason", "k-2,oops,1");
            }

            assertThat(table("gold.killed").currentSnapshot().snapshotId()).isEqualTo(before);
            assertThat(table("gold.killed_rejects").currentSnapshot().snapshotId())
                    .isEqualTo(rejectsBefore);
            assertThat(read("gold.killed")).hasSameSizeAs(rowsBefore);
            assertThat(countDataFiles(filesBefore))
                    .as("the attempt's files are deleted")
                    .isEqualTo(dataFiles);
        }
    }

    @Test
    void fourShardsCommittingAtOnceWriteEveryRowOnceAndSoDoesTheirRerun() throws Exception {
        Path source = csv(2_000, false);
        try (LoadedModel model = binary()) {
            for (int attempt = 0; attempt < 2; attempt++) {
                ExecutorService pool = Executors.newFixedThreadPool(4);
                try {
                    List<Future<RunSummary>> shards = new ArrayList<>();
                    for (int i = 0; i < 4; i++) {
                        RunSpec spec = new RunSpec("run-s", i, 4, "file:" + source, "iceberg:gold.sharded");
                        shards.add(pool.submit((Callable<RunSummary>) () -> runner().run(model, spec)));
                    }
                    long scored = 0;
                    for (Future<RunSummary> shard : shards) {
                        scored += shard.get().rowsScored();
                    }
                    assertThat(scored).isEqualTo(2_000);
                } finally {
                    pool.shutdown();
                }
                Map<String, Integer> perEntity = new HashMap<>();
                for (Record r : read("gold.sharded")) {
                    perEntity.merge((String) r.getField("entity_id"), 1, Integer::sum);
                    assertThat(r.getField("shard")).isEqualTo(Shards.of((String) r.getField("entity_id"), 4));
                }
                assertThat(perEntity).as("attempt %d", attempt).hasSize(2_000);
                assertThat(perEntity.values()).containsOnly(1);
            }
        }
    }

    @Test
    void aMulticlassModelsProbabilitiesAreWrittenAsTheCsvSinkWritesThem() throws Exception {
        Path source = dir.resolve("tiers.csv");
        Files.writeString(source, TIERS_CSV);
        try (LoadedModel model = ModelRegistry.local(OnnxOptions.DEFAULTS)
                .load("file:" + TinyModels.publish(ConverterGraphs.sklearnPipeline(), TIERS))) {
            runner().run(model, new RunSpec("run-m", 0, 1, "file:" + source, "iceberg:gold.tiers"));
            runner().run(model, new RunSpec("run-m", 0, 1, "file:" + source, "file:" + dir.resolve("tiers-out.csv")));
            List<String> csv = Files.readAllLines(dir.resolve("tiers-out.csv"));
            String[] header = csv.get(0).split(",");
            Map<String, Map<String, Float>> expected = new HashMap<>();
            for (String line : csv.subList(1, csv.size())) {
                String[] f = line.split(",", -1);
                Map<String, Float> probabilities = new HashMap<>();
                for (int k = 9; k < f.length; k++) {
                    probabilities.put(header[k].substring("prob_".length()), Float.parseFloat(f[k]));
                }
                expected.put(f[1], probabilities);
            }
            Map<String, Map<?, ?>> written = new HashMap<>();
            for (Record r : read("gold.tiers")) {
                written.put((String) r.getField("entity_id"), (Map<?, ?>) r.getField("probabilities"));
                assertThat((String) r.getField("label")).isIn(ConverterGraphs.TIERS);
            }
            assertThat(expected).hasSize(4);
            assertThat(written).isEqualTo(expected);
        }
    }

    @Test
    void anIcebergSourceScoresTheSameRowsAsACsvSourceOfTheSameData() throws Exception {
        Path source = csv(ENTITIES, false);
        // the same rows as an Iceberg table, written by Iceberg's generic appender (a, b as double; an extra column)
        Schema schema = new Schema(
                required(1, "id", Types.StringType.get()),
                optional(2, "a", Types.DoubleType.get()),
                optional(3, "b", Types.DoubleType.get()),
                optional(4, "note", Types.StringType.get()));
        ((org.apache.iceberg.catalog.SupportsNamespaces) catalog)
                .createNamespace(org.apache.iceberg.catalog.Namespace.of("src"));
        Table table = catalog.createTable(TableIdentifier.of("src", "customers"), schema);
        OutputFileFactory files = OutputFileFactory.builderFor(table, 1, 1).build();
        DataWriter<Record> writer = new GenericAppenderFactory(schema)
                .newDataWriter(files.newOutputFile(), org.apache.iceberg.FileFormat.PARQUET, null);
        GenericRecord r = GenericRecord.create(schema);
        for (String line : Files.readAllLines(source).subList(1, ENTITIES + 1)) {
            String[] f = line.split(",");
            writer.write(r.copy(
                    Map.of("id", f[0], "a", Double.parseDouble(f[1]), "b", Double.parseDouble(f[2]), "note", "x")));
        }
        writer.close();
        table.newAppend().appendFile(writer.toDataFile()).commit();

        try (LoadedModel model = binary()) {
            for (int shard = 0; shard < 3; shard++) {
                runner().run(
                                model,
                                new RunSpec(
                                        "run-src",
                                        shard,
                                        3,
                                        "iceberg:src.customers",
                                        "file:" + dir.resolve("from-iceberg.csv")));
                runner().run(
                                model,
                                new RunSpec(
                                        "run-src", shard, 3, "file:" + source, "file:" + dir.resolve("from-csv.csv")));
            }
            Map<String, String> fromIceberg = new HashMap<>();
            Map<String, String> fromCsv = new HashMap<>();
            for (int shard = 0; shard < 3; shard++) {
                fromIceberg.putAll(csvScores(dir.resolve("from-iceberg-shard-" + shard + "-of-3.csv")));
                fromCsv.putAll(csvScores(dir.resolve("from-csv-shard-" + shard + "-of-3.csv")));
            }
            assertThat(fromIceberg).hasSize(ENTITIES).isEqualTo(fromCsv);
        }
    }

    @Test
    void aTableMadeBeforeTextModelsGainsTheEmbeddingColumnAfterProbabilitiesAndKeepsItsRows() throws Exception {
        // the contract as it was before text models: every column but embedding, same partitioning and properties
        Schema before = PredictionTable.schema()
                .select(PredictionTable.schema().columns().stream()
                        .map(Types.NestedField::name)
                        .filter(name -> !name.equals(PredictionTable.EMBEDDING))
                        .toList());
        ((org.apache.iceberg.catalog.SupportsNamespaces) catalog)
                .createNamespace(org.apache.iceberg.catalog.Namespace.of("older"));
        catalog.buildTable(TableIdentifier.of("older", "predictions"), before)
                .withPartitionSpec(PredictionTable.spec(before))
                .withProperties(PredictionTable.properties())
                .create();
        try (LoadedModel model = binary()) {
            runner().run(model, new RunSpec("run-1", 0, 1, "file:" + csv(5, false), "iceberg:older.predictions"));
        }
        Table table = table("older.predictions");
        assertThat(PredictionTable.differences(PredictionTable.schema(), table.schema()))
                .isEmpty();
        List<String> names =
                table.schema().columns().stream().map(Types.NestedField::name).toList();
        assertThat(names.indexOf("embedding")).isEqualTo(names.indexOf("probabilities") + 1);
        List<Record> rows = read("older.predictions");
        assertThat(rows).hasSize(5).allSatisfy(r -> assertThat(r.getField("embedding"))
                .isNull());
    }

    @Test
    void aTableOfAnotherSchemaIsRefusedNamingWhatDiffers() throws Exception {
        Schema other = new Schema(
                required(1, "run_id", Types.StringType.get()),
                required(2, "entity_id", Types.StringType.get()),
                required(3, "score", Types.DoubleType.get()));
        ((org.apache.iceberg.catalog.SupportsNamespaces) catalog)
                .createNamespace(org.apache.iceberg.catalog.Namespace.of("legacy"));
        catalog.createTable(TableIdentifier.of("legacy", "scores"), other);
        try (LoadedModel model = binary()) {
            assertThatThrownBy(() -> runner().run(
                                    model,
                                    new RunSpec("run-x", 0, 1, "file:" + csv(3, false), "iceberg:legacy.scores")))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("Iceberg table legacy.scores does not have the schema batch scoring writes")
                    .hasMessageContaining("column score double required where score float required is expected")
                    .hasMessageContaining("no column run_date date required");
            assertThatThrownBy(() -> runner().run(
                                    model, new RunSpec("run-x", 0, 1, "file:" + csv(3, false), "iceberg:nonamespace")))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("is not iceberg:<namespace>.<table>");
        }
    }

    // ---- helpers

    static BatchRunner runner() {
        return new BatchRunner(new Scorer(FeatureStore.EMPTY), null, OPTIONS, settings);
    }

    static Scheme.Context context() {
        return new Scheme.Context(null, OPTIONS, settings);
    }

    static LoadedModel binary() throws Exception {
        return ModelRegistry.local(OnnxOptions.DEFAULTS)
                .load("file:" + TinyModels.publish(TinyModels.logistic("x", "y", new float[] {1f, -1f}, 0f), MANIFEST));
    }

    /** {@code n} entities c-0.. with a and b, and (if asked) one row whose a is not a number. */
    Path csv(int n, boolean withBadRow) throws Exception {
        StringBuilder sb = new StringBuilder("id,a,b\n");
        for (int i = 0; i < n; i++) {
            sb.append("c-")
                    .append(i)
                    .append(',')
                    .append((i % 7) * 0.5)
                    .append(',')
                    .append(i % 3)
                    .append('\n');
        }
        if (withBadRow) {
            sb.append("bad-1,not-a-number,1\n");
        }
        Path file = Files.createTempFile(dir, "in", ".csv");
        Files.writeString(file, sb);
        return file;
    }

    /** entity id -> "score/label" as the CSV sink wrote them (Float's text of the same float). */
    static Map<String, String> csvScores(Path file) throws Exception {
        Map<String, String> out = new HashMap<>();
        for (String line :
                Files.readAllLines(file).subList(1, Files.readAllLines(file).size())) {
            String[] f = line.split(",", -1);
            out.put(f[1], f[4] + "/" + f[5]);
        }
        return out;
    }

    static Table table(String name) {
        return catalog.loadTable(TableIdentifier.parse(name));
    }

    static List<Record> read(String name) throws Exception {
        List<Record> rows = new ArrayList<>();
        try (CloseableIterable<Record> it = IcebergGenerics.read(table(name)).build()) {
            for (Record r : it) {
                rows.add(r.copy());
            }
        }
        return rows;
    }

    static long countDataFiles(Path tableDir) throws Exception {
        Path data = tableDir.resolve("data");
        if (!Files.exists(data)) {
            return 0;
        }
        try (var files = Files.walk(data)) {
            return files.filter(p -> p.toString().endsWith(".parquet")).count();
        }
    }
}
