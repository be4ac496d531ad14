package io.inferfn.batch;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.jerolba.carpet.CarpetReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

import io.inferfn.features.FeatureStore;
import io.inferfn.localstack.LocalPostgres;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Row;
import io.inferfn.scoring.Scorer;
import io.inferfn.testing.ConverterGraphs;
import io.inferfn.testing.TinyModels;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A multiclass model's class probabilities reach every batch sink as the Scorer computed them (bit-equal to a
 * direct ONNX Runtime run, which {@code BringYourOwnModelTest} checks): CSV columns {@code prob_<class>}, a
 * Parquet MAP, a PostgreSQL {@code jsonb}, including into a table made before the column existed.
 */
class MulticlassSinksTest {

    static final String TIERS =
            """
            {"name": "tiers", "version": "1", "sha256": "$SHA", "quantization": "fp32",
             "inputs": [{"name": "amount", "type": "float32", "shape": [-1, 1], "features": ["amount"]},
                        {"name": "country", "type": "string", "shape": [-1, 1], "feature": "country"}],
             "features": [{"name": "amount", "source": "request"},
                          {"name": "country", "source": "request", "type": "string", "default": "US"}],
             "output": {"kind": "multiclass", "tensor": "output_probability"}}""";

    static final String CSV = "id,amount,country\nt-1,75.5,FR\nt-2,3,\nt-3,120,DE\nt-4,10,US\n";

    static final BatchOptions OPTIONS = new BatchOptions("id", 2, 100, Duration.ofMinutes(1), 10, Duration.ZERO);

    static LocalPostgres pg;
    static PGSimpleDataSource dataSource;

    @TempDir
    Path dir;

    @BeforeAll
    static void startPostgres() {
        pg = LocalPostgres.startOnFreePort();
        dataSource = new PGSimpleDataSource();
        dataSource.setUrl(pg.jdbcUrl());
        dataSource.setUser(LocalPostgres.USER);
    }

    @AfterAll
    static void stopPostgres() {
        pg.close();
    }

    @Test
    void everySinkWritesTheClassProbabilitiesTheScorerComputed() throws Exception {
        Path source = dir.resolve("in.csv");
        Files.writeString(source, CSV);
        try (LoadedModel model = load()) {
            Map<String, Prediction> expected = expected(model);
            BatchRunner runner = new BatchRunner(new Scorer(FeatureStore.EMPTY), dataSource, OPTIONS);
            for (String sink : List.of("file:" + dir.resolve("out.csv"), "file:" + dir.resolve("out.parquet"))) {
                runner.run(model, new RunSpec("run-1", 0, 1, "file:" + source, sink));
            }
            runner.run(model, new RunSpec("run-1", 0, 1, "file:" + source, "table:tier_predictions"));

            List<String> csv = Files.readAllLines(dir.resolve("out.csv"));
            assertThat(csv.get(0))
                    .isEqualTo("run_id,entity_id,model,model_version,score,label,degraded,missing_features,scored_at,"
                            + "prob_bronze,prob_gold,prob_silver");
            assertThat(csv).hasSize(5);
            for (String line : csv.subList(1, 5)) {
                String[] f = line.split(",", -1);
                Prediction p = expected.get(f[1]);
                assertThat(f[5]).isEqualTo(p.label());
                for (int c = 0; c < 3; c++) {
                    String cls = ConverterGraphs.TIERS.get(c);
                    assertThat(Float.parseFloat(f[9 + c]))
                            .as("%s %s", f[1], cls)
                            .isEqualTo(p.probabilities().get(cls));
                }
            }

            List<Map> parquet = new CarpetReader<>(new File(dir + "/out.parquet"), Map.class).toList();
            assertThat(parquet).hasSize(4);
            for (Map<?, ?> row : parquet) {
                Prediction p = expected.get((String) row.get("entity_id"));
                assertThat(row.get("label")).isEqualTo(p.label());
                assertThat((Map<?, ?>) row.get("probabilities")).isEqualTo(p.probabilities());
            }

            assertThat(tableProbabilities("tier_predictions")).isEqualTo(probabilities(expected));
        }
    }

    @Test
    void aTableMadeBeforeProbabilitiesGainsTheColumnAndKeepsItsRows() throws Exception {
        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            // the table as earlier versions created it, with a binary model's row in it
            st.execute("CREATE TABLE old_predictions (run_id text NOT NULL, entity_id text NOT NULL,"
                    + " model text NOT NULL, model_version text NOT NULL, score real NOT NULL, label text,"
                    + " degraded boolean NOT NULL, missing_features text, scored_at timestamptz NOT NULL,"
                    + " PRIMARY KEY (run_id, entity_id))");
            st.execute("INSERT INTO old_predictions VALUES ('old', 'c-1', 'fraud', '2', 0.5, 'high', false, NULL,"
                    + " now())");
        }
        Path source = dir.resolve("in.csv");
        Files.writeString(source, CSV);
        try (LoadedModel model = load()) {
            new BatchRunner(new Scorer(FeatureStore.EMPTY), dataSource, OPTIONS)
                    .run(model, new RunSpec("run-2", 0, 1, "file:" + source, "table:old_predictions"));
            Map<String, Map<String, Float>> written = tableProbabilities("old_predictions");
            assertThat(written).containsKeys("t-1", "t-2", "t-3", "t-4");
            assertThat(written).isEqualTo(probabilities(expected(model)));
        }
        try (Connection c = pg.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT label, probabilities IS NULL FROM old_predictions WHERE run_id = 'old'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("high");
            assertThat(rs.getBoolean(2)).isTrue();
        }
    }

    private LoadedModel load() throws Exception {
        return ModelRegistry.local(OnnxOptions.DEFAULTS)
                .load("file:" + TinyModels.publish(ConverterGraphs.sklearnPipeline(), TIERS));
    }

    /** What the scoring core gives for the CSV's rows, by entity id. */
    private static Map<String, Prediction> expected(LoadedModel model) throws Exception {
        List<Row> rows = new ArrayList<>();
        String[] ids = {"t-1", "t-2", "t-3", "t-4"};
        rows.add(Row.of(ids[0], Map.of("amount", 75.5, "country", "FR")));
        rows.add(Row.of(ids[1], Map.of("amount", 3.0)));
        rows.add(Row.of(ids[2], Map.of("amount", 120.0, "country", "DE")));
        rows.add(Row.of(ids[3], Map.of("amount", 10.0, "country", "US")));
        List<Prediction> scored = new Scorer(FeatureStore.EMPTY).scoreBatch(model, rows);
        Map<String, Prediction> out = new HashMap<>();
        for (int r = 0; r < ids.length; r++) {
            assertThat(scored.get(r).probabilities()).hasSize(3);
            out.put(ids[r], scored.get(r));
        }
        return out;
    }

    private static Map<String, Map<String, Float>> probabilities(Map<String, Prediction> predictions) {
        Map<String, Map<String, Float>> out = new HashMap<>();
        predictions.forEach((id, p) -> out.put(id, p.probabilities()));
        return out;
    }

    private static Map<String, Map<String, Float>> tableProbabilities(String table) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, Map<String, Float>> out = new HashMap<>();
        try (Connection c = pg.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT entity_id, probabilities::text FROM " + table + " WHERE probabilities IS NOT NULL")) {
            while (rs.next()) {
                Map<String, Float> classes = new LinkedHashMap<>();
                JsonNode node = json.readTree(rs.getString(2));
                for (String cls : ConverterGraphs.TIERS) {
                    classes.put(cls, node.get(cls).floatValue());
                }
                assertThat(node.size()).isEqualTo(3);
                out.put(rs.getString(1), classes);
            }
        }
        return out;
    }
}
