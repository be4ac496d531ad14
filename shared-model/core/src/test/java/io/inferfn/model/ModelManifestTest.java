package io.inferfn.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        assertThat(m.features().get(1).key()).isEqualTo("customer:{entityId}");
        assertThat(m.features().get(2).op()).isEqualTo(ModelManifest.DerivedOp.RATIO);
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
}
