package io.inferfn.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import io.inferfn.model.ModelManifest.DerivedOp;
import io.inferfn.model.ModelManifest.FeatureSource;
import io.inferfn.model.ModelManifest.FeatureType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

class ModelManifestTest {

    static final String VALID =
            """
            {"name": "demo", "version": "3", "sha256": "%s", "quantization": "int8",
             "inputs": [{"name": "x", "type": "float32", "shape": [-1, 5], "features": ["amount", "ratio", "band"]}],
             "features": [
               {"name": "amount", "source": "request"},
               {"name": "avg", "source": "store", "key": "customer:{entityId}", "field": "avg", "default": 10},
               {"name": "ratio", "source": "derived", "op": "ratio", "args": ["amount", "avg"], "default": 1},
               {"name": "band", "source": "derived", "op": "one_hot", "args": ["amount"], "categories": ["1", "2", "3"]}
             ],
             "output": {"tensor": "y", "column": 0, "thresholds": [0.5], "labels": ["ok", "alert"]}}"""
                    .formatted("a".repeat(64));

    static ModelManifest parse(String json) {
        return ModelManifest.parse(json.getBytes(StandardCharsets.UTF_8), "test/manifest.json");
    }

    @Test
    void parsesEveryPartOfTheContract() {
        ModelManifest m = parse(VALID);
        assertThat(m.name()).isEqualTo("demo");
        assertThat(m.quantization()).isEqualTo(Quantization.INT8);
        assertThat(m.features()).hasSize(4);
        assertThat(m.features().get(0)).isEqualTo(new FeatureSpec.Request("amount", FeatureType.NUMBER, null));
        assertThat(m.features().get(1)).isInstanceOfSatisfying(FeatureSpec.Store.class, store -> {
            assertThat(store.key()).isEqualTo("customer:{entityId}");
            assertThat(store.mayBeMissing()).isFalse();
        });
        assertThat(m.features().get(2))
                .isInstanceOfSatisfying(FeatureSpec.Derived.class, derived -> assertThat(derived.op())
                        .isEqualTo(DerivedOp.RATIO));
        assertThat(m.output().labels()).containsExactly("ok", "alert");
        assertThat(m.features().get(3).width()).isEqualTo(3);
    }

    @Test
    void roundTripsThroughJson() {
        ModelManifest m = parse(VALID);
        assertThat(ModelManifest.parse(m.toJson(), "again")).isEqualTo(m);
    }

    @Test
    void theCommittedDemoManifestIsValid() throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("../../models/fraud/1/manifest.json"))) {
            ModelManifest m = ModelManifest.parse(in, "models/fraud/1/manifest.json");
            assertThat(m.name()).isEqualTo("fraud");
        }
    }

    @Test
    void everyCommittedManifestParsesAndWritesBackTheSameJson() throws IOException {
        List<Path> manifests;
        try (Stream<Path> files = Files.walk(Path.of("../../models"), 3)) {
            manifests = files.filter(p -> p.endsWith("manifest.json")).sorted().toList();
        }
        assertThat(manifests).hasSizeGreaterThanOrEqualTo(6);
        ObjectMapper json = new ObjectMapper();
        for (Path path : manifests) {
            byte[] committed = Files.readAllBytes(path);
            ModelManifest m = ModelManifest.parse(committed, path.toString());
            assertThat(json.readTree(m.toJson())).as("%s written back", path).isEqualTo(json.readTree(committed));
        }
    }

    @Test
    void eachSourcePicksTheFeatureKindThatHoldsItsFields() {
        List<FeatureSpec> features = parse(VALID).features();
        assertThat(features)
                .extracting(f -> f.getClass().getSimpleName(), FeatureSpec::source)
                .containsExactly(
                        tuple("Request", FeatureSource.REQUEST),
                        tuple("Store", FeatureSource.STORE),
                        tuple("Derived", FeatureSource.DERIVED),
                        tuple("Derived", FeatureSource.DERIVED));
        assertThat(new String(parse(VALID).toJson(), StandardCharsets.UTF_8))
                .contains("\"source\" : \"request\"", "\"source\" : \"store\"", "\"source\" : \"derived\"");
    }

    @Test
    void aFeatureWithoutAKnownSourceSaysWhichSourcesThereAre() {
        String amount = "{\"name\": \"amount\", \"source\": \"request\"}";
        expect(
                VALID.replace(amount, "{\"name\": \"amount\"}"),
                "feature 'amount': 'source' is required (request, store, derived, model or window)");
        expect(
                VALID.replace(amount, "{\"name\": \"amount\", \"source\": null}"),
                "feature 'amount': 'source' is required (request, store, derived, model or window)");
        expect(
                VALID.replace(amount, "{\"name\": \"amount\", \"source\": \"online\"}"),
                "feature 'amount': 'source' must be one of request, store, derived, model or window; got 'online'");
        expect(VALID.replace(amount, "{\"source\": \"requests\"}"), "features[0]: 'source' must be one of");
    }

    @Test
    void aFieldOfAnotherSourceNamesTheFieldsThisSourceTakes() {
        expect(
                VALID.replace("\"source\": \"request\"}", "\"source\": \"request\", \"key\": \"c:{entityId}\"}"),
                "feature 'amount': a request feature takes no 'key'; it takes name, source, type, default");
        expect(
                VALID.replace("\"field\": \"avg\"", "\"field\": \"avg\", \"op\": \"log1p\""),
                "feature 'avg': a store feature takes no 'op'; it takes name, source, type, default, optional,"
                        + " acceptFromCaller, key, field");
        expect(
                VALID.replace("\"source\": \"request\"}", "\"source\": \"request\", \"acceptFromCaller\": true}"),
                "feature 'amount': a request feature takes no 'acceptFromCaller'; it takes name, source, type, default");
        expect(
                VALID.replace("\"op\": \"ratio\"", "\"op\": \"ratio\", \"optional\": true"),
                "feature 'ratio': a derived feature takes no 'optional'; it takes name, source, type, default, op,"
                        + " args, boundaries, categories, timezone");
    }

    @Test
    void eachFeatureKindChecksItsOwnFields() {
        expect(
                VALID.replace("\"field\": \"avg\"", "\"field\": \"avg\", \"type\": \"string\""),
                "feature 'avg': store features are numbers or booleans; got string");
        expect(VALID.replace("\"field\": \"avg\", ", ""), "feature 'avg': a store feature needs 'field'");
        expect(
                VALID.replace("\"op\": \"ratio\"", "\"op\": \"ratio\", \"type\": \"boolean\""),
                "feature 'ratio': a derived feature is a number; got type boolean");
        expect(
                VALID.replace("\"op\": \"ratio\"", "\"op\": \"ratio\", \"boundaries\": [1]"),
                "feature 'ratio': 'boundaries' belong to bucket; op ratio takes none");
        expect(
                VALID.replace("\"op\": \"ratio\"", "\"op\": \"ratio\", \"timezone\": \"UTC\""),
                "feature 'ratio': 'timezone' belongs to hour_of_day and day_of_week; op ratio takes none");
        expect(
                VALID.replace(
                        "{\"name\": \"amount\", \"source\": \"request\"}",
                        "{\"name\": \"amount\", \"source\": \"request\", \"default\": \"lots\"}"),
                "feature 'amount': 'default' lots is not a number");
    }

    @Test
    void rejectsWithMessagesThatSayWhatAndWhere() {
        expect(VALID.replace("\"quantization\"", "\"quantisation\""), "Unrecognized field \"quantisation\"");
        expect(VALID.replace("a".repeat(64), "abc"), "'sha256' must be the 64 hex digit sha256");
        expect(VALID.replace("\"int8\"", "\"int4\""), "quantization must be one of fp32, int8");
        expect(
                VALID.replace("\"args\": [\"amount\", \"avg\"]", "\"args\": [\"amount\", \"band\"]"),
                "argument 'band' must be a feature declared before 'ratio'");
        expect(VALID.replace(", \"default\": 10", ""), "a store feature needs a 'default'");
        expect(
                VALID.replace("\"labels\": [\"ok\", \"alert\"]", "\"labels\": [\"ok\"]"),
                "one label more than thresholds");
        expect(VALID.replace(", \"categories\": [\"1\", \"2\", \"3\"]", ""), "one_hot needs 'categories'");
        expect(
                VALID.replace("\"features\": [\"amount\"", "\"features\": [\"amout\""),
                "lists feature 'amout' which is not declared");
        expect(
                VALID.replace("customer:{entityId}", "customer:{region}"),
                "uses {region}, which must be 'entityId' or a string request feature");
        expect(VALID.replace("\"op\": \"ratio\"", "\"op\": \"sqrt\""), "op must be one of ratio");
        expect("", "No content");
        expect(
                VALID.replace("customer:{entityId}", "customer:{amount}"),
                "uses {amount}, which must be 'entityId' or a string request feature");
        expect(VALID.replace("[-1, 5]", "[-1, 6]"), "shape says 6 columns; its features fill 5");
    }

    private static void expect(String json, String message) {
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining(message)
                .hasMessageContaining("test/manifest.json");
    }

    @Test
    void aStoreFeatureIsAcceptedFromCallersOnlyWhenTheManifestSaysSo() {
        ModelManifest plain = ModelManifest.parse(VALID.getBytes(StandardCharsets.UTF_8), "demo/manifest.json");
        assertThat(((FeatureSpec.Store) plain.features().get(1)).acceptedFromCaller())
                .isFalse();
        String accepting = VALID.replace("\"field\": \"avg\",", "\"field\": \"avg\", \"acceptFromCaller\": true,");
        ModelManifest parsed = ModelManifest.parse(accepting.getBytes(StandardCharsets.UTF_8), "demo/manifest.json");
        assertThat(((FeatureSpec.Store) parsed.features().get(1)).acceptedFromCaller())
                .isTrue();
        assertThat(new String(parsed.toJson(), StandardCharsets.UTF_8)).contains("\"acceptFromCaller\" : true");
        assertThat(new String(plain.toJson(), StandardCharsets.UTF_8)).doesNotContain("acceptFromCaller");
        expect(
                VALID.replace("\"field\": \"avg\",", "\"field\": \"avg\", \"acceptFromCaller\": \"yes\","),
                "is not valid");
    }

    @Test
    void inputsOfOtherTypesAndOutputsOfOtherKindsAreCheckedAsTheyAreParsed() {
        expect(
                VALID.replace("\"float32\"", "\"float16\""),
                "has type 'float16'; expected one of float32, float64," + " int64, int32, bool, string");
        expect(
                VALID.replace("\"float32\"", "\"string\""),
                "input 'x' is a string tensor; feature 'amount' is a number (a string input takes string features only)");
        expect(
                VALID.replace(
                        "\"thresholds\": [0.5], \"labels\": [\"ok\", \"alert\"]",
                        "\"kind\": \"regression\", \"labels\": [\"a\"]"),
                "a regression output gives a value, not a label");
        expect(
                VALID.replace(
                        "\"column\": 0, \"thresholds\": [0.5]", "\"kind\": \"multiclass\", \"thresholds\": [0.5]"),
                "a multiclass output takes per-class thresholds as 'classThresholds'");
        expect(
                VALID.replace(
                        "\"column\": 0, \"thresholds\": [0.5]",
                        "\"kind\": \"multiclass\", \"classThresholds\": {\"fraud\": 0.4}"),
                "classThresholds names class 'fraud', which is not one of the labels [ok, alert]");
        expect(
                VALID.replace("\"column\": 0,", "\"kind\": \"ranking\","),
                "output kind must be one of binary, multiclass");
        ModelManifest multiclass = parse(VALID.replace(
                "\"column\": 0, \"thresholds\": [0.5]",
                "\"kind\": \"multiclass\", \"classThresholds\": {\"alert\": 0.4}"));
        assertThat(multiclass.output().outputKind()).isEqualTo(ModelManifest.OutputKind.MULTICLASS);
        // today's manifests say no kind, and are written back without one
        assertThat(parse(VALID).output().outputKind()).isEqualTo(ModelManifest.OutputKind.BINARY);
        assertThat(new String(parse(VALID).toJson(), StandardCharsets.UTF_8))
                .doesNotContain("kind")
                .doesNotContain("\"feature\"");
    }

    /** A manifest of one request feature and {@code windows}, one column each. */
    static String withWindows(String... windows) {
        return """
                {"name": "w", "version": "1", "sha256": "%s", "quantization": "fp32",
                 "inputs": [{"name": "x", "type": "float32", "shape": [-1, %d], "features": [%s]}],
                 "features": [{"name": "t", "source": "request"},
                              {"name": "at", "source": "request", "type": "timestamp"},
                              {"name": "avg", "source": "store", "key": "s:{entityId}", "field": "avg", "default": 1},
                              %s],
                 "output": {"tensor": "y"}}"""
                .formatted(
                        "a".repeat(64),
                        windows.length,
                        java.util.Arrays.stream(windows)
                                .map(w -> "\"" + w.replaceAll(".*\"name\": \"([a-z_]+)\".*", "$1") + "\"")
                                .collect(java.util.stream.Collectors.joining(", ")),
                        String.join(", ", windows));
    }

    @Test
    void windowFeaturesParseWithTheirWindow() {
        ModelManifest m = parse(withWindows(
                "{\"name\": \"mean_t\", \"source\": \"window\", \"of\": \"t\", \"stat\": \"mean\","
                        + " \"last\": 20, \"key\": \"w:{entityId}\", \"default\": 0}",
                "{\"name\": \"z_t\", \"source\": \"window\", \"of\": \"t\", \"stat\": \"zscore\","
                        + " \"seconds\": 600, \"time\": \"at\", \"key\": \"wt:{entityId}\", \"default\": 0,"
                        + " \"ttlSeconds\": 3600}"));
        FeatureSpec.Window mean = (FeatureSpec.Window) m.features().get(3);
        assertThat(mean.source()).isEqualTo(FeatureSource.WINDOW);
        assertThat(mean.stat()).isEqualTo(FeatureSpec.Window.Stat.MEAN);
        assertThat(mean.last()).isEqualTo(20);
        assertThat(mean.ttl()).isEqualTo(FeatureSpec.Window.DEFAULT_TTL_SECONDS);
        FeatureSpec.Window z = (FeatureSpec.Window) m.features().get(4);
        assertThat(z.timed()).isTrue();
        assertThat(z.ttl()).isEqualTo(3600);
        assertThat(parse(new String(m.toJson(), StandardCharsets.UTF_8))).isEqualTo(m);
    }

    @Test
    void aWindowFeatureThatCannotBeKeptIsRefusedWithWhatItNeeds() {
        String base =
                "{\"name\": \"m\", \"source\": \"window\", \"of\": \"t\", \"stat\": \"mean\"," + " \"default\": 0, ";
        assertThatThrownBy(() -> parse(withWindows(base + "\"key\": \"w:{entityId}\"}")))
                .hasMessageContaining(
                        "feature 'm': a window spans the last N readings ('last': N) or the last T" + " seconds");
        assertThatThrownBy(() -> parse(withWindows(base + "\"last\": 5000, \"key\": \"w:{entityId}\"}")))
                .hasMessageContaining("'last' must be 1 to 1000 readings; got 5000");
        assertThatThrownBy(() -> parse(withWindows(base + "\"last\": 5, \"key\": \"w:{merchant}\"}")))
                .hasMessageContaining("a Redis key pattern with one {entityId} placeholder");
        assertThatThrownBy(() -> parse(withWindows(base + "\"last\": 5, \"key\": \"s:{entityId}\"}")))
                .hasMessageContaining("is also store feature 'avg''s hash; a window needs a key of its own");
        assertThatThrownBy(() -> parse(withWindows(
                        base.replace("\"of\": \"t\"", "\"of\": \"avg\"") + "\"last\": 5, \"key\": \"w:{entityId}\"}")))
                .hasMessageContaining("'of' must name a number request feature declared before it");
        assertThatThrownBy(() ->
                        parse(withWindows(base + "\"seconds\": 60, \"time\": \"t\"," + " \"key\": \"w:{entityId}\"}")))
                .hasMessageContaining("'time' must name a timestamp request feature");
        assertThatThrownBy(() -> parse(withWindows(
                        base + "\"last\": 5, \"key\": \"w:{entityId}\"}",
                        base.replace("\"m\"", "\"n\"") + "\"last\": 6, \"key\": \"w:{entityId}\"}")))
                .hasMessageContaining("window features of key 'w:{entityId}' share one window");
        assertThatThrownBy(() ->
                        parse(withWindows(base.replace("mean", "median") + "\"last\": 5, \"key\": \"w:{entityId}\"}")))
                .hasMessageContaining("count, mean, std, min, max, last, delta, zscore");
    }
}
