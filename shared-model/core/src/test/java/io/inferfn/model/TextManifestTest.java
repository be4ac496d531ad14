package io.inferfn.model;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code text} section of a manifest, and a text model met by a function without the text module. */
class TextManifestTest {

    static final String SHA = "b".repeat(64);

    static final String EMBEDDING =
            """
            {"name": "minilm", "version": "2", "sha256": "%s", "quantization": "int8",
             "output": {"kind": "embedding", "tensor": "last_hidden_state"},
             "text": {"tokenizer": "tokenizer.json", "tokenizerSha256": "%s"%s}}""";

    static ModelManifest parse(String json) {
        return ModelManifest.parse(json.getBytes(StandardCharsets.UTF_8), "minilm/manifest.json");
    }

    static String embedding(String textExtra) {
        return EMBEDDING.formatted(SHA, SHA, textExtra);
    }

    @Test
    void aTextSectionTakesTheDefaultsOfMaxLengthTruncationPoolingAndNormalize() {
        ModelManifest m = parse(embedding(""));
        assertThat(m.inputs()).isEmpty();
        assertThat(m.features()).isEmpty();
        assertThat(m.output().outputKind()).isEqualTo(ModelManifest.OutputKind.EMBEDDING);
        assertThat(m.text().maxLengthOrDefault()).isEqualTo(256);
        assertThat(m.text().truncates()).isTrue();
        assertThat(m.text().poolingOrDefault()).isEqualTo(ModelManifest.Pooling.MEAN);
        assertThat(m.text().normalizes()).isTrue();
        assertThat(parse(new String(m.toJson(), StandardCharsets.UTF_8))).isEqualTo(m);
        ModelManifest cls = parse(embedding(", \"pooling\": \"cls\", \"normalize\": false, \"maxLength\": 64"));
        assertThat(cls.text().poolingOrDefault()).isEqualTo(ModelManifest.Pooling.CLS);
        assertThat(cls.text().normalizes()).isFalse();
        assertThat(cls.text().maxLengthOrDefault()).isEqualTo(64);
    }

    @Test
    void aWrongTextSectionIsRefusedNamingTheField() {
        assertThatThrownBy(() -> parse(EMBEDDING.formatted(SHA, "abc", "")))
                .hasMessageContaining("'text.tokenizerSha256' must be the 64 hex digit sha256 of tokenizer.json");
        assertThatThrownBy(() -> parse(embedding(", \"maxLength\": 1")))
                .hasMessageContaining("'text.maxLength' must be at least 2");
        assertThatThrownBy(() -> parse(embedding(", \"pooling\": \"max\"")))
                .hasMessageContaining("pooling must be mean or cls; got 'max'");
        assertThatThrownBy(() ->
                        parse(embedding("").replace("\"tokenizer\": \"tokenizer.json\"", "\"tokenizer\": \"../x\"")))
                .hasMessageContaining("'text.tokenizer' must name the tokenizer.json file in the model directory");
        assertThatThrownBy(() -> parse(embedding("").replace("\"kind\": \"embedding\"", "\"kind\": \"regression\"")))
                .hasMessageContaining("a text model's output 'kind' must be embedding or multiclass; got regression");
        assertThatThrownBy(() -> parse(embedding("")
                        .replace("\"kind\": \"embedding\"", "\"kind\": \"multiclass\", \"labels\": [\"neg\", \"pos\"]")
                        .replace("\"tokenizerSha256\"", "\"pooling\": \"cls\", \"tokenizerSha256\"")))
                .hasMessageContaining("a multiclass head takes neither");
        assertThatThrownBy(
                        () -> parse(
                                embedding("")
                                        .replace(
                                                "\"output\"",
                                                "\"features\": [], \"inputs\": [{\"name\": \"x\","
                                                        + " \"type\": \"float32\", \"shape\": [-1, 1], \"feature\": \"a\"}], \"output\"")))
                .hasMessageContaining("a text model takes no 'inputs' or 'features'");
    }

    @Test
    void anEmbeddingOutputWithoutATextSectionIsRefused() {
        String tabular = ModelManifestTest.VALID.replace(
                "\"column\": 0, \"thresholds\": [0.5], \"labels\": [\"ok\", \"alert\"]", "\"kind\": \"embedding\"");
        assertThatThrownBy(() -> parse(tabular))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("an 'embedding' output is a text model's: declare a 'text' section");
    }

    @Test
    void aTextModelWithoutTheTextModuleIsRefusedSayingWhatToAdd(@TempDir Path dir) throws Exception {
        byte[] onnx = "not read: the refusal comes first".getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve("model.onnx"), onnx);
        Files.writeString(dir.resolve("manifest.json"), EMBEDDING.formatted(ModelRegistry.sha256(onnx), SHA, ""));
        assertThatThrownBy(() -> ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("model minilm")
                .hasMessageContaining("is a text model")
                .hasMessageContaining("add inferfn-text to the build")
                .hasMessageContaining("run text models in the container build");
    }
}
