package io.inferfn.batchscore;

import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.jerolba.carpet.CarpetReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.types.Types;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.inferfn.batch.BatchOptions;
import io.inferfn.batch.BatchRunner;
import io.inferfn.batch.RunSpec;
import io.inferfn.batch.RunSummary;
import io.inferfn.features.FeatureStore;
import io.inferfn.localstack.LocalPostgres;
import io.inferfn.localstack.PostgresTestResource;
import io.inferfn.localstack.RedisHashes;
import io.inferfn.localstack.RedisTestResource;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.model.TextModel;
import io.inferfn.models.MiniLmModelGenerator;
import io.inferfn.runtime.ModelCatalog;
import io.inferfn.scoring.Scorer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;

/**
 * A text column scored by the real all-MiniLM-L6-v2 (int8) into a real PostgreSQL and into files: each stored
 * embedding equals a direct {@link Scorer#scoreTexts} of the same texts in the same batches, rows without text are
 * rejected with the reason and count against max-rejects, and a rerun replaces its rows; CSV, Parquet and Iceberg
 * sinks hold the same vectors.
 */
@QuarkusTest
@TestProfile(TextColumnTest.MiniLm.class)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class TextColumnTest {

    /** Texts per ORT call in this profile: the 11 documents make three batches. */
    static final int TEXT_BATCH = 4;

    /** The int8 text demo model, generated from its Maven artifact when missing, documents keyed by doc_id. */
    public static class MiniLm implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "inferfn.model.locations", "file:" + minilm(),
                    "inferfn.batch.entity-column", "doc_id",
                    "inferfn.batch.text-batch-rows", Integer.toString(TEXT_BATCH),
                    "inferfn.batch.max-rejects", "5",
                    "inferfn.batch.overrides.tables", "docs,doc_,gold.doc_",
                    "inferfn.batch.overrides.sql", "true");
        }
    }

    static Path minilm() {
        try {
            return MiniLmModelGenerator.write(Path.of("target/minilm").toAbsolutePath(), true);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The documents by id (null: a NULL text); source order is by id, as the runs below select them. */
    static final Map<String, String> DOCS = new LinkedHashMap<>();

    static {
        DOCS.put("d-01", "The cat sits on the mat.");
        DOCS.put("d-02", "A feline is resting on a rug, looking out of the window at the birds in the garden.");
        DOCS.put("d-03", "Café déjà vu 😀");
        DOCS.put("d-04", null);
        DOCS.put("d-05", "Nightly scoring writes one embedding per document.");
        DOCS.put("d-06", "");
        DOCS.put("d-07", "word ".repeat(400)); // 402 tokens: cut to the model's 128
        DOCS.put("d-08", "   ");
        DOCS.put("d-09", "Le chat est assis sur le tapis.");
        DOCS.put("d-10", "東京は日本の首都です。");
        DOCS.put("d-11", "Embeddings are\tvectors of floats,\nwritten \"as is\".");
    }

    static final String SOURCE = "sql:SELECT doc_id, text, lang FROM docs ORDER BY doc_id";

    @TestHTTPResource("/runBatch")
    URL runBatch;

    @Inject
    Scorer scorer;

    @Inject
    ModelCatalog catalog;

    @BeforeEach
    void documents() throws Exception {
        try (Connection c = PostgresTestResource.postgres().connect();
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS docs");
            st.execute("CREATE TABLE docs (doc_id text PRIMARY KEY, text text, lang text)");
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO docs VALUES (?, ?, 'x')")) {
                for (Map.Entry<String, String> doc : DOCS.entrySet()) {
                    insert.setString(1, doc.getKey());
                    insert.setString(2, doc.getValue());
                    insert.addBatch();
                }
                insert.executeBatch();
            }
        }
    }

    Response run(String runId, String source, String sink) {
        return given().contentType(ContentType.JSON)
                .body("{\"runId\": \"" + runId + "\", \"source\": \"" + source + "\", \"sink\": \"" + sink + "\"}")
                .post(runBatch);
    }

    JsonPath ok(String runId, String source, String sink) {
        return run(runId, source, sink).then().statusCode(200).extract().jsonPath();
    }

    /**
     * What {@link Scorer#scoreTexts} gives the documents with text, called as the run calls it: the source's rows in
     * batches of {@link #TEXT_BATCH}, the rows without text left out of their batch. (The int8 model quantizes its
     * activations per call, so a text's embedding moves a little with its batch's other texts.)
     */
    Map<String, float[]> direct() {
        LoadedModel model = catalog.resolve("minilm");
        List<Map.Entry<String, String>> docs = new ArrayList<>(DOCS.entrySet());
        Map<String, float[]> out = new HashMap<>();
        for (int from = 0; from < docs.size(); from += TEXT_BATCH) {
            List<String> ids = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            for (Map.Entry<String, String> doc : docs.subList(from, Math.min(docs.size(), from + TEXT_BATCH))) {
                if (doc.getValue() != null && !doc.getValue().isBlank()) {
                    ids.add(doc.getKey());
                    texts.add(doc.getValue());
                }
            }
            List<TextModel.Result> results = scorer.scoreTexts(model, texts);
            for (int i = 0; i < ids.size(); i++) {
                out.put(ids.get(i), results.get(i).embedding());
            }
        }
        return out;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    static void assertSameEmbeddings(Map<String, float[]> written, Map<String, float[]> expected) {
        assertThat(written.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (Map.Entry<String, float[]> e : expected.entrySet()) {
            float[] w = written.get(e.getKey());
            assertThat(w).as(e.getKey()).hasSize(384);
            assertThat(cosine(w, e.getValue())).as(e.getKey()).isGreaterThanOrEqualTo(0.9999);
        }
    }

    static Map<String, float[]> table(String runId) throws Exception {
        Map<String, float[]> out = new HashMap<>();
        try (Connection c = PostgresTestResource.postgres().connect();
                PreparedStatement st = c.prepareStatement("SELECT entity_id, embedding, score, label, probabilities"
                        + " FROM doc_embeddings WHERE run_id = ?")) {
            st.setString(1, runId);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    Float[] boxed = (Float[]) rs.getArray(2).getArray();
                    float[] v = new float[boxed.length];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = boxed[i];
                    }
                    // the score of an embedding is its L2 norm: 1 for this model, which normalizes
                    assertThat(rs.getFloat(3)).isCloseTo(1f, within(1e-4f));
                    assertThat(rs.getString(4)).isNull();
                    assertThat(rs.getString(5)).isNull();
                    out.put(rs.getString(1), v);
                }
            }
        }
        return out;
    }

    static List<String> rejects(String runId) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = PostgresTestResource.postgres().connect();
                PreparedStatement st = c.prepareStatement("SELECT entity_id || ': ' || reason FROM"
                        + " doc_embeddings_rejects WHERE run_id = ? ORDER BY 1")) {
            st.setString(1, runId);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    @Test
    void embeddingsWrittenToATableEqualADirectScoreOfTheSameTextsAndRowsWithoutTextAreRejected() throws Exception {
        JsonPath summary = ok("t-text", SOURCE, "table:doc_embeddings");

        assertThat(summary.getString("model")).isEqualTo("minilm");
        assertThat(summary.getLong("rowsRead")).isEqualTo(11);
        assertThat(summary.getLong("rowsScored")).isEqualTo(8);
        assertThat(summary.getLong("rowsRejected")).isEqualTo(3);
        Map<String, float[]> written = table("t-text");
        assertSameEmbeddings(written, direct());
        // the long document was cut to the model's 128 tokens, not refused: same as its first 126 words
        assertThat(cosine(written.get("d-07"), direct().get("d-07"))).isGreaterThanOrEqualTo(0.9999);
        assertThat(rejects("t-text"))
                .containsExactly(
                        "d-04: text column 'text' is empty (null); every row needs a text to score",
                        "d-06: text column 'text' is empty; every row needs a text to score",
                        "d-08: text column 'text' is blank; every row needs a text to score");

        // a rerun of the same run replaces its rows: one per document, same embeddings
        JsonPath again = ok("t-text", SOURCE, "table:doc_embeddings");
        assertThat(again.getLong("rowsScored")).isEqualTo(8);
        Map<String, float[]> rerun = table("t-text");
        assertSameEmbeddings(rerun, direct());
        assertThat(rejects("t-text")).hasSize(3);
    }

    @Test
    void aTextColumnThatHoldsNoTextIsRejectedRowByRowAndCountsAgainstMaxRejects() throws Exception {
        run("t-numbers", "sql:SELECT doc_id, length(coalesce(text, '')) AS text FROM docs", "table:doc_embeddings")
                .then()
                .statusCode(400)
                .body(
                        "error",
                        allOf(
                                containsString("more than 5 rows rejected, nothing committed"),
                                containsString("text column 'text' must hold text; got Integer")));
        assertThat(table("t-numbers")).isEmpty();
    }

    @Test
    void aSourceWithoutTheTextColumnIsRefusedNamingTheColumnAndTheSetting() {
        run("t-no-text", "sql:SELECT doc_id, lang FROM docs", "table:doc_embeddings")
                .then()
                .statusCode(400)
                .body(
                        "error",
                        allOf(
                                containsString("has no column 'text' for the text of model minilm 2"),
                                containsString("inferfn.batch.text-column")));
    }

    @Test
    void embeddingsWrittenToCsvParquetAndIcebergEqualADirectScore() throws Exception {
        Path dir = Files.createTempDirectory("batch-text");
        JsonPath csvRun = ok("t-csv", SOURCE, "file:" + dir.resolve("embeddings.csv"));
        ok("t-parquet", SOURCE, "file:" + dir.resolve("embeddings.parquet"));
        ok("t-iceberg", SOURCE, "iceberg:gold.doc_embeddings");
        assertThat(csvRun.getLong("rowsScored")).isEqualTo(8);
        Map<String, float[]> expected = direct();

        // CSV: the vector as a JSON array in column 'embedding'
        RedisHashes.Csv csv = RedisHashes.read(dir.resolve("embeddings.csv"));
        int entity = csv.header().indexOf("entity_id");
        int embedding = csv.header().indexOf("embedding");
        assertThat(embedding).isPositive();
        ObjectMapper json = new ObjectMapper();
        Map<String, float[]> fromCsv = new HashMap<>();
        for (String[] row : csv.rows()) {
            fromCsv.put(row[entity], json.readValue(row[embedding], float[].class));
        }
        assertSameEmbeddings(fromCsv, expected);
        assertThat(Files.readAllLines(dir.resolve("embeddings.rejects.csv"))).hasSize(1 + 3);

        // Parquet: a LIST of float
        Map<String, float[]> fromParquet = new HashMap<>();
        @SuppressWarnings("rawtypes")
        List<Map> rows = new CarpetReader<>(new File(dir + "/embeddings.parquet"), Map.class).toList();
        for (Map<?, ?> row : rows) {
            List<?> values = (List<?>) row.get("embedding");
            float[] v = new float[values.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = ((Number) values.get(i)).floatValue();
            }
            fromParquet.put((String) row.get("entity_id"), v);
            assertThat(row.get("probabilities")).isNull();
        }
        assertSameEmbeddings(fromParquet, expected);

        // Iceberg: list<float>, read back with Iceberg's own reader
        Catalog catalog = catalog();
        Map<String, float[]> fromIceberg = new HashMap<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(
                        catalog.loadTable(TableIdentifier.of("gold", "doc_embeddings")))
                .where(Expressions.equal("run_id", "t-iceberg"))
                .build()) {
            for (Record record : records) {
                List<?> values = (List<?>) record.getField("embedding");
                float[] v = new float[values.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (Float) values.get(i);
                }
                fromIceberg.put((String) record.getField("entity_id"), v);
            }
        }
        assertSameEmbeddings(fromIceberg, expected);
    }

    /**
     * The same documents from a Parquet file and from an Iceberg table (string columns, the text optional): the
     * embeddings equal a direct score of the same batches, and the rows without text are rejected with the same
     * reasons as from PostgreSQL.
     */
    @Test
    void aTextColumnReadFromParquetOrIcebergScoresLikeTheSameTextsFromSql() throws Exception {
        Path dir = Files.createTempDirectory("batch-text-sources");
        Path parquet = dir.resolve("docs.parquet");
        MessageType schema = MessageTypeParser.parseMessageType(
                "message docs { required binary doc_id (STRING); optional binary text (STRING); }");
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(parquet))
                .withType(schema)
                .build()) {
            for (Map.Entry<String, String> doc : DOCS.entrySet()) {
                Group g = groups.newGroup().append("doc_id", doc.getKey());
                if (doc.getValue() != null) {
                    g.append("text", doc.getValue());
                }
                writer.write(g);
            }
        }

        Schema iceberg = new Schema(
                Types.NestedField.required(1, "doc_id", Types.StringType.get()),
                Types.NestedField.optional(2, "text", Types.StringType.get()));
        Catalog catalog = catalog();
        TableIdentifier id = TableIdentifier.of("gold", "doc_source");
        if (catalog.tableExists(id)) {
            catalog.dropTable(id, true);
        }
        Table table = catalog.createTable(id, iceberg);
        OutputFile file = table.io().newOutputFile(table.location() + "/data/docs.parquet");
        FileAppender<Record> appender =
                new GenericAppenderFactory(iceberg).newAppender(file, org.apache.iceberg.FileFormat.PARQUET);
        try (appender) {
            for (Map.Entry<String, String> doc : DOCS.entrySet()) {
                GenericRecord r = GenericRecord.create(iceberg);
                r.setField("doc_id", doc.getKey());
                r.setField("text", doc.getValue());
                appender.add(r);
            }
        }
        table.newAppend()
                .appendFile(DataFiles.builder(table.spec())
                        .withInputFile(file.toInputFile())
                        .withMetrics(appender.metrics())
                        .withFormat(org.apache.iceberg.FileFormat.PARQUET)
                        .build())
                .commit();

        Map<String, float[]> expected = direct();
        for (String source : List.of("file:" + parquet, "iceberg:gold.doc_source")) {
            String name = source.startsWith("file:") ? "from-parquet" : "from-iceberg";
            JsonPath summary = ok("t-" + name, source, "file:" + dir.resolve(name + ".csv"));
            assertThat(summary.getLong("rowsRead")).as(source).isEqualTo(11);
            assertThat(summary.getLong("rowsScored")).as(source).isEqualTo(8);
            RedisHashes.Csv csv = RedisHashes.read(dir.resolve(name + ".csv"));
            int entity = csv.header().indexOf("entity_id");
            int embedding = csv.header().indexOf("embedding");
            ObjectMapper json = new ObjectMapper();
            Map<String, float[]> written = new HashMap<>();
            for (String[] row : csv.rows()) {
                written.put(row[entity], json.readValue(row[embedding], float[].class));
            }
            assertSameEmbeddings(written, expected);
            RedisHashes.Csv rejects = RedisHashes.read(dir.resolve(name + ".rejects.csv"));
            int rejected = rejects.header().indexOf("entity_id");
            int reason = rejects.header().indexOf("reason");
            assertThat(rejects.rows().stream().map(r -> r[rejected] + ": " + r[reason]))
                    .as(source)
                    .containsExactly(
                            "d-04: text column 'text' is empty (null); every row needs a text to score",
                            "d-06: text column 'text' is empty; every row needs a text to score",
                            "d-08: text column 'text' is blank; every row needs a text to score");
        }
    }

    static Catalog catalog() {
        return CatalogUtil.buildIcebergCatalog(
                "inferfn",
                Map.of(
                        "catalog-impl",
                        "org.apache.iceberg.jdbc.JdbcCatalog",
                        "uri",
                        PostgresTestResource.postgres().jdbcUrl(),
                        "jdbc.user",
                        LocalPostgres.USER,
                        "warehouse",
                        ConfigProvider.getConfig().getValue("inferfn.batch.iceberg.warehouse", String.class)),
                new Configuration());
    }

    @Test
    void aTextClassifierWritesItsTopLabelItsProbabilityAsTheScoreAndEveryClasssProbability() throws Exception {
        Path dir = Files.createTempDirectory("batch-text-topic");
        Path modelDir = Files.createDirectories(dir.resolve("topic"));
        byte[] onnx = io.inferfn.testing.TorchGraphs.textClassifier(30522, 8, 3, 7);
        byte[] tokenizer = Files.readAllBytes(minilm().resolve("tokenizer.json"));
        Files.write(modelDir.resolve("model.onnx"), onnx);
        Files.write(modelDir.resolve("tokenizer.json"), tokenizer);
        Files.writeString(
                modelDir.resolve("manifest.json"),
                """
                {"name": "topic", "version": "1", "sha256": "%s", "quantization": "fp32",
                 "output": {"kind": "multiclass", "tensor": "logits", "labels": ["sports", "politics", "science"]},
                 "text": {"tokenizer": "tokenizer.json", "tokenizerSha256": "%s", "maxLength": 64}}"""
                        .formatted(ModelRegistry.sha256(onnx), ModelRegistry.sha256(tokenizer)));
        List<String> texts = List.of("The match ended in a draw.", "Parliament votes today.", "", "Cells divide.");
        Files.writeString(
                dir.resolve("in.csv"),
                "doc_id,text\n"
                        + String.join(
                                "\n",
                                List.of("t-1," + texts.get(0), "t-2," + texts.get(1), "t-3,", "t-4," + texts.get(3)))
                        + "\n");
        Scorer direct = new Scorer(FeatureStore.EMPTY);
        try (LoadedModel model = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + modelDir)) {
            RunSummary summary = new BatchRunner(
                            direct, null, new BatchOptions("doc_id", 64, 100, Duration.ofMinutes(1), 10, Duration.ZERO))
                    .run(
                            model,
                            new RunSpec(
                                    "t-topic",
                                    0,
                                    1,
                                    "file:" + dir.resolve("in.csv"),
                                    "file:" + dir.resolve("out.csv")));
            assertThat(summary.rowsScored()).isEqualTo(3);
            assertThat(summary.rowsRejected()).isEqualTo(1);
            List<TextModel.Result> expected =
                    direct.scoreTexts(model, List.of(texts.get(0), texts.get(1), texts.get(3)));
            RedisHashes.Csv out = RedisHashes.read(dir.resolve("out.csv"));
            List<String> header = out.header();
            assertThat(header).doesNotContain("embedding");
            assertThat(out.rows()).hasSize(3);
            for (int i = 0; i < 3; i++) {
                String[] row = out.rows().get(i);
                TextModel.Result want = expected.get(i);
                assertThat(row[header.indexOf("label")]).isEqualTo(want.label());
                assertThat(Float.parseFloat(row[header.indexOf("score")]))
                        .isEqualTo(want.probabilities().get(want.label()));
                for (String c : List.of("sports", "politics", "science")) {
                    assertThat(Float.parseFloat(row[header.indexOf("prob_" + c)]))
                            .isEqualTo(want.probabilities().get(c));
                }
            }
        }
    }

    @Test
    void aModelThatDoesNotTruncateRejectsALongTextAndScoresTheOthers() throws Exception {
        Path source = minilm();
        Path strict = source.resolveSibling("strict");
        Files.createDirectories(strict);
        for (String file : List.of("model.onnx", "tokenizer.json")) {
            Files.copy(source.resolve(file), strict.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(
                strict.resolve("manifest.json"),
                Files.readString(source.resolve("manifest.json"))
                        .replace("\"name\" : \"minilm\"", "\"name\" : \"minilm-strict\"")
                        .replace("\"maxLength\" : 128", "\"maxLength\" : 16")
                        .replace("\"truncation\" : true", "\"truncation\" : false"));
        Path dir = Files.createTempDirectory("batch-text-strict");
        Files.writeString(
                dir.resolve("in.csv"), "doc_id,text\nd-1,short\nd-2," + "word ".repeat(40) + "\nd-3,also short\n");
        try (LoadedModel model = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + strict)) {
            RunSummary summary = new BatchRunner(
                            new Scorer(FeatureStore.EMPTY),
                            null,
                            new BatchOptions("doc_id", 64, 100, Duration.ofMinutes(1), 10, Duration.ZERO))
                    .run(
                            model,
                            new RunSpec(
                                    "t-strict",
                                    0,
                                    1,
                                    "file:" + dir.resolve("in.csv"),
                                    "file:" + dir.resolve("out.csv")));
            assertThat(summary.rowsScored()).isEqualTo(2);
            assertThat(summary.rowsRejected()).isEqualTo(1);
        }
        RedisHashes.Csv out = RedisHashes.read(dir.resolve("out.csv"));
        int entity = out.header().indexOf("entity_id");
        assertThat(out.rows().stream().map(r -> r[entity])).containsExactly("d-1", "d-3");
        assertThat(out.header()).contains("embedding");
        RedisHashes.Csv rejects = RedisHashes.read(dir.resolve("out.rejects.csv"));
        assertThat(rejects.rows()).hasSize(1);
        assertThat(rejects.rows().get(0)[rejects.header().indexOf("entity_id")]).isEqualTo("d-2");
        assertThat(rejects.rows().get(0)[rejects.header().indexOf("reason")])
                .isEqualTo("the text is 42 tokens; model minilm-strict 2 takes at most 16 (its manifest sets"
                        + " text.truncation false: shorten the text)");
    }
}
